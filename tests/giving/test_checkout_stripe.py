"""Pay-at-checkout through Stripe end to end: POST /api/v1/checkout with
PAYMENT_GATEWAY=stripe sends the donor to Stripe's hosted payment page (the
official SDK talking HTTP to a local stand-in of Stripe's API); the signed
webhooks Stripe then sends, retried and out of order, make the donation once."""

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import LedgerTransaction, ProviderEvent, TopUp
from accounts.selectors import wallet_balance
from accounts.services import ledger_verify
from campaigns import services as campaign_services
from campaigns.models import Donation
from giving.models import Checkout
from tests.accounts import stripe_standin as standin
from tests.campaigns.factories import make_campaign
from tests.factories import fund_wallet
from tests.stripe_fixtures import stripe_standin_settings

pytestmark = pytest.mark.django_db

START = Decimal("10.00")  # what the donor's wallet holds before paying by card


@pytest.fixture
def stripe_api(settings, user):
    fund_wallet(user, START)  # a sandbox top-up, before Stripe is the gateway
    with stripe_standin_settings(settings) as api:
        yield api


def checkout(client, campaign, headers=None, **overrides):
    body = {"campaign_id": str(campaign.pk), "amount": "40.00", **overrides}
    return client.post("/api/v1/checkout", body, format="json", headers=headers or {})


def start(client, campaign, **overrides) -> Checkout:
    response = checkout(client, campaign, **overrides)
    assert response.status_code == 202, response.content
    return Checkout.objects.select_related("top_up").get(pk=response.json()["id"])


def paid(api, row: Checkout) -> dict:
    """The donor pays on the hosted page: the session's PaymentIntent succeeds."""
    return standin.event(
        "payment_intent.succeeded", api.succeed(api.sessions[row.top_up.provider_reference])
    )


def declined(api, row: Checkout) -> dict:
    intent = api.intents[api.sessions[row.top_up.provider_reference]]
    error = {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline"}
    return standin.event(
        "payment_intent.payment_failed",
        dict(intent, status="requires_payment_method", last_payment_error=error),
    )


def deliver(event: dict, **kwargs):
    return standin.post_event(APIClient(), event, **kwargs)


def test_checkout_goes_to_stripes_hosted_page(auth_client, stripe_api):
    campaign = make_campaign()

    response = checkout(auth_client, campaign, message="For the winter")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["redirect_url"].startswith("https://checkout.stripe.com/c/pay/cs_")
    assert set(body) == {"id", "status", "redirect_url"}
    row = Checkout.objects.select_related("top_up").get(pk=body["id"])
    assert row.top_up.gateway == "stripe"
    assert row.top_up.status == TopUp.Status.PENDING
    # One hosted page, for exactly the gift, naming the top-up that carries it.
    (call,) = stripe_api.requests
    assert call["method"] == "POST"
    assert call["path"] == "/v1/checkout/sessions"
    assert call["idempotency_key"] == str(row.top_up.pk)
    assert call["params"]["line_items"]["0"]["price_data"]["unit_amount"] == "4000"
    assert call["params"]["payment_intent_data"]["metadata"]["top_up_id"] == str(row.top_up.pk)
    # Nothing moved yet.
    assert not Donation.objects.exists()
    assert wallet_balance(user=auth_client.user) == START
    campaign.refresh_from_db()
    assert campaign.current_amount == 0


def test_the_success_webhook_donates_once_however_often_it_comes(auth_client, stripe_api):
    campaign = make_campaign()
    row = start(auth_client, campaign, message="For the winter", is_anonymous=True)
    event = paid(stripe_api, row)

    first = deliver(event)

    assert first.status_code == 204
    donation = Donation.objects.get()
    assert donation.amount == Decimal("40.00")
    assert donation.donor == auth_client.user
    assert donation.campaign == campaign
    assert donation.message == "For the winter"
    assert donation.is_anonymous is True
    row.refresh_from_db()
    assert row.status == Checkout.Status.COMPLETED
    assert row.donation == donation
    assert TopUp.objects.get(pk=row.top_up_id).status == TopUp.Status.SUCCEEDED
    # The card's money went straight into the gift: the wallet is where it was.
    assert wallet_balance(user=auth_client.user) == START
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("40.00")

    # Stripe retries (our 2xx was lost): the same event, again and again.
    for _ in range(3):
        assert deliver(event).status_code == 204

    assert Donation.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 2  # funding + this card
    assert ProviderEvent.objects.filter(event_id=event["id"]).count() == 1
    assert wallet_balance(user=auth_client.user) == START
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("40.00")
    assert ledger_verify().problems == []


def test_a_decline_makes_no_donation_and_moves_no_money(auth_client, stripe_api):
    campaign = make_campaign()
    row = start(auth_client, campaign)
    ledger_before = LedgerTransaction.objects.count()
    event = declined(stripe_api, row)

    assert deliver(event).status_code == 204
    assert deliver(event).status_code == 204  # retried

    assert not Donation.objects.exists()
    row.refresh_from_db()
    assert row.status == Checkout.Status.FAILED
    assert TopUp.objects.get(pk=row.top_up_id).status == TopUp.Status.FAILED
    assert LedgerTransaction.objects.count() == ledger_before
    assert wallet_balance(user=auth_client.user) == START
    campaign.refresh_from_db()
    assert campaign.current_amount == 0


def test_a_decline_then_a_success_donates_once(auth_client, stripe_api):
    """On the hosted page a first card is declined and a second one pays the same
    PaymentIntent; Stripe may also deliver the two events in either order. The
    payment succeeded, so the gift is made."""
    campaign = make_campaign()
    row = start(auth_client, campaign)
    decline = declined(stripe_api, row)
    success = paid(stripe_api, row)

    assert deliver(decline).status_code == 204
    assert deliver(success).status_code == 204
    assert deliver(decline).status_code == 204  # late retries change nothing
    assert deliver(success).status_code == 204

    donation = Donation.objects.get()
    row.refresh_from_db()
    assert row.status == Checkout.Status.COMPLETED
    assert row.donation == donation
    assert row.error == ""
    assert TopUp.objects.get(pk=row.top_up_id).status == TopUp.Status.SUCCEEDED
    assert wallet_balance(user=auth_client.user) == START
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("40.00")
    assert ledger_verify().problems == []


def test_a_success_then_a_late_decline_keeps_the_one_donation(auth_client, stripe_api):
    campaign = make_campaign()
    row = start(auth_client, campaign)
    decline = declined(stripe_api, row)
    success = paid(stripe_api, row)

    assert deliver(success).status_code == 204
    assert deliver(decline).status_code == 204

    assert Donation.objects.count() == 1
    row.refresh_from_db()
    assert row.status == Checkout.Status.COMPLETED
    assert wallet_balance(user=auth_client.user) == START
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("40.00")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(lambda raw: standin.signature(raw, secret="whsec_someone_else"), id="forged"),
        pytest.param(lambda raw: "t=1,v1=" + "0" * 64, id="garbage"),
        pytest.param(lambda raw: standin.signature(raw, at=1_000_000_000), id="too-old"),
        pytest.param(lambda raw: "", id="missing"),
    ],
)
def test_an_unsigned_success_is_400_and_changes_nothing(auth_client, stripe_api, header):
    campaign = make_campaign()
    row = start(auth_client, campaign)
    event = paid(stripe_api, row)

    response = deliver(event, header=header(json.dumps(event).encode()))

    assert response.status_code == 400
    assert not Donation.objects.exists()
    assert not ProviderEvent.objects.exists()
    row.refresh_from_db()
    assert row.status == Checkout.Status.PENDING
    assert TopUp.objects.get(pk=row.top_up_id).status == TopUp.Status.PENDING
    assert wallet_balance(user=auth_client.user) == START
    campaign.refresh_from_db()
    assert campaign.current_amount == 0
    # The genuine delivery still works afterwards.
    assert deliver(event).status_code == 204
    assert Donation.objects.count() == 1


def test_idempotency_key_replays_the_pending_checkout(auth_client, stripe_api):
    campaign = make_campaign()
    key = {"Idempotency-Key": "stripe-co-1"}

    first = checkout(auth_client, campaign, headers=key)
    again = checkout(auth_client, campaign, headers=key)
    other = checkout(auth_client, campaign, headers=key, amount="5")

    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert other.status_code == 409
    # One checkout, one top-up, one hosted page: the donor is charged once.
    assert Checkout.objects.count() == 1
    assert TopUp.objects.filter(gateway="stripe").count() == 1
    assert [r["path"] for r in stripe_api.requests] == ["/v1/checkout/sessions"]

    row = Checkout.objects.select_related("top_up").get()
    assert deliver(paid(stripe_api, row)).status_code == 204
    assert Donation.objects.count() == 1


def test_a_campaign_closed_before_the_webhook_keeps_the_money_in_the_wallet(
    auth_client, stripe_api
):
    """The donor paid, but the campaign stopped taking gifts while they were on
    Stripe's page: no donation; the card's money stays in their wallet, where
    they see it and may give it elsewhere."""
    campaign = make_campaign()
    row = start(auth_client, campaign)
    campaign_services.campaign_complete(campaign=campaign, by=None)
    event = paid(stripe_api, row)

    assert deliver(event).status_code == 204
    assert deliver(event).status_code == 204  # retried: still nothing given, nothing doubled

    assert not Donation.objects.exists()
    row.refresh_from_db()
    assert row.status == Checkout.Status.FAILED
    assert "completed" in row.error
    assert TopUp.objects.get(pk=row.top_up_id).status == TopUp.Status.SUCCEEDED
    assert wallet_balance(user=auth_client.user) == START + Decimal("40.00")
    campaign.refresh_from_db()
    assert campaign.current_amount == 0
    assert ledger_verify().problems == []


def test_stripe_unreachable_at_checkout_is_503_and_nothing_is_charged(auth_client, stripe_api):
    stripe_api.fail_next = 10  # more than the SDK's retries

    response = checkout(auth_client, make_campaign())

    assert response.status_code == 503
    assert response.json()["error"] == "payment_unavailable"
    row = Checkout.objects.select_related("top_up").get()
    assert row.status == Checkout.Status.FAILED
    assert row.top_up.status == TopUp.Status.FAILED
    assert not Donation.objects.exists()
    assert wallet_balance(user=auth_client.user) == START


def test_a_lost_webhook_is_made_good_by_asking_stripe(auth_client, stripe_api):
    """The webhook never came: the sync of pending top-ups asks Stripe about the
    hosted page, finds it paid and makes the gift; the webhook arriving late
    afterwards gives nothing twice."""
    campaign = make_campaign()
    row = start(auth_client, campaign)
    event = paid(stripe_api, row)
    TopUp.objects.filter(pk=row.top_up_id).update(created_at=timezone.now() - timedelta(minutes=30))

    call_command("sync_pending_top_ups", stdout=StringIO())

    row.refresh_from_db()
    assert row.status == Checkout.Status.COMPLETED
    assert Donation.objects.count() == 1
    assert deliver(event).status_code == 204
    assert Donation.objects.count() == 1
    assert wallet_balance(user=auth_client.user) == START
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("40.00")
