"""A borrower withdraws a disbursed qard hasan to a saved IBAN and sees it paid; a
campaign payout is asked, approved by finance in the admin and shown on the campaign."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from campaigns.services import donation_create
from payouts import services
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory
from tests.loans.factories import active_loan
from tests.staff.factories import staff_with

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"
IBAN = "DE89 3704 0044 0532 0130 00"


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_a_borrower_withdraws_a_disbursed_loan_to_a_saved_iban(page):
    borrower = UserFactory(password=PASSWORD, name="Maryam Idris")
    active_loan(borrower, principal="600.00", months=6)  # 600.00 now in the wallet
    sign_in(page, borrower)

    page.goto("/wallet/")
    page.get_by_role("link", name="My bank accounts").click()
    page.get_by_label("Account holder").fill("Maryam Idris")
    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")  # one digit off
    page.get_by_role("button", name="Save account").click()
    expect(page.locator(".has-error")).to_contain_text("check digits")
    expect(page.get_by_label("IBAN")).to_have_value("")

    page.get_by_label("IBAN").fill(IBAN)
    page.get_by_role("button", name="Save account").click()
    expect(page.locator(".message.success")).to_contain_text("Bank account saved")
    expect(page.get_by_test_id("payout-accounts")).to_contain_text("DE** **** **** 3000")

    page.get_by_role("link", name="Withdraw from my wallet").click()
    expect(page.get_by_test_id("wallet-balance")).to_have_text("600.00")
    page.get_by_label("Amount").fill("450.00")
    page.get_by_label("To bank account").select_option(label="Maryam Idris · DE** **** **** 3000")
    page.get_by_role("button", name="Withdraw").click()

    expect(page.locator(".message.success")).to_contain_text("450.00 is on its way")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("150.00")
    expect(page.get_by_test_id("withdrawal-status")).to_have_text("Paid")
    assert "0532 0130 00" not in page.content()


def test_a_campaign_payout_is_asked_approved_and_shown_on_the_campaign(page):
    organizer = UserFactory(name="Yusuf Organizer")
    campaign = make_campaign(organizer=organizer, name="Wells for Tharparkar")
    donation_create(donor=funded_donor("800.00"), campaign=campaign, amount=Decimal("800.00"))
    outcome = services.campaign_payout_request(
        campaign=campaign, by=organizer, amount="300.00", payee_name="Al-Noor Wells Ltd"
    )
    finance = staff_with("finance", password=PASSWORD)
    sign_in(page, finance)

    page.goto(f"/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("paid-out")).to_have_text("0.00")

    page.goto(f"/admin/staff/approval/{outcome.approval.pk}/change/")
    page.get_by_role("button", name="Approve and execute").click()
    expect(page.locator(".messagelist")).to_be_visible()

    page.goto(f"/campaigns/{campaign.pk}/")
    expect(page.get_by_test_id("paid-out")).to_have_text("300.00")
    expect(page.get_by_test_id("raised")).to_have_text("800.00")
