"""A finance officer sets up an authenticator, signs in with its code and approves a
wallet adjustment in the admin, in Chromium, with STAFF_MFA=required."""

import base64
import re
import time
from decimal import Decimal

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from staff import services as staff_services
from staff.models import Approval
from tests.factories import UserFactory, fund_wallet
from tests.staff.factories import staff_with

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's


def code_for(secret: str, when: float) -> str:
    """What an authenticator app given `secret` shows at `when`."""
    totp = TOTP(base64.b32decode(secret), step=30, t0=0, digits=6)
    totp.time = when
    return f"{totp.token():06d}"


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_staff_enrol_sign_in_with_a_code_and_approve(page, settings):
    settings.STAFF_MFA = "required"
    someone, maker = UserFactory(), staff_with("finance")
    fund_wallet(someone, "40.00")
    approval = staff_services.wallet_adjustment_request(
        user=someone, amount=Decimal("15.00"), reason="Goodwill", by=maker
    ).approval
    checker = staff_with("finance")

    # First sign-in: no authenticator yet, so enrolment comes before the admin.
    sign_in(page, checker.email)
    expect(page).to_have_url(re.compile(r"/accounts/mfa/enrol/"))
    expect(page.locator("svg").first).to_be_visible()  # the QR code, drawn by the server
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(code_for(secret, time.time()))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # Next sign-in: the password, then the code (the next 30-second step: the one
    # given at enrolment is spent).
    page.get_by_role("button", name="Log out").first.click()
    sign_in(page, checker.email)
    expect(page).to_have_url(re.compile(r"/accounts/login/mfa/"))
    page.get_by_label("Code").fill(code_for(secret, time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(f"/admin/staff/approval/{approval.pk}/change/")
    page.get_by_role("button", name="Approve and execute").click()

    expect(page.locator(".messagelist")).to_contain_text("Approved and executed")
    approval.refresh_from_db()
    assert approval.status == Approval.Status.EXECUTED
    assert approval.decided_by_id == checker.pk
