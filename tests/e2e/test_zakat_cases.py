"""A person applies for zakat on the page (with a document), an officer approves the
case and asks for a disbursement, a finance user approves it; the person sees the
money in their wallet and the case disbursed, and /transparency/ shows the total."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from distribution import services
from distribution.models import ZakatCase
from staff.services.approvals import approval_approve
from tests.distribution.factories import finance, fund_zakat, officer
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_apply_approve_pay_and_see_it_everywhere(page):
    fund_zakat("1000.00")
    person = UserFactory(password=PASSWORD, name="Hafsa Karim")

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/zakat/apply/")
    page.get_by_label("People in your household").fill("5")
    page.get_by_label("Household income per month").fill("150.00")
    page.get_by_label("What you need help with").fill("Winter heating and school uniforms")
    page.get_by_label("Amount you ask for").fill("400.00")
    page.get_by_label("Supporting documents").set_input_files(
        {"name": "heating-bill.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".message.success")).to_contain_text("application is in")
    expect(page.get_by_test_id("case-status")).to_have_text("Submitted")
    expect(page.get_by_test_id("zakat-case")).to_contain_text("heating-bill.pdf")

    case = ZakatCase.objects.get(applicant=person)
    services.zakat_case_approve(
        case=case, by=officer(), asnaf_category="masakin", approved_amount=Decimal("350.00")
    )
    asked = services.zakat_disbursement_request(
        case=case, by=officer(), amount=Decimal("350.00"), method="wallet"
    )
    page.reload()
    expect(page.get_by_test_id("case-status")).to_have_text("Approved")
    expect(page.get_by_test_id("case-paid")).to_have_text("0.00")

    approval_approve(approval=asked.approval, by=finance())

    page.reload()
    expect(page.get_by_test_id("case-status")).to_have_text("Disbursed")
    expect(page.get_by_test_id("case-paid")).to_have_text("350.00")
    page.goto("/wallet/")
    expect(page.locator("body")).to_contain_text("350.00")

    page.goto("/transparency/")
    expect(page.get_by_test_id("amount-masakin")).to_have_text("350.00")
    expect(page.get_by_test_id("distributed")).to_have_text("350.00")
    expect(page.locator("#main")).not_to_contain_text("Hafsa")  # the nav names the viewer
    assert [t for t in page.console_errors if "Content Security Policy" in t] == []
