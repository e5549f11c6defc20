"""Stripe webhooks under concurrent delivery, on PostgreSQL: Stripe retries and
replays events, sometimes at the same moment; the money arrives once."""

from collections import Counter
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts import selectors, services
from accounts.models import LedgerTransaction, ProviderEvent, TopUp
from accounts.services import ledger_verify
from tests.accounts import stripe_standin as standin
from tests.concurrency import run_together
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pending_top_up(amount: str = "75.00") -> TopUp:
    user = UserFactory()
    return services.top_up_create(
        user=user, amount=Decimal(amount), payment_method="pm_card_threeDSecure2Required"
    )


def test_the_same_event_delivered_twenty_times_at_once_credits_once(stripe_api):
    top_up = _pending_top_up()
    event = standin.event("payment_intent.succeeded", stripe_api.succeed(top_up.provider_reference))

    codes = run_together(20, lambda _: standin.post_event(APIClient(), event).status_code)

    assert Counter(codes) == {204: 20}
    assert selectors.wallet_balance(user=top_up.user) == Decimal("75.00")
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1
    assert ProviderEvent.objects.count() == 1
    assert ledger_verify().problems == []


def test_success_and_decline_racing_end_in_one_credit(stripe_api):
    top_up = _pending_top_up("40.00")
    intent = stripe_api.intents[top_up.provider_reference]
    failed = standin.event(
        "payment_intent.payment_failed", dict(intent, status="requires_payment_method")
    )
    succeeded = standin.event("payment_intent.succeeded", stripe_api.succeed(intent["id"]))
    events = [failed, succeeded] * 8

    codes = run_together(16, lambda i: standin.post_event(APIClient(), events[i]).status_code)

    assert Counter(codes) == {204: 16}
    top_up.refresh_from_db()
    assert top_up.status == "succeeded"
    assert selectors.wallet_balance(user=top_up.user) == Decimal("40.00")
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1


def test_concurrent_refund_events_take_the_refund_once(stripe_api):
    user = UserFactory()
    top_up = services.top_up_create(
        user=user, amount=Decimal("100.00"), payment_method="pm_card_visa"
    )
    stripe_api._create_refund({"payment_intent": top_up.provider_reference, "amount": "2500"})
    charge = stripe_api.charge(top_up.provider_reference)
    events = [standin.event("charge.refunded", charge) for _ in range(10)]  # distinct ids

    run_together(10, lambda i: standin.post_event(APIClient(), events[i]).status_code)

    assert selectors.wallet_balance(user=user) == Decimal("75.00")
    top_up.refresh_from_db()
    assert top_up.refunded_amount == Decimal("25.00")
    assert ledger_verify().problems == []
