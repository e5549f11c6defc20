"""Two browser pages on one campaign: a donation made in one moves the other's
progress bar and totals live, without a reload.

pytest-django's live_server speaks WSGI only (no websockets), so this test runs
the real ASGI application (config.asgi) under Daphne in a background thread of
this process, against the same test database, serving the static files too."""

import re
import socket
import threading
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from campaigns.models import Donation
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory, fund_wallet

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def asgi_server():
    """Daphne serving config.asgi (HTTP + websockets) on 127.0.0.1; the Twisted
    reactor cannot restart, so one server serves the whole session."""
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application

    port = _free_port()
    server = Server(
        application=ASGIStaticFilesHandler(application),
        endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
        signal_handlers=False,
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            threading.Event().wait(0.1)
    yield f"http://127.0.0.1:{port}"
    from twisted.internet import reactor

    reactor.callFromThread(reactor.stop)
    thread.join(timeout=5)


def _new_page(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
    )
    return context, page


def test_a_donation_moves_the_other_pages_progress_live(browser, asgi_server):
    campaign = make_campaign(name="Winter blankets for families", target="200.00")
    donor = UserFactory(password=PASSWORD, name="Bilal Rahman")
    fund_wallet(donor, "100.00")

    watcher_context, watcher = _new_page(browser, asgi_server)
    donor_context, donor_page = _new_page(browser, asgi_server)
    try:
        watcher.goto(f"/campaigns/{campaign.pk}/")
        expect(watcher.locator("[data-testid=raised]")).to_have_text("0.00")
        expect(watcher.locator("[data-live-status]")).to_have_text("Live")

        donor_page.goto("/accounts/login/")
        donor_page.get_by_label("Email").fill(donor.email)
        donor_page.get_by_label("Password").fill(PASSWORD)
        donor_page.get_by_role("button", name="Sign in").click()
        expect(donor_page).to_have_url(re.compile(r"/$"))
        donor_page.goto(f"/campaigns/{campaign.pk}/donate/")
        expect(donor_page.locator("[data-testid=wallet-balance]")).to_have_text("100.00")
        donor_page.get_by_label("Amount").fill("50.00")
        donor_page.get_by_label("Message").fill("<b>Stay warm</b>")
        donor_page.get_by_role("button", name="Donate").click()
        expect(donor_page.locator(".message.success")).to_contain_text("Thank you")

        # The watcher's page was never reloaded.
        expect(watcher.locator("[data-testid=raised]")).to_have_text("50.00")
        expect(watcher.locator("[data-testid=donor-count]")).to_have_text("1")
        expect(watcher.locator("[data-live=progress_percentage]")).to_have_text("25.00")
        assert watcher.locator("progress[data-live-progress]").evaluate("el => el.value") == 50
        feed = watcher.locator("[data-live-donations] li").first
        expect(feed).to_contain_text("Bilal Rahman")
        expect(feed.locator(".donation-message")).to_have_text("<b>Stay warm</b>")
        assert watcher.locator("[data-live-donations] b").count() == 0  # text, not HTML

        assert Donation.objects.get().amount == Decimal("50.00")
        for page in (watcher, donor_page):
            assert [t for t in page.console_errors if "Content Security Policy" in t] == []
    finally:
        watcher_context.close()
        donor_context.close()
