"""Admin lists lead with their key columns, and a loan's or a zakat case's change page
carries Approve / Reject buttons calling the same services as the API."""

from decimal import Decimal

import pytest
from django.test import Client

from campaigns import services as campaigns
from distribution.models import ZakatCase
from loans.models import Loan
from staff.models import AuditEvent
from tests.campaigns.factories import make_campaign
from tests.distribution.factories import submitted_case
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import pending_loan
from tests.staff.factories import staff_with


def client_for(*roles) -> Client:
    client = Client()
    client.force_login(staff_with(*roles))
    return client


def test_a_donation_row_reads_as_a_sentence(db):
    donor = UserFactory(name="Amina Yusuf")
    fund_wallet(donor, "100.00")
    campaigns.donation_create(
        donor=donor, campaign=make_campaign(name="Winter blankets"), amount=Decimal("40.00")
    )

    response = client_for("finance").get("/admin/campaigns/donation/")

    assert "40.00 from Amina to Winter blankets" in response.content.decode()


def test_the_loan_list_shows_email_status_and_lateness_first(db):
    pending_loan(UserFactory(email="borrower@example.org", name="A Very Long Full Name"))

    response = client_for("loan_officer").get("/admin/loans/loan/")

    headers = [h["text"] for h in response.context["result_headers"]]
    assert headers[1:4] == ["borrower", "status", "days late"]
    html = response.content.decode()
    assert "borrower@example.org" in html
    assert "A Very Long Full Name" not in html


def test_a_loan_officer_approves_from_the_change_page(db):
    loan = pending_loan(UserFactory())
    client = client_for("loan_officer")

    page = client.get(f"/admin/loans/loan/{loan.pk}/change/")
    assert page.context["decision_buttons"] == [
        ("Approve", f"/admin/loans/loan/{loan.pk}/approve/"),
        ("Reject", f"/admin/loans/loan/{loan.pk}/reject/"),
    ]
    assert b'class="decision-button"' in page.content

    response = client.post(f"/admin/loans/loan/{loan.pk}/approve/")

    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.status == Loan.Status.APPROVED
    assert AuditEvent.objects.filter(action="loan.approved").count() == 1


def test_rejecting_asks_for_a_reason_and_records_it(db):
    loan = pending_loan(UserFactory())
    client = client_for("loan_officer")

    empty = client.post(f"/admin/loans/loan/{loan.pk}/reject/", {"reason": ""})
    assert empty.status_code == 200
    assert "This field is required" in empty.content.decode()
    client.post(f"/admin/loans/loan/{loan.pk}/reject/", {"reason": "Income too low"})

    loan.refresh_from_db()
    assert loan.status == Loan.Status.REJECTED
    assert loan.rejection_reason == "Income too low"


def test_an_auditor_sees_no_buttons_and_cannot_post_a_decision(db):
    loan = pending_loan(UserFactory())
    client = client_for("auditor")

    page = client.get(f"/admin/loans/loan/{loan.pk}/change/")
    refused = client.post(f"/admin/loans/loan/{loan.pk}/approve/")

    assert page.context["decision_buttons"] == []
    assert b"decision-button" not in page.content
    assert refused.status_code == 403
    loan.refresh_from_db()
    assert loan.status == Loan.Status.PENDING


def test_a_decided_loan_offers_no_approve_button_and_the_service_refuses_again(db):
    loan = pending_loan(UserFactory())
    client = client_for("loan_officer")
    client.post(f"/admin/loans/loan/{loan.pk}/approve/")

    page = client.get(f"/admin/loans/loan/{loan.pk}/change/")
    again = client.post(f"/admin/loans/loan/{loan.pk}/approve/", follow=True)

    assert [label for label, _ in page.context["decision_buttons"]] == ["Reject"]
    assert "Only a pending application can be approved" in again.content.decode()


def test_nobody_approves_their_own_loan_from_the_buttons(db):
    officer = staff_with("loan_officer")
    loan = pending_loan(officer)
    client = Client()
    client.force_login(officer)

    client.post(f"/admin/loans/loan/{loan.pk}/approve/", follow=True)

    loan.refresh_from_db()
    assert loan.status == Loan.Status.PENDING


@pytest.mark.parametrize(
    ("decision", "body", "status"),
    [
        ("approve", {"asnaf_category": "fuqara", "approved_amount": "80.00"}, "approved"),
        ("reject", {"reason": "Not in need"}, "rejected"),
    ],
)
def test_a_zakat_officer_decides_a_case_from_its_page(db, decision, body, status):
    case = submitted_case(amount="100.00")
    client = client_for("zakat_officer")

    page = client.get(f"/admin/distribution/zakatcase/{case.pk}/change/")
    response = client.post(f"/admin/distribution/zakatcase/{case.pk}/{decision}/", body)

    assert [label for label, _ in page.context["decision_buttons"]] == ["Approve", "Reject"]
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == status
    assert case.status != ZakatCase.Status.SUBMITTED
