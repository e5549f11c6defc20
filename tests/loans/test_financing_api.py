"""Financing fidelity over HTTP (API.md "Financing fidelity"): paths, fields, statuses
and error codes of the rules tested in the services in test_financing_rules.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import LedgerAccount
from loans.models import MurabahaContract
from staff.models import Approval
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import (
    acquired_contract,
    active_contract,
    active_loan,
    offered_contract,
    purchase_body,
    requested_contract,
)
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db
CONTRACTS = "/api/v1/murabaha/contracts"
LOANS = "/api/v1/qard-hasan/loans"
APPROVALS = "/api/v1/approvals"
D = Decimal


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def officer(db):
    return client_for(staff_with("loan_officer"))


@pytest.fixture
def finance(db):
    return client_for(staff_with("finance"))


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def test_acquire_records_the_purchase_and_prices_on_the_actual_cost(user, officer, finance):
    contract = requested_contract(user, cost="1000.00")
    body = purchase_body("960.00", supplier="Cycle Wholesale Ltd", invoice_reference="CW-9")

    asked = officer.post(f"{CONTRACTS}/{contract.pk}/acquire", body, format="json")
    assert asked.status_code == 202, asked.content
    approval = asked.json()["approval"]
    assert (approval["kind"], approval["amount"]) == ("murabaha_purchase", "960.00")
    assert Approval.objects.get(pk=approval["id"]).params["invoice_reference"] == "CW-9"
    done = finance.post(f"{APPROVALS}/{approval['id']}/approve")
    assert done.status_code == 200, done.content

    shown = client_for(user).get(f"{CONTRACTS}/{contract.pk}").json()
    assert shown["status"] == "asset_acquired"
    assert (shown["cost_price"], shown["estimated_cost"]) == ("960.00", "1000.00")
    assert (shown["supplier_name"], shown["invoice_reference"]) == ("Cycle Wholesale Ltd", "CW-9")
    assert shown["possession_date"] == timezone.localdate().isoformat()
    offered = officer.post(f"{CONTRACTS}/{contract.pk}/offer", {"markup_amount": "40.00"})
    assert offered.json()["sale_price"] == "1000.00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"possession_date": "2999-01-01"}, "possession_date"),
        ({"actual_cost": "0"}, "actual_cost"),
        ({"actual_cost": "1e3"}, "actual_cost"),
        ({"supplier_name": ""}, "supplier_name"),
        ({"invoice_reference": None}, "invoice_reference"),
    ],
)
def test_acquire_refuses_a_purchase_without_its_facts(user, officer, changes, field):
    contract = requested_contract(user)
    body = {**purchase_body(), **changes}
    response = officer.post(f"{CONTRACTS}/{contract.pk}/acquire", body, format="json")
    assert error(response) == (400, "validation_error")
    assert field in response.json()["details"]
    assert not Approval.objects.exists()


def test_acquire_from_the_customer_is_a_sale_back(officer):
    customer = UserFactory(name="Omar Farouk", email="omar@example.org")
    contract = requested_contract(customer)
    for body in (
        purchase_body(supplier="omar  FAROUK"),
        purchase_body(supplier_email="OMAR@example.org"),
    ):
        response = officer.post(f"{CONTRACTS}/{contract.pk}/acquire", body, format="json")
        assert error(response) == (400, "sale_back_to_customer")
    assert not Approval.objects.exists()


def test_offer_expiry_default_past_and_accepting_late(user, officer):
    contract = acquired_contract(user)
    url = f"{CONTRACTS}/{contract.pk}"
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    refused = officer.post(f"{url}/offer", {"markup_amount": "50.00", "valid_until": past})
    assert error(refused) == (400, "validation_error")
    assert "valid_until" in refused.json()["details"]
    too_generous = officer.post(
        f"{url}/offer", {"markup_amount": "50.00", "late_charity_percent": "10.5"}
    )
    assert error(too_generous) == (400, "validation_error")

    offered = officer.post(f"{url}/offer", {"markup_amount": "50.00", "late_charity_percent": "2"})

    body = offered.json()
    last_day = timezone.localdate() + timedelta(days=7)
    assert (body["offer_valid_until"], body["late_charity_percent"]) == (
        last_day.isoformat(),
        "2.00",
    )
    fund_wallet(user, "500.00")
    with freeze_time(last_day + timedelta(days=1)):
        late = client_for(user).post(f"{url}/accept")
    assert error(late) == (400, "offer_expired")
    assert MurabahaContract.objects.get(pk=contract.pk).status == "offered"


def test_contract_shows_profit_recognised_deferred_and_the_charity_pledge(user):
    contract = active_contract(user, charity="2")
    customer = client_for(user)

    body = customer.get(f"{CONTRACTS}/{contract.pk}").json()
    assert (body["profit_recognized"], body["profit_deferred"]) == ("16.67", "183.33")
    assert body["charity_pledge_due"] == "0.00"
    paid = customer.post(f"{CONTRACTS}/{contract.pk}/payments", {"amount": "275.00"}).json()
    assert (paid["profit_recognized"], paid["profit_deferred"]) == ("62.50", "137.50")
    assert paid["sale_price"] == "1200.00"

    for row in contract.installments.all():
        row.due_date -= timedelta(days=40)
        row.save(update_fields=["due_date"])
    listed = customer.get(CONTRACTS).json()["items"][0]
    assert listed["charity_pledge_due"] == "5.50"  # 2 % of the overdue 275.00
    over = customer.post(f"{CONTRACTS}/{contract.pk}/charity-payments", {"amount": "5.51"})
    assert error(over) == (400, "overpayment")
    given = customer.post(f"{CONTRACTS}/{contract.pk}/charity-payments", {"amount": "5.50"})
    assert given.status_code == 200, given.content
    assert given.json()["charity_pledge_due"] == "0.00"
    assert given.json()["profit_recognized"] == "62.50"  # not a cent of it is income
    assert LedgerAccount.objects.get(key="charity_fund").balance == D("5.50")


def test_rebate_is_asked_approved_and_never_above_the_deferred_profit(user, officer, finance):
    contract = active_contract(user)
    url = f"{CONTRACTS}/{contract.pk}/rebate"

    too_much = officer.post(url, {"amount": "183.34"})
    assert error(too_much) == (400, "rebate_too_large")
    assert too_much.json()["profit_deferred"] == "183.33"
    assert client_for(user).post(url, {"amount": "10.00"}).status_code == 403
    asked = officer.post(url, {"amount": "100.00"})
    assert asked.status_code == 202, asked.content
    assert asked.json()["approval"]["kind"] == "rebate"

    finance.post(f"{APPROVALS}/{asked.json()['approval']['id']}/approve")

    body = client_for(user).get(f"{CONTRACTS}/{contract.pk}").json()
    assert (body["rebate_amount"], body["remaining_balance"]) == ("100.00", "1000.00")
    assert (body["profit_deferred"], body["sale_price"]) == ("83.33", "1200.00")
    schedule = client_for(user).get(f"{CONTRACTS}/{contract.pk}/schedule").json()
    assert sum(D(row["amount"]) for row in schedule) == D("1000.00")


def test_murabaha_mark_defaulted_is_a_write_off_and_payments_recover(user, officer, finance):
    contract = active_contract(user)
    asked = officer.post(f"{CONTRACTS}/{contract.pk}/mark-defaulted")
    assert asked.status_code == 202, asked.content
    assert asked.json()["approval"]["kind"] == "write_off"
    finance.post(f"{APPROVALS}/{asked.json()['approval']['id']}/approve")
    assert client_for(user).get(f"{CONTRACTS}/{contract.pk}").json()["status"] == "defaulted"

    recovered = client_for(user).post(f"{CONTRACTS}/{contract.pk}/payments", {"amount": "100.00"})

    assert recovered.status_code == 200, recovered.content
    assert recovered.json()["remaining_balance"] == "1000.00"
    assert recovered.json()["status"] == "defaulted"


def test_loan_payments_after_a_default_are_recoveries(user, officer, finance):
    loan = active_loan(user, principal="300.00", months=3)
    asked = officer.post(f"{LOANS}/{loan.pk}/mark-defaulted").json()["approval"]
    finance.post(f"{APPROVALS}/{asked['id']}/approve")
    fund_wallet(user, "300.00")

    paid = client_for(user).post(f"{LOANS}/{loan.pk}/repayment", {"payment_amount": "300.00"})

    assert paid.status_code == 200, paid.content
    assert (paid.json()["status"], paid.json()["remaining_balance"]) == ("fully_repaid", "0.00")


def test_reschedule_spreads_what_remains_and_adds_nothing(user, officer):
    loan = active_loan(user, principal="1000.00", months=10)
    response = officer.post(f"{LOANS}/{loan.pk}/reschedule", {"repayment_months": 3})
    assert response.status_code == 200, response.content
    assert (response.json()["repayment_months"], response.json()["remaining_balance"]) == (
        3,
        "1000.00",
    )
    schedule = client_for(user).get(f"{LOANS}/{loan.pk}/schedule").json()
    assert [row["amount"] for row in schedule] == ["333.33", "333.33", "333.34"]

    contract = active_contract(user)
    moved = officer.post(f"{CONTRACTS}/{contract.pk}/reschedule", {"installments_count": 11})
    assert moved.status_code == 200, moved.content
    assert (moved.json()["installments_count"], moved.json()["remaining_balance"]) == (
        11,
        "1100.00",
    )
    assert (
        client_for(user)
        .post(f"{CONTRACTS}/{contract.pk}/reschedule", {"installments_count": 2})
        .status_code
        == 403
    )
    bad = officer.post(f"{LOANS}/{loan.pk}/reschedule", {"repayment_months": 61})
    assert error(bad) == (400, "validation_error")
    offered = offered_contract(user)
    refused = officer.post(f"{CONTRACTS}/{offered.pk}/reschedule", {"installments_count": 2})
    assert error(refused) == (400, "invalid_transition")


def test_staff_record_cash_but_never_take_from_a_customers_wallet(user, officer):
    loan = active_loan(user)
    contract = active_contract(user)
    from_wallet = officer.post(f"{LOANS}/{loan.pk}/repayment", {"payment_amount": "10.00"})
    assert error(from_wallet) == (403, "wallet_not_yours")
    from_wallet = officer.post(f"{CONTRACTS}/{contract.pk}/payments", {"amount": "10.00"})
    assert error(from_wallet) == (403, "wallet_not_yours")

    cash = officer.post(
        f"{CONTRACTS}/{contract.pk}/payments", {"amount": "10.00", "source": "external"}
    )

    assert (cash.status_code, cash.json()["paid_amount"]) == (200, "10.00")


def test_the_schema_documents_the_new_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in (
        "/api/v1/murabaha/contracts/{id}/rebate",
        "/api/v1/murabaha/contracts/{id}/mark-defaulted",
        "/api/v1/murabaha/contracts/{id}/reschedule",
        "/api/v1/murabaha/contracts/{id}/charity-payments",
        "/api/v1/qard-hasan/loans/{id}/reschedule",
    ):
        assert "post" in paths[path], path
    acquire = paths["/api/v1/murabaha/contracts/{id}/acquire"]["post"]
    assert "sale_back_to_customer" in str(acquire["responses"]["400"])
    rebate = paths["/api/v1/murabaha/contracts/{id}/rebate"]["post"]
    assert "rebate_too_large" in str(rebate["responses"]["400"])
    accept = paths["/api/v1/murabaha/contracts/{id}/accept"]["post"]
    assert "offer_expired" in str(accept["responses"]["400"])
