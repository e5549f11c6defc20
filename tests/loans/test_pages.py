"""Financing pages through Django's test client."""

from datetime import timedelta
from decimal import Decimal

import pytest

from loans.models import Loan, MurabahaContract
from staff.models import Approval
from staff.services import approval_approve
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import active_contract, active_loan, offered_contract, pending_loan
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client, user):
    loan = pending_loan(user)
    for path in ("/loans/", "/loans/apply/", f"/loans/{loan.pk}/", "/murabaha/new/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_others_loans_are_forbidden(client, other_user, user):
    loan = pending_loan(user)
    contract = offered_contract(user)
    client.force_login(other_user)
    assert client.get(f"/loans/{loan.pk}/").status_code == 403
    assert client.get(f"/murabaha/{contract.pk}/").status_code == 403
    assert client.post(f"/murabaha/{contract.pk}/accept/").status_code == 403
    assert b"Tools for my workshop" not in client.get("/loans/").content


def test_apply_on_the_page(signed_in, user):
    response = signed_in.post(
        "/loans/apply/",
        {"principal_amount": "600.00", "purpose": "Van repair", "repayment_months": 6},
    )
    loan = Loan.objects.get(borrower=user)
    assert response.status_code == 302
    assert response["Location"] == f"/loans/{loan.pk}/"
    page = signed_in.get("/loans/").content.decode()
    assert "Van repair" in page
    assert "<progress" in page


def test_apply_errors_are_inline(signed_in):
    response = signed_in.post(
        "/loans/apply/", {"principal_amount": "99999.00", "purpose": "", "repayment_months": 0}
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not Loan.objects.exists()


def test_repay_on_the_loan_page(signed_in, user):
    loan = active_loan(user, principal="300.00", months=3)
    page = signed_in.get(f"/loans/{loan.pk}/").content.decode()
    assert 'data-testid="schedule"' in page
    response = signed_in.post(f"/loans/{loan.pk}/", {"amount": "500.00"})
    assert "more than the remaining balance" in response.content.decode()
    signed_in.post(f"/loans/{loan.pk}/", {"amount": "120.00"})
    loan.refresh_from_db()
    assert loan.repaid_amount == Decimal("120.00")


def test_offer_page_shows_prices_and_accept(signed_in, user):
    contract = offered_contract(user, markup="200.00")
    page = signed_in.get(f"/murabaha/{contract.pk}/").content.decode()
    for figure in (
        'data-testid="cost">1,000.00',
        'data-testid="markup">200.00',
        'data-testid="sale-price">1,200.00',
    ):
        assert figure in page
    assert 'data-testid="plan-preview"' in page
    assert "Accept the offer" in page
    assert 'data-testid="markup-percent">20.00 %' in page  # 200 of a 1,000.00 cost
    assert "Cycle Wholesale Ltd" in page  # the purchase, on record
    assert 'data-testid="valid-until"' in page
    fund_wallet(user, "500.00")
    unconfirmed = signed_in.post(f"/murabaha/{contract.pk}/accept/")
    assert unconfirmed.status_code == 200
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    contract.refresh_from_db()
    assert contract.status == MurabahaContract.Status.OFFERED
    signed_in.post(f"/murabaha/{contract.pk}/accept/", {"confirm": "on"})
    contract.refresh_from_db()
    assert contract.status == MurabahaContract.Status.ACTIVE


def test_the_charity_pledge_is_shown_and_given_on_the_contract_page(signed_in, user):
    contract = active_contract(user, charity="2")
    for row in contract.installments.all():
        row.due_date -= timedelta(days=40)
        row.save(update_fields=["due_date"])
    page = signed_in.get(f"/murabaha/{contract.pk}/").content.decode()
    assert 'data-testid="charity-due">5.50' in page
    too_much = signed_in.post(f"/murabaha/{contract.pk}/", {"purpose": "charity", "amount": "9"})
    assert "charity pledge due is 5.50" in too_much.content.decode()
    signed_in.post(f"/murabaha/{contract.pk}/", {"purpose": "charity", "amount": "5.50"})
    contract.refresh_from_db()
    assert (contract.charity_paid, contract.paid_amount) == (Decimal("5.50"), 0)


def test_staff_record_cash_on_the_contract_page(user, client):
    contract = active_contract(user)
    officer = staff_with("loan_officer")
    client.force_login(officer)
    response = client.post(f"/murabaha/{contract.pk}/", {"amount": "10.00"})
    assert response.status_code == 302
    payment = contract.payments.get()
    assert (payment.source, payment.recorded_by_id) == ("external", officer.pk)


def test_murabaha_request_page(signed_in, user):
    response = signed_in.post(
        "/murabaha/new/",
        {
            "asset_description": "Oven",
            "cost_price": "900.00",
            "down_payment": "0.00",
            "installments_count": 6,
        },
    )
    assert response.status_code == 302
    assert MurabahaContract.objects.get(customer=user).status == "requested"


def test_admin_screens_and_actions(client, staff_user, user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    loan = pending_loan(user)
    contract = offered_contract(user)
    assert client.get("/admin/loans/loan/").status_code == 200
    assert client.get("/admin/loans/loan/?past_due=91").status_code == 200
    assert client.get(f"/admin/loans/loan/{loan.pk}/change/").status_code == 200
    assert client.get("/admin/loans/murabahacontract/").status_code == 200
    client.post("/admin/loans/loan/", {"action": "approve", "_selected_action": [loan.pk]})
    asked = client.post(
        "/admin/loans/loan/", {"action": "disburse", "_selected_action": [loan.pk]}, follow=True
    )
    assert "requested; a second person approves: 1." in asked.content.decode()
    loan.refresh_from_db()
    assert loan.status == "approved"  # asked, not done: a second person approves
    approval = Approval.objects.get(kind="loan_disbursement", subject_id=str(loan.pk))
    approval_approve(approval=approval, by=staff_with("finance"))
    loan.refresh_from_db()
    assert loan.status == "active"
    csv = client.post("/admin/loans/loan/", {"action": "export_csv", "_selected_action": [loan.pk]})
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert contract.status == "offered"


def test_admin_csv_export_neutralises_formulas(client, staff_user):
    # An e-mail address may legally start with "=": a spreadsheet would run it.
    borrower = UserFactory(email="=2+5@example.org")
    loan = pending_loan(borrower)
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)

    response = client.post(
        "/admin/loans/loan/", {"action": "export_csv", "_selected_action": [loan.pk]}
    )

    lines = response.content.decode().splitlines()
    assert lines[0].startswith("id,borrower,")
    assert f"{loan.pk},'=2+5@example.org," in lines[1]


def test_an_application_shows_every_fields_error_in_one_pass(signed_in):
    """Above the maximum (the service's rule), no purpose and no months: all three at once."""
    response = signed_in.post(
        "/loans/apply/", {"principal_amount": "99999.00", "purpose": "", "repayment_months": 0}
    )

    errors = response.context["form"].errors
    assert set(errors) == {"principal_amount", "purpose", "repayment_months"}
    assert "The most you can apply for" in errors["principal_amount"][0]
    assert not Loan.objects.exists()


def test_a_murabaha_request_shows_every_fields_error_in_one_pass(signed_in):
    response = signed_in.post(
        "/murabaha/new/",
        {"asset_description": "", "cost_price": "500.00", "down_payment": "600.00",
         "installments_count": 99},
    )  # fmt: skip

    errors = response.context["form"].errors
    assert set(errors) == {"asset_description", "down_payment", "installments_count"}
    assert "less than the cost" in errors["down_payment"][0]
    assert not MurabahaContract.objects.exists()


def test_admin_reject_asks_for_the_reason(client, staff_user, user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    loan = pending_loan(user)
    selected = {"action": "reject", "_selected_action": [loan.pk]}

    asked = client.post("/admin/loans/loan/", selected)
    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    client.post("/admin/loans/loan/", {**selected, "apply": "1", "reason": ""})
    loan.refresh_from_db()
    assert loan.status == "pending"

    client.post("/admin/loans/loan/", {**selected, "apply": "1", "reason": "Over the limit"})

    loan.refresh_from_db()
    assert (loan.status, loan.rejection_reason) == ("rejected", "Over the limit")
