"""Giving in Chromium, on a desktop and a 390x844 phone: a recurring gift set up on
/recurring/ and run by the daily task, a donation paid by card with an empty
wallet, and a receipt downloaded as PDF."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.selectors import wallet_balance
from campaigns import services as campaign_services
from campaigns.models import Donation
from giving import services as giving_services
from giving.models import RecurringDonation, RecurringRun
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory, fund_wallet

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS[request.param], accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_set_up_a_recurring_gift_and_the_task_gives_it(screen):
    user = UserFactory(password=PASSWORD)
    fund_wallet(user, "100.00")
    campaign = make_campaign(name="Daily bread for families")
    sign_in(screen, user.email)

    screen.goto("/recurring/")
    expect(screen.locator(".empty-state")).to_be_visible()
    screen.get_by_label("Campaign").select_option(label="Daily bread for families")
    screen.get_by_label("Amount").fill("7.50")
    screen.get_by_label("How often").select_option("daily")
    screen.get_by_role("button", name="Set up gift").click()

    expect(screen.locator(".message.success")).to_contain_text("recurring gift is set up")
    expect(screen.locator("[data-testid=gift-status]")).to_have_text("Active")
    gift = RecurringDonation.objects.get(donor=user)
    assert gift.amount == Decimal("7.50")

    assert giving_services.recurring_run_due() == {"succeeded": 1, "failed": 0}
    assert giving_services.recurring_run_due() == {"succeeded": 0, "failed": 0}
    screen.reload()

    expect(screen.locator("[data-testid=gift-runs]")).to_contain_text("Succeeded")
    assert RecurringRun.objects.get(gift=gift).donation.campaign == campaign
    assert wallet_balance(user=user) == Decimal("92.50")

    screen.get_by_role("button", name="Pause").click()
    expect(screen.locator("[data-testid=gift-status]")).to_have_text("Paused")
    screen.get_by_role("button", name="Cancel gift").click()
    expect(screen.locator("[data-testid=gift-status]")).to_have_text("Cancelled")


def test_donate_by_card_with_an_empty_wallet(screen):
    user = UserFactory(password=PASSWORD)
    campaign = make_campaign(name="Winter blankets")
    sign_in(screen, user.email)

    screen.goto(f"/campaigns/{campaign.pk}/donate/")
    screen.locator("label", has_text=re.compile(r"^\s*25\s*$")).click()
    screen.get_by_label("Card").check()
    screen.get_by_role("button", name="Donate").click()

    expect(screen).to_have_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    expect(screen.locator(".message.success")).to_contain_text("card payment of 25.00")
    donation = Donation.objects.get(donor=user)
    assert donation.amount == Decimal("25.00")
    assert wallet_balance(user=user) == 0


def test_a_short_wallet_offers_the_card(screen):
    user = UserFactory(password=PASSWORD)
    campaign = make_campaign()
    sign_in(screen, user.email)

    screen.goto(f"/campaigns/{campaign.pk}/donate/")
    screen.get_by_label("Or another amount").fill("12.00")
    screen.get_by_role("button", name="Donate").click()

    expect(screen.locator(".errorlist")).to_contain_text("Pay by card")
    expect(screen.get_by_label("Card")).to_be_checked()
    screen.get_by_role("button", name="Donate").click()
    expect(screen.locator(".message.success")).to_contain_text("card payment of 12.00")
    assert Donation.objects.get(donor=user).amount == Decimal("12.00")


def test_download_a_receipt_as_pdf(screen, settings, tmp_path):
    settings.INSTITUTION_NAME = "Al-Amanah Zakat Foundation"
    user = UserFactory(password=PASSWORD)
    fund_wallet(user, "100.00")
    donation = campaign_services.donation_create(
        donor=user, campaign=make_campaign(), amount=Decimal("33.30")
    )
    sign_in(screen, user.email)

    screen.goto(f"/donations/{donation.pk}/receipt/")
    donation.refresh_from_db()  # its number is issued by the page at the latest
    assert donation.receipt_label.startswith("DN-")
    expect(screen.locator("[data-testid=receipt-number]")).to_have_text(donation.receipt_label)
    with screen.expect_download() as download_info:
        screen.get_by_role("link", name="Download PDF").click()
    path = Path(tmp_path) / "receipt.pdf"
    download_info.value.save_as(path)

    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert donation.receipt_label in text
    assert "33.30" in text
    assert "Al-Amanah Zakat Foundation" in text
