"""The metal price feed against a real HTTP server on 127.0.0.1 (no mocking)."""

import json
import logging
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from tests.zakat.factories import MetalPriceFactory
from zakat import feed, services, tasks
from zakat.models import MetalPrice

pytestmark = pytest.mark.django_db

GOOD = {
    "currency": "USD",
    "unit": "gram",
    "gold": "96.25",
    "silver": "1.12",
    "as_of": "2026-01-05T09:00:00Z",
}


class FeedServer:
    """Serves a scripted list of (status, body, delay) answers, then repeats the last."""

    def __init__(self) -> None:
        self.script: list[tuple[int, bytes, float]] = []
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                index = min(outer.hits, len(outer.script) - 1)
                outer.hits += 1
                status, body, delay = outer.script[index]
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/prices.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, *steps) -> None:
        self.script = [
            (status, body if isinstance(body, bytes) else json.dumps(body).encode(), delay)
            for status, body, delay in ((*s, 0)[:3] for s in steps)
        ]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch, settings):
    monkeypatch.setattr(feed, "BACKOFF_FACTOR", 0.01)
    instance = FeedServer()
    settings.METAL_PRICES_URL = instance.url
    yield instance
    instance.close()


def test_good_feed_stores_a_snapshot(server):
    server.answer((200, GOOD))

    snapshot = services.metal_prices_refresh()

    assert snapshot.source == MetalPrice.Source.FEED
    assert snapshot.gold_price_per_gram == Decimal("96.25")
    assert snapshot.silver_price_per_gram == Decimal("1.12")
    assert snapshot.as_of.isoformat() == "2026-01-05T09:00:00+00:00"
    assert server.hits == 1
    # The same as_of again is not stored twice.
    assert services.metal_prices_refresh() is None
    assert MetalPrice.objects.count() == 1


def test_troy_ounces_are_converted_to_grams(server):
    server.answer((200, {**GOOD, "unit": "troy_ounce", "gold": 2993.75, "silver": "34.84"}))

    snapshot = services.metal_prices_refresh()

    # 2993.75 / 31.1034768 = 96.2513..., 34.84 / 31.1034768 = 1.12014...
    assert snapshot.gold_price_per_gram == Decimal("96.25")
    assert snapshot.silver_price_per_gram == Decimal("1.12")


def test_500_then_200_is_retried(server):
    server.answer((500, b"oops"), (503, b"busy"), (200, GOOD))

    snapshot = services.metal_prices_refresh()

    assert snapshot is not None
    assert server.hits == 3


def test_404_is_not_retried_and_keeps_the_prices(server, caplog):
    kept = MetalPriceFactory()
    server.answer((404, b"{}"))

    with caplog.at_level(logging.WARNING, logger="zakat.services"):
        assert services.metal_prices_refresh() is None

    assert server.hits == 1
    assert list(MetalPrice.objects.all()) == [kept]
    assert "HTTP 404" in caplog.text


def test_persistent_500_gives_up_after_the_retries(server):
    server.answer((500, b"down"))
    assert services.metal_prices_refresh() is None
    assert server.hits == feed.RETRIES + 1
    assert not MetalPrice.objects.exists()


def test_timeout_is_retried_then_refused(server, monkeypatch, caplog):
    monkeypatch.setattr(feed, "READ_TIMEOUT", 0.2)
    server.answer((200, GOOD, 1.0))

    with caplog.at_level(logging.WARNING, logger="zakat.services"):
        assert services.metal_prices_refresh() is None

    assert server.hits == feed.RETRIES + 1
    assert "fetch failed" in caplog.text
    assert not MetalPrice.objects.exists()


def test_slow_first_answer_then_good_is_stored(server, monkeypatch):
    monkeypatch.setattr(feed, "READ_TIMEOUT", 0.2)
    server.answer((200, GOOD, 1.0), (200, GOOD))
    assert services.metal_prices_refresh() is not None
    assert server.hits == 2


@pytest.mark.parametrize(
    "body",
    [
        b"not json {",
        b"[1, 2]",
        json.dumps({**GOOD, "gold": "NaN"}).encode(),
        b'{"currency": "USD", "gold": NaN, "silver": "1.10"}',
        json.dumps({**GOOD, "gold": "-5"}).encode(),
        json.dumps({**GOOD, "gold": True}).encode(),
        json.dumps({**GOOD, "silver": None}).encode(),
        json.dumps({**GOOD, "gold": "0.50"}).encode(),  # below the sane range
        json.dumps({**GOOD, "gold": "1.00", "silver": "2.00"}).encode(),
        json.dumps({**GOOD, "currency": "EUR"}).encode(),
        json.dumps({**GOOD, "unit": "kilo"}).encode(),
        json.dumps({**GOOD, "as_of": "yesterday"}).encode(),
        json.dumps({**GOOD, "as_of": "2026-01-05T09:00:00"}).encode(),  # naive
        json.dumps({**GOOD, "as_of": "2999-01-05T09:00:00Z"}).encode(),
    ],
)
def test_malformed_feed_never_replaces_good_prices(server, body, caplog):
    kept = MetalPriceFactory()
    server.answer((200, body))

    with caplog.at_level(logging.WARNING, logger="zakat.services"):
        assert services.metal_prices_refresh() is None

    assert list(MetalPrice.objects.all()) == [kept]
    assert "keeping the current prices" in caplog.text


def test_unreachable_feed_is_logged(settings, monkeypatch, caplog):
    kept = MetalPriceFactory()
    monkeypatch.setattr(feed, "BACKOFF_FACTOR", 0.01)
    probe = FeedServer()
    url = probe.url
    probe.close()  # nothing listens on that port any more
    settings.METAL_PRICES_URL = url

    with caplog.at_level(logging.WARNING, logger="zakat.services"):
        assert services.metal_prices_refresh() is None

    assert list(MetalPrice.objects.all()) == [kept]
    [record] = [r for r in caplog.records if r.name == "zakat.services"]
    assert record.levelno == logging.WARNING
    assert "keeping the current prices: fetch failed: ConnectionError" in record.getMessage()


def test_no_url_configured_does_nothing_and_says_so(settings, caplog):
    kept = MetalPriceFactory()
    settings.METAL_PRICES_URL = ""

    with caplog.at_level(logging.INFO, logger="zakat.services"):
        assert services.metal_prices_refresh() is None
        assert tasks.refresh_metal_prices.call() is None

    assert list(MetalPrice.objects.all()) == [kept]
    messages = [r.getMessage() for r in caplog.records if r.name == "zakat.services"]
    assert messages == ["METAL_PRICES_URL is not set; metal prices are entered by staff."] * 2


def test_task_and_command(server):
    server.answer((200, GOOD))
    snapshot_id = tasks.refresh_metal_prices.enqueue().return_value
    assert MetalPrice.objects.filter(pk=snapshot_id, source="feed").exists()

    server.answer((200, {**GOOD, "as_of": "2026-01-06T09:00:00Z"}))
    call_command("refresh_metal_prices")
    assert MetalPrice.objects.count() == 2

    server.answer((404, b""))
    with pytest.raises(CommandError):
        call_command("refresh_metal_prices")
