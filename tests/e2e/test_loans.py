"""Apply for a loan on the page, staff approves and disburses, the borrower repays."""

import re

import pytest
from playwright.sync_api import expect

from loans import services
from loans.models import Loan
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"


def test_apply_get_disbursed_and_repay(page):
    user = UserFactory(password=PASSWORD, name="Maryam Idris")
    staff = UserFactory(is_staff=True)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/loans/apply/")
    page.get_by_label("Amount").fill("300.00")
    page.get_by_label("Purpose").fill("A laptop for my studies")
    page.get_by_label("Repay over (months)").fill("3")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".message.success")).to_contain_text("application is in")
    expect(page.get_by_test_id("status")).to_have_text("Pending")

    loan = Loan.objects.get(borrower=user)
    services.loan_approve(loan=loan, by=staff)
    services.loan_disburse(loan=loan, by=staff)

    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Active")
    expect(page.get_by_test_id("schedule").locator("tbody tr")).to_have_count(3)
    page.get_by_label("Amount").fill("150.00")
    page.get_by_role("button", name="Repay").click()

    expect(page.locator(".message.success")).to_contain_text("150.00 repaid")
    expect(page.get_by_test_id("repaid")).to_have_text("150.00")
    expect(page.get_by_test_id("progress")).to_have_attribute("value", "150.00")
    expect(page.get_by_test_id("schedule")).to_contain_text("Partially paid")

    page.goto("/loans/")
    expect(page.get_by_test_id("loan-card")).to_contain_text("Repaid 150.00 of 300.00")
    assert [t for t in page.console_errors if "Content Security Policy" in t] == []
