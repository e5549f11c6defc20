"""/metrics from a 2-worker gunicorn: prometheus-client's multiprocess mode adds
up what every worker saw, so one scrape (answered by either worker) shows the
donation made through the other and the latency histogram of its route."""

import json
import os
import sys
import time
import urllib.error
import urllib.request

import pytest

from accounts import services as account_services
from config import processes
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory, fund_wallet
from tests.integration.test_multiprocess import (
    BOOT_SECONDS,
    _database_url,
    _free_port,
    _http_ok,
    _redis_or_skip,
    _wait_until,
)
from tests.operations import procs

pytestmark = [pytest.mark.postgres]
TOKEN = "metrics-test-token-0123456789"
REDIS_DB = 12


@pytest.fixture
def gunicorn(tmp_path):
    redis_client = _redis_or_skip()
    redis_client.flushdb()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale")  # an earlier run's: cleared at start
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = tmp_path / "web.log"
    proc = procs.start(processes.web(bind=f"127.0.0.1:{port}", python=sys.executable), env, log)
    try:
        _wait_until(
            lambda: _http_ok(f"http://127.0.0.1:{port}/api/v1/health"),
            BOOT_SECONDS,
            "gunicorn",
            {"web": (proc, str(log))},
        )
        yield {"port": port, "dir": metrics_dir}
    finally:
        procs.stop(proc)
        redis_client.flushdb()


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (loopback)
        return response.status, response.read().decode()


def _value(body: str, prefix: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(prefix)
    )


@pytest.mark.django_db(transaction=True)
def test_a_donation_through_gunicorn_shows_in_a_scrape_of_either_worker(gunicorn):
    base = f"http://127.0.0.1:{gunicorn['port']}"
    donor = UserFactory()
    fund_wallet(donor, "100.00")
    campaign = make_campaign(name="Metrics for the wells")
    access = account_services.auth_tokens_issue(user=donor)["access_token"]

    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/api/v1/campaigns/{campaign.pk}/donations",
        data=json.dumps({"amount": "25.00"}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {access}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
        assert response.status == 201
    for _ in range(12):  # enough requests that both workers answer some
        _get(f"{base}/api/v1/health")

    scrapes = []
    for _ in range(4):
        status, body = _get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        scrapes.append(body)
        time.sleep(0.05)

    route = 'route="api:v1:campaign-donations"'
    for body in scrapes:
        assert _value(body, 'ose_money_movements_total{kind="donation"}') == 1
        assert _value(body, 'ose_money_moved_total{kind="donation"}') == 25.0
        count = [
            line
            for line in body.splitlines()
            if line.startswith("ose_http_request_duration_seconds_count") and route in line
        ]
        assert count, body
        assert float(count[0].rsplit(" ", 1)[1]) == 1, count
        assert any(
            line.startswith("ose_http_request_duration_seconds_bucket") and route in line
            for line in body.splitlines()
        )
        assert (
            _value(body, 'ose_http_requests_total{method="GET",route="api:v1:health",status="200"}')
            >= 12
        )
    pids = {path.stem.rsplit("_", 1)[1] for path in gunicorn["dir"].glob("counter_*.db")}
    assert len(pids) >= 2, "one worker alone answered: the test proves nothing about adding up"
    assert "1" not in pids  # the stale file was cleared when gunicorn started


def test_without_the_token_a_scrape_is_refused(gunicorn):
    base = f"http://127.0.0.1:{gunicorn['port']}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(f"{base}/metrics", {"Authorization": "Bearer nope"})

    assert refused.value.code == 401
