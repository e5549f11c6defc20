"""Pay zakat al-fitr for a household on /zakat/fitr/, then give zakat to a
zakat-eligible campaign, in the browser."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts import services as accounts_services
from accounts.selectors import wallet_balance
from campaigns import services as campaign_services
from campaigns.models import Donation
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory, fund_wallet
from tests.staff.factories import staff_with
from zakat import selectors as zakat_selectors
from zakat import services as zakat_services
from zakat.models import FitrPayment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"


def sign_in(page, user, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_pay_fitr_and_give_zakat_to_a_campaign(page):
    user = UserFactory(password=PASSWORD, name="Amina Yusuf")
    fund_wallet(user, "500.00")
    season = zakat_selectors.fitr_season()
    zakat_services.fitr_rate_set(
        hijri_year=season.hijri_year,
        amount_per_person=Decimal("12.50"),
        by=staff_with("zakat_officer"),
    )
    campaign = make_campaign(name="Zakat for widows", target="100.00")
    campaign_services.campaign_update(
        campaign=campaign, by=staff_with("campaign_manager"), zakat_eligible=True
    )

    sign_in(page, user, "/zakat/fitr/")
    expect(page.get_by_test_id("fitr-rate")).to_have_text("12.50")
    paid = Decimal("0.00")
    if season.is_open:  # between 1 Shawwal and the new Hijri year the form is closed
        page.get_by_label("People in my household").fill("4")
        page.get_by_role("button", name="Pay zakat al-fitr").click()
        expect(page).to_have_url(re.compile(r"/zakat/fitr/$"))
        expect(page.locator(".message.success")).to_contain_text("Paid 50.00")
        expect(page.get_by_test_id("wallet-balance")).to_have_text("450.00")
        expect(page.get_by_test_id("fitr-payment")).to_have_count(1)
        page.get_by_role("link", name="ZF-000001").click()
        expect(page.get_by_test_id("receipt-amount")).to_have_text("50.00")
        paid = Decimal("50.00")
        payment = FitrPayment.objects.get(payer=user)
        assert (payment.people, payment.amount) == (4, Decimal("50.00"))
        assert accounts_services.fitr_fund_account().balance == Decimal("50.00")
    else:
        expect(page.get_by_role("alert")).to_contain_text("The deadline has passed")

    page.goto(f"/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("zakat-eligible")).to_be_visible()
    page.goto(f"/campaigns/{campaign.pk}/donate/")
    page.get_by_label("Amount").fill("20.00")
    page.get_by_role("radio", name=re.compile(r"Zakat \(kept apart")).check()
    page.get_by_role("button", name="Donate").click()
    expect(page).to_have_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    expect(page.locator(".message.success")).to_contain_text("Your zakat of 20.00")
    page.goto("/donations/")
    expect(page.get_by_test_id("donation-designation")).to_have_text("Zakat")

    donation = Donation.objects.get(donor=user)
    assert donation.designation == "zakat"
    zakat_account = accounts_services.campaign_zakat_account(campaign.pk, campaign.name)
    assert zakat_account.balance == Decimal("20.00")
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("20.00")
    assert wallet_balance(user=user) == Decimal("500.00") - paid - Decimal("20.00")
    assert [t for t in page.console_errors if "Content Security Policy" in t] == []
