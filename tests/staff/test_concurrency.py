"""Approvals under concurrent approvers, on PostgreSQL: real threads, one
database connection each. SQLite runs one writer at a time, so this proves
nothing there and is skipped with that reason."""

from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import selectors as account_selectors
from accounts.models import LedgerTransaction
from staff import services
from staff.models import Approval, AuditEvent
from tests.concurrency import run_together
from tests.factories import UserFactory, fund_wallet
from tests.staff.factories import staff_with

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrency is proven on PostgreSQL (SQLite runs one writer at a time).")


def test_twenty_concurrent_approvals_execute_one_request_exactly_once():
    donor = UserFactory()
    fund_wallet(donor, "100.00")
    requester = staff_with("finance")
    checkers = [staff_with("finance") for _ in range(THREADS)]
    approval = services.wallet_adjustment_request(
        user=donor, amount=Decimal("40.00"), reason="Goodwill", by=requester
    ).approval
    clients = []
    for checker in checkers:
        client = APIClient()
        client.force_authenticate(checker)
        clients.append(client)

    def approve(index):
        return clients[index].post(f"/api/v1/approvals/{approval.pk}/approve").status_code

    statuses = run_together(THREADS, approve)

    assert sorted(statuses) == [200] + [400] * (THREADS - 1), statuses
    approval.refresh_from_db()
    assert approval.status == Approval.Status.EXECUTED
    assert account_selectors.wallet_for(user=donor).balance == Decimal("140.00")
    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 1
    assert AuditEvent.objects.filter(action="approval.executed").count() == 1
