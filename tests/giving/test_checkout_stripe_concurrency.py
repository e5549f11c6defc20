"""Pay-at-checkout through Stripe under concurrent webhook delivery, on
PostgreSQL: Stripe retries and replays events, sometimes at the same moment, and
a decline and a success of the same payment may race; the gift is made once."""

from collections import Counter
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import LedgerTransaction, TopUp
from accounts.selectors import wallet_balance
from accounts.services import ledger_verify
from campaigns.models import Donation
from giving import services
from giving.models import Checkout
from tests.accounts import stripe_standin as standin
from tests.campaigns.factories import make_campaign
from tests.concurrency import run_together
from tests.factories import UserFactory
from tests.stripe_fixtures import stripe_standin_settings

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stripe_api(settings):
    with stripe_standin_settings(settings) as api:
        yield api


def _pending_checkout(campaign) -> Checkout:
    row = services.checkout_start(donor=UserFactory(), campaign=campaign, amount="40.00")
    assert row.status == Checkout.Status.PENDING
    return row


def _deliver(event: dict) -> int:
    return standin.post_event(APIClient(), event).status_code


def _assert_given_once(row: Checkout, campaign) -> None:
    row.refresh_from_db()
    assert row.status == Checkout.Status.COMPLETED
    assert Donation.objects.filter(campaign=campaign).count() == 1
    assert row.donation == Donation.objects.get()
    assert TopUp.objects.get(pk=row.top_up_id).status == TopUp.Status.SUCCEEDED
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1
    assert wallet_balance(user=row.donor) == 0
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("40.00")
    assert ledger_verify().problems == []


def test_the_success_delivered_many_times_at_once_gives_once(stripe_api):
    campaign = make_campaign()
    row = _pending_checkout(campaign)
    intent = stripe_api.succeed(stripe_api.sessions[row.top_up.provider_reference])
    event = standin.event("payment_intent.succeeded", intent)

    codes = run_together(12, lambda _: _deliver(event))

    assert Counter(codes) == {204: 12}
    _assert_given_once(row, campaign)


def test_a_decline_and_a_success_racing_give_once(stripe_api):
    campaign = make_campaign()
    row = _pending_checkout(campaign)
    intent = stripe_api.intents[stripe_api.sessions[row.top_up.provider_reference]]
    decline = standin.event(
        "payment_intent.payment_failed", dict(intent, status="requires_payment_method")
    )
    success = standin.event("payment_intent.succeeded", stripe_api.succeed(intent["id"]))
    events = [decline, success] * 6

    codes = run_together(len(events), lambda i: _deliver(events[i]))

    assert Counter(codes) == {204: len(events)}
    _assert_given_once(row, campaign)
