"""Zakat payments under concurrent requests, on PostgreSQL."""

from collections import Counter
from decimal import Decimal

import pytest

from accounts import services as accounts_services
from tests.concurrency import run_together
from tests.factories import fund_wallet
from tests.zakat.factories import ZakatRecordFactory
from zakat import services
from zakat.models import ZakatPayment, ZakatRecord

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


def test_a_record_is_paid_at_most_once(user):
    fund_wallet(user, "10000.00")
    record = ZakatRecordFactory(payer=user)

    def pay(_):
        return services.zakat_payment_create(
            record=ZakatRecord.objects.get(pk=record.pk), payer=user
        )

    results = run_together(THREADS, pay)

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"ZakatPayment": 1, "RecordNotPending": THREADS - 1}, outcomes
    assert ZakatPayment.objects.count() == 1
    assert accounts_services.wallet_get_or_create(user=user).balance == Decimal("9750.00")
    assert accounts_services.zakat_fund_account().balance == Decimal("250.00")
    assert accounts_services.ledger_verify().problems == []


def test_receipt_numbers_are_unique_and_gap_free_under_concurrency(user, other_user):
    fund_wallet(user, "10000.00")
    fund_wallet(other_user, "10000.00")
    payers = [user if i % 2 else other_user for i in range(THREADS)]
    records = [ZakatRecordFactory(payer=payer) for payer in payers]

    def pay(index):
        return services.zakat_payment_create(
            record=ZakatRecord.objects.get(pk=records[index].pk), payer=payers[index]
        )

    results = run_together(THREADS, pay)

    assert all(isinstance(r, ZakatPayment) for r in results), results
    numbers = sorted(ZakatPayment.objects.values_list("receipt_number", flat=True))
    assert numbers == list(range(1, THREADS + 1))
