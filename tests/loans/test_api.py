"""The financing API through real HTTP: contract fields, access, errors, idempotency."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import Leg, ledger_post, ledger_verify, wallet_get_or_create
from loans.models import Loan
from tests.conftest import login_tokens
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import (
    active_contract,
    active_loan,
    offered_contract,
    pending_loan,
    purchase_body,
)
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db
LOANS = "/api/v1/qard-hasan/loans"
CONTRACTS = "/api/v1/murabaha/contracts"


def test_apply_ignores_server_fields(auth_client):
    response = auth_client.post(
        LOANS,
        {
            "principal_amount": "1200.00",
            "purpose": "Sewing machine",
            "repayment_months": 12,
            "status": "active",
            "interest_rate": "5",
            "repaid_amount": "1200.00",
            "borrower_id": str(UserFactory().pk),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["repaid_amount"] == "0.00"
    assert body["remaining_balance"] == "1200.00"
    assert body["borrower_id"] == str(auth_client.user.pk)
    assert not {"interest_rate", "fee", "markup_amount"} & set(body)
    assert set(body) >= {
        "id",
        "borrower_id",
        "principal_amount",
        "repaid_amount",
        "remaining_balance",
        "status",
        "purpose",
        "repayment_months",
        "disbursement_date",
        "created_at",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"principal_amount": "0", "purpose": "x", "repayment_months": 12},
        {"principal_amount": "50000.01", "purpose": "x", "repayment_months": 12},
        {"principal_amount": "10.001", "purpose": "x", "repayment_months": 12},
        {"principal_amount": "NaN", "purpose": "x", "repayment_months": 12},
        {"principal_amount": "100", "purpose": "", "repayment_months": 12},
        {"principal_amount": "100", "purpose": "x" * 501, "repayment_months": 12},
        {"principal_amount": "100", "purpose": "x", "repayment_months": 61},
        {"principal_amount": "100", "purpose": "x", "repayment_months": 0},
        {"principal_amount": "100", "purpose": "x"},
    ],
)
def test_apply_refuses_bad_input(auth_client, body):
    response = auth_client.post(LOANS, body)
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert not Loan.objects.exists()


def test_others_get_403_and_never_see_it_in_lists(auth_client, other_user, staff_client):
    loan = pending_loan(other_user)
    for path in (f"{LOANS}/{loan.pk}", f"{LOANS}/{loan.pk}/schedule"):
        response = auth_client.get(path)
        assert response.status_code == 403
        assert response.json()["error"] == "permission_denied"
    assert (
        auth_client.post(f"{LOANS}/{loan.pk}/repayment", {"payment_amount": "1"}).status_code == 403
    )
    assert auth_client.get(LOANS).json()["items"] == []
    assert [i["id"] for i in staff_client.get(LOANS).json()["items"]] == [str(loan.pk)]
    assert auth_client.get(f"{LOANS}/00000000-0000-0000-0000-000000000000").status_code == 404


def _approved_by_a_second_person(response) -> dict:
    """A four-eyes move answered 202; a finance colleague approves it. The loan as then."""
    assert response.status_code == 202, response.content
    checker = APIClient()
    checker.force_authenticate(staff_with("finance"))
    approval = response.json()["approval"]
    decided = checker.post(f"/api/v1/approvals/{approval['id']}/approve")
    assert decided.json()["status"] == "executed", decided.content
    return checker.get(f"{LOANS}/{approval['subject_id']}").json()


def test_staff_lifecycle_and_borrower_cannot_move(auth_client, staff_client):
    loan = pending_loan(auth_client.user, principal="300.00", months=3)
    assert auth_client.post(f"{LOANS}/{loan.pk}/approve").status_code == 403
    assert staff_client.post(f"{LOANS}/{loan.pk}/disburse").json()["error"] == "invalid_transition"
    assert staff_client.post(f"{LOANS}/{loan.pk}/approve").json()["status"] == "approved"
    body = _approved_by_a_second_person(staff_client.post(f"{LOANS}/{loan.pk}/disburse"))
    assert body["status"] == "active"
    assert body["disbursement_date"] is not None
    schedule = auth_client.get(f"{LOANS}/{loan.pk}/schedule").json()
    assert [r["amount"] for r in schedule] == ["100.00", "100.00", "100.00"]
    assert schedule[0]["status"] == "due"
    defaulted = staff_client.post(f"{LOANS}/{loan.pk}/mark-defaulted")
    assert _approved_by_a_second_person(defaulted)["status"] == "defaulted"
    assert ledger_verify().problems == []


def test_staff_lifecycle_single_step_without_four_eyes(auth_client, staff_client, settings):
    settings.FOUR_EYES = ["wallet_adjustment"]
    loan = pending_loan(auth_client.user, principal="300.00", months=3)
    staff_client.post(f"{LOANS}/{loan.pk}/approve")
    body = staff_client.post(f"{LOANS}/{loan.pk}/disburse")
    assert (body.status_code, body.json()["status"]) == (200, "active")
    body = staff_client.post(f"{LOANS}/{loan.pk}/mark-defaulted")
    assert (body.status_code, body.json()["status"]) == (200, "defaulted")
    assert ledger_verify().problems == []


def test_staff_cannot_approve_own_application_403(staff_client):
    loan = pending_loan(staff_client.user)
    response = staff_client.post(f"{LOANS}/{loan.pk}/approve")
    assert response.status_code == 403
    assert "own application" in response.json()["message"]


def test_repayment_rules(auth_client, staff_client):
    loan = active_loan(auth_client.user, principal="100.00", months=2)
    url = f"{LOANS}/{loan.pk}/repayment"

    over = auth_client.post(url, {"payment_amount": "100.01"})
    assert (over.status_code, over.json()["error"]) == (400, "overpayment")
    external = auth_client.post(url, {"payment_amount": "10.00", "source": "external"})
    assert (external.status_code, external.json()["error"]) == (403, "permission_denied")
    ok = auth_client.post(url, {"payment_amount": "60.00", "status": "fully_repaid"})
    assert ok.status_code == 200
    assert ok.json()["repaid_amount"] == "60.00"
    assert ok.json()["status"] == "active"
    cash = staff_client.post(url, {"payment_amount": "40.00", "source": "external"})
    assert cash.json()["status"] == "fully_repaid"
    assert cash.json()["remaining_balance"] == "0.00"
    closed = auth_client.post(url, {"payment_amount": "1.00"})
    assert (closed.status_code, closed.json()["error"]) == (400, "loan_not_active")
    assert ledger_verify().problems == []


def test_402_when_wallet_short(auth_client, other_user):
    loan = active_loan(auth_client.user, principal="100.00", months=2)
    ledger_post(  # the borrower spent most of the disbursement elsewhere
        kind="donation",
        legs=[
            Leg(wallet_get_or_create(user=auth_client.user), Decimal("-95.00")),
            Leg(wallet_get_or_create(user=other_user), Decimal("95.00")),
        ],
        reference="spent",
    )
    response = auth_client.post(f"{LOANS}/{loan.pk}/repayment", {"payment_amount": "10.00"})
    assert response.status_code == 402
    assert response.json()["error"] == "insufficient_funds"
    assert response.json()["available_amount"] == "5.00"
    loan.refresh_from_db()
    assert loan.repaid_amount == 0

    contract = offered_contract(auth_client.user)
    response = auth_client.post(f"{CONTRACTS}/{contract.pk}/accept")
    assert response.status_code == 402
    assert response.json()["required_amount"] == "100.00"
    contract.refresh_from_db()
    assert contract.status == "offered"


def test_repayment_is_idempotent(auth_client):
    loan = active_loan(auth_client.user, principal="100.00", months=2)
    url = f"{LOANS}/{loan.pk}/repayment"
    first = auth_client.post(url, {"payment_amount": "10.00"}, HTTP_IDEMPOTENCY_KEY="k-1")
    again = auth_client.post(url, {"payment_amount": "10.00"}, HTTP_IDEMPOTENCY_KEY="k-1")
    other = auth_client.post(url, {"payment_amount": "11.00"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.content == again.content
    assert other.status_code == 409
    loan.refresh_from_db()
    assert loan.repaid_amount == Decimal("10.00")


def test_one_key_on_two_loans_is_a_conflict_not_a_replay(auth_client):
    # The path is part of the request: the same key and body sent to another loan
    # must not answer with the first loan's receipt while repaying nothing.
    first_loan = active_loan(auth_client.user, principal="100.00", months=2)
    second_loan = active_loan(auth_client.user, principal="100.00", months=2)
    body, key = {"payment_amount": "10.00"}, "repay-both"

    first = auth_client.post(f"{LOANS}/{first_loan.pk}/repayment", body, HTTP_IDEMPOTENCY_KEY=key)
    second = auth_client.post(f"{LOANS}/{second_loan.pk}/repayment", body, HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == 200, first.content
    assert (second.status_code, second.json()["error"]) == (409, "idempotency_conflict")
    assert "Idempotent-Replayed" not in second
    first_loan.refresh_from_db()
    second_loan.refresh_from_db()
    assert (first_loan.repaid_amount, second_loan.repaid_amount) == (Decimal("10.00"), 0)


def test_status_filter_and_bad_filter(auth_client):
    pending_loan(auth_client.user)
    active_loan(auth_client.user)
    items = auth_client.get(f"{LOANS}?status=pending").json()["items"]
    assert [i["status"] for i in items] == ["pending"]
    assert auth_client.get(f"{LOANS}?status=bogus").status_code == 400


def test_loan_list_query_count_is_fixed(staff_client):
    def count(n):
        for _ in range(n):
            active_loan(UserFactory(), principal="100.00", months=2, staff=staff_client.user)
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(f"{LOANS}?limit=100").status_code == 200
        return len(ctx)

    few = count(2)
    many = count(15)
    assert few == many


def test_contract_list_query_count_is_fixed(staff_client):
    def count(n):
        for _ in range(n):
            offered_contract(UserFactory(), staff=staff_client.user)
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(f"{CONTRACTS}?limit=100").status_code == 200
        return len(ctx)

    assert count(2) == count(12)


def test_murabaha_flow_over_http(auth_client, staff_client, other_user, settings):
    # The purchase in one step here; its four-eyes path: tests/loans/test_four_eyes.py.
    settings.FOUR_EYES = [k for k in settings.FOUR_EYES if k != "murabaha_purchase"]
    response = auth_client.post(
        CONTRACTS,
        {
            "asset_description": "Oven",
            "cost_price": "1000.00",
            "installments_count": 4,
            "down_payment": "100.00",
            "sale_price": "1.00",
            "status": "active",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["sale_price"], body["markup_amount"]) == ("requested", None, None)
    url = f"{CONTRACTS}/{body['id']}"

    early = staff_client.post(f"{url}/offer", {"markup_amount": "100.00"})
    assert (early.status_code, early.json()["error"]) == (400, "invalid_transition")
    assert auth_client.post(f"{url}/acquire", purchase_body()).status_code == 403
    assert staff_client.post(f"{url}/acquire").status_code == 400  # the purchase's facts
    assert staff_client.post(f"{url}/acquire", purchase_body()).json()["status"] == (
        "asset_acquired"
    )
    assert staff_client.post(f"{url}/offer", {"markup_amount": "-1"}).status_code == 400
    offered = staff_client.post(f"{url}/offer", {"markup_amount": "200.00"}).json()
    assert (offered["sale_price"], offered["remaining_balance"]) == ("1200.00", "1100.00")

    fund_wallet(auth_client.user, "1200.00")
    accepted = auth_client.post(f"{url}/accept").json()
    assert accepted["status"] == "active"
    schedule = auth_client.get(f"{url}/schedule").json()
    assert sum(Decimal(r["amount"]) for r in schedule) == Decimal("1100.00")

    outsider = UserFactory()
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {login_tokens(client, outsider.email)['access_token']}"
    )
    assert client.get(url).status_code == 403
    assert client.get(CONTRACTS).json()["items"] == []

    over = auth_client.post(f"{url}/payments", {"amount": "1100.01"})
    assert over.json()["error"] == "overpayment"
    done = auth_client.post(f"{url}/payments", {"amount": "1100.00"}).json()
    assert (done["status"], done["remaining_balance"], done["sale_price"]) == (
        "completed",
        "0.00",
        "1200.00",
    )
    closed = auth_client.post(f"{url}/payments", {"amount": "1.00"})
    assert closed.json()["error"] == "contract_not_active"
    assert auth_client.post(f"{url}/cancel").json()["error"] == "invalid_transition"
    assert ledger_verify().problems == []


def test_customer_can_cancel_an_offer(auth_client):
    contract = offered_contract(auth_client.user)
    assert auth_client.post(f"{CONTRACTS}/{contract.pk}/cancel").json()["status"] == "cancelled"


def test_active_contract_payment_external_forbidden_for_customer(auth_client):
    contract = active_contract(auth_client.user)
    response = auth_client.post(
        f"{CONTRACTS}/{contract.pk}/payments", {"amount": "10.00", "source": "external"}
    )
    assert response.status_code == 403


def test_rejecting_without_a_reason_is_400(staff_client, user):
    from tests.loans.factories import pending_loan as _pending

    loan = _pending(user)
    for body in ({}, {"reason": ""}):
        response = staff_client.post(
            f"/api/v1/qard-hasan/loans/{loan.pk}/reject", body, format="json"
        )
        assert response.status_code == 400
        assert "reason" in response.json()["details"]
    ok = staff_client.post(
        f"/api/v1/qard-hasan/loans/{loan.pk}/reject", {"reason": "Incomplete"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "rejected"


def test_the_lean_loan_output_equals_drfs_generic_one():
    from rest_framework import serializers as drf

    from loans import selectors
    from loans.serializers import LoanOut

    borrower = UserFactory()
    staff = UserFactory(is_staff=True)
    pending_loan(borrower, principal="0.35", months=3, purpose="Seeds <& tools>")
    active_loan(borrower, principal="49999.99", staff=staff)
    for loan in [*Loan.objects.select_related("borrower"), *selectors.loan_list(user=staff)]:
        lean = LoanOut(loan).data
        generic = drf.ModelSerializer.to_representation(LoanOut(), loan)
        assert lean == generic
        assert list(lean) == LoanOut.Meta.fields
