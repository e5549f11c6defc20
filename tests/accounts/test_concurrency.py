"""Money under concurrent writers, on PostgreSQL: real threads, one connection each.

SQLite serialises every write transaction, so these prove nothing there and are
skipped with that reason.
"""

from collections import Counter
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import LedgerAccount, TopUp
from accounts.services import Leg
from tests.concurrency import run_together
from tests.conftest import login_tokens

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


def test_concurrent_withdrawals_never_overdraw(user, other_user):
    wallet = services.wallet_get_or_create(user=user)
    services.wallet_adjust(user=user, amount=Decimal("100.00"), reason="seed", by=other_user)
    sink = services.wallet_get_or_create(user=other_user)

    def withdraw(_):
        return services.ledger_post(
            kind="donation",
            legs=[
                Leg(LedgerAccount.objects.get(pk=wallet.pk), Decimal("-7.00")),
                Leg(LedgerAccount.objects.get(pk=sink.pk), Decimal("7.00")),
            ],
            reference="concurrent",
        )

    results = run_together(THREADS, withdraw)

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"LedgerTransaction": 14, "InsufficientFunds": THREADS - 14}, outcomes
    wallet.refresh_from_db()
    sink.refresh_from_db()
    assert wallet.balance == Decimal("2.00")
    assert sink.balance == Decimal("98.00")
    assert services.ledger_verify().problems == []


def test_opposite_transfers_do_not_deadlock(user, other_user):
    a = services.wallet_get_or_create(user=user)
    b = services.wallet_get_or_create(user=other_user)
    services.wallet_adjust(user=user, amount=Decimal("500.00"), reason="seed", by=other_user)
    services.wallet_adjust(user=other_user, amount=Decimal("500.00"), reason="seed", by=user)

    def transfer(index):
        source, target = (a, b) if index % 2 else (b, a)
        return services.ledger_post(
            kind="donation",
            legs=[
                Leg(LedgerAccount.objects.get(pk=source.pk), Decimal("-1.00")),
                Leg(LedgerAccount.objects.get(pk=target.pk), Decimal("1.00")),
            ],
            reference="swap",
        )

    results = run_together(THREADS, transfer)

    assert all(type(r).__name__ == "LedgerTransaction" for r in results), results
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.balance + b.balance == Decimal("1000.00")
    assert services.ledger_verify().problems == []


def test_concurrent_replays_of_one_key_move_money_once(user):
    access = login_tokens(APIClient(), user.email)["access_token"]

    def post(_):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        response = client.post(
            "/api/v1/wallet/top-ups",
            {"amount": "60.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="one-key",
        )
        return response.status_code, response.content

    results = run_together(12, post)

    assert {status for status, _ in results} == {201}, results
    assert len({body for _, body in results}) == 1
    assert TopUp.objects.count() == 1
    assert services.wallet_get_or_create(user=user).balance == Decimal("60.00")


def test_concurrent_refreshes_of_one_token_yield_one_pair(user):
    refresh = login_tokens(APIClient(), user.email)["refresh_token"]

    def rotate(_):
        return (
            APIClient()
            .post("/api/v1/auth/refresh", {"refresh_token": refresh}, format="json")
            .status_code
        )

    results = run_together(20, rotate)

    assert Counter(results) == {200: 1, 401: 19}, results
