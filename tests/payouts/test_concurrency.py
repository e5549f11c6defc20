"""Payouts under concurrent writers, on PostgreSQL: the same money is never
withdrawn twice, and a payout settles (or comes back) exactly once."""

from collections import Counter
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts import selectors as account_selectors
from accounts.models import LedgerTransaction
from accounts.services import ledger_verify
from payouts import services
from payouts.models import Payout, PayoutAccount, PayoutBatch
from tests.concurrency import run_together
from tests.payouts.factories import funded_user
from tests.payouts.gateways import event_body, sign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DEFERRED = "tests.payouts.gateways.DeferredPayoutGateway"


def test_thirty_concurrent_withdrawals_never_take_more_than_the_wallet_holds():
    user, account = funded_user("200.00")

    results = run_together(
        30,
        lambda _: services.withdrawal_create(
            user=user,
            amount=Decimal("10.00"),
            payout_account=PayoutAccount.objects.get(pk=account.pk),
        ),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Payout": 20, "InsufficientFunds": 10}, outcomes
    assert account_selectors.wallet_balance(user=user) == Decimal("0.00")
    assert Payout.objects.count() == 20
    assert set(Payout.objects.values_list("status", flat=True)) == {"paid"}  # the sandbox paid
    assert LedgerTransaction.objects.filter(kind="withdrawal").count() == 20
    assert ledger_verify().problems == []


def _processing_payout(settings, amount="80.00"):
    settings.PAYOUT_GATEWAY = DEFERRED
    user, account = funded_user("100.00")
    payout = services.withdrawal_create(user=user, amount=amount, payout_account=account)
    services.payout_send(payout_id=payout.pk)  # on_commit already sent it; a no-op then
    payout.refresh_from_db()
    assert payout.status == "processing"
    assert payout.gateway == "deferred"
    return user, payout


def _deliver(body: bytes) -> int:
    return (
        APIClient()
        .post(
            "/api/v1/payouts/webhooks/deferred",
            body,
            content_type="application/json",
            HTTP_X_SIGNATURE=sign(body),
        )
        .status_code
    )


def test_twenty_concurrent_webhook_deliveries_settle_once(settings):
    user, payout = _processing_payout(settings)
    body = event_body(payout.pk, "paid")

    results = run_together(20, lambda _: _deliver(body))

    assert results == [204] * 20, results
    payout.refresh_from_db()
    assert payout.status == "paid"
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
    assert account_selectors.wallet_balance(user=user) == Decimal("20.00")
    assert ledger_verify().problems == []


def test_a_failed_payout_comes_back_exactly_once_under_mixed_concurrent_verdicts(settings):
    user, payout = _processing_payout(settings)
    fail, pay = event_body(payout.pk, "failed", "closed"), event_body(payout.pk, "paid")

    results = run_together(20, lambda i: _deliver(fail if i % 4 else pay))

    assert results == [204] * 20, results
    payout.refresh_from_db()
    settled = LedgerTransaction.objects.filter(kind__in=["payout", "payout_return"]).count()
    assert settled == 1
    expected = Decimal("100.00") if payout.status == "failed" else Decimal("20.00")
    assert account_selectors.wallet_balance(user=user) == expected
    assert ledger_verify().problems == []


def test_twenty_concurrent_failed_deliveries_return_the_money_once(settings):
    user, payout = _processing_payout(settings)

    results = run_together(
        20,
        lambda _: services.payout_settle(
            payout=Payout.objects.get(pk=payout.pk), paid=False, failure_reason="closed"
        ),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Payout": 1, "PayoutNotInTransit": 19}, outcomes
    assert account_selectors.wallet_balance(user=user) == Decimal("100.00")
    assert LedgerTransaction.objects.filter(kind="payout_return").count() == 1
    assert ledger_verify().problems == []


def test_ten_concurrent_bank_file_exports_put_each_payout_in_one_file(settings):
    settings.PAYOUT_GATEWAY = "bankfile"
    settings.BANKFILE_DEBTOR_NAME = "OSE Institution"
    settings.BANKFILE_DEBTOR_IBAN = "DE02120300000000202051"
    payouts = []
    for _ in range(5):
        user, account = funded_user("100.00")
        payout = services.withdrawal_create(user=user, amount="30.00", payout_account=account)
        services.payout_send(payout_id=payout.pk)
        payouts.append(payout)

    results = run_together(10, lambda _: services.payout_batch_export(by=None))

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"PayoutBatch": 1, "NothingToExport": 9}, outcomes
    batch = PayoutBatch.objects.get()
    assert batch.payout_count == 5
    assert Payout.objects.filter(batch=batch).count() == 5
