"""The Stripe gateway end to end: the official SDK talking HTTP to a local stand-in
of Stripe's API, and webhooks signed with the endpoint secret exactly as Stripe
signs them, posted through the Django test client."""

import json
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from uuid import UUID

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import selectors, services
from accounts.models import LedgerTransaction, ProviderEvent, TopUp
from accounts.payments_stripe import from_minor_units, to_minor_units
from staff.models import AuditEvent
from tests.accounts import stripe_standin as standin

pytestmark = pytest.mark.django_db


def top_up(client, amount, payment_method=None, **headers):
    body = {"amount": amount}
    if payment_method:
        body["payment_method"] = payment_method
    return client.post("/api/v1/wallet/top-ups", body, format="json", **headers)


def balance(user) -> Decimal:
    return selectors.wallet_balance(user=user)


def intent_of(api, top_up_id: str) -> dict:
    return api.intents[TopUp.objects.get(pk=top_up_id).provider_reference]


# --- amounts -----------------------------------------------------------------------------------


def test_minor_units_are_exact():
    assert to_minor_units(Decimal("12.34"), "usd") == 1234
    assert to_minor_units(Decimal("0.01"), "eur") == 1
    assert to_minor_units(Decimal("999999.99"), "usd") == 99999999
    assert to_minor_units(Decimal("1500"), "jpy") == 1500
    assert to_minor_units(Decimal("1.50"), "kwd") == 1500
    with pytest.raises(ValueError, match="cannot be charged"):
        to_minor_units(Decimal("10.50"), "jpy")
    assert from_minor_units(1234, "usd") == Decimal("12.34")
    assert from_minor_units(1500, "jpy") == Decimal("1500.00")


# --- starting a top-up -------------------------------------------------------------------------


def test_card_top_up_succeeds_through_stripe(auth_client, user, stripe_api):
    response = top_up(auth_client, "150.25", "pm_card_visa")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["balance"] == "150.25"
    assert balance(user) == Decimal("150.25")
    call = stripe_api.requests[0]
    assert call["method"] == "POST"
    assert call["path"] == "/v1/payment_intents"
    assert call["params"]["amount"] == "15025"
    assert call["params"]["currency"] == "usd"
    assert call["params"]["metadata"]["top_up_id"] == body["id"]
    assert call["params"]["confirm"] == "true"
    # Stripe's Idempotency-Key is the top-up's id: a retried call never charges twice.
    assert call["idempotency_key"] == body["id"]
    assert TopUp.objects.get().provider_reference.startswith("pi_")


def test_currency_comes_from_settings(auth_client, stripe_api, settings):
    settings.PLATFORM_CURRENCY = "EUR"

    top_up(auth_client, "10.00", "pm_card_visa")

    assert stripe_api.requests[0]["params"]["currency"] == "eur"


def test_declined_card_fails_and_moves_nothing(auth_client, user, stripe_api):
    response = top_up(auth_client, "40.00", "pm_card_chargeDeclined")

    assert response.status_code == 201
    assert response.json()["status"] == "failed"
    assert TopUp.objects.get().provider_reference.startswith("pi_")
    assert not LedgerTransaction.objects.exists()


def test_stripe_down_is_503_and_charges_nothing(auth_client, stripe_api, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    response = top_up(auth_client, "20.00", "pm_card_visa")

    assert response.status_code == 503
    assert response.json()["error"] == "payment_unavailable"
    assert TopUp.objects.get().status == "failed"
    assert not LedgerTransaction.objects.exists()


def test_wrong_api_key_is_503_not_500(auth_client, stripe_api, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"

    response = top_up(auth_client, "20.00", "pm_card_visa")

    assert response.status_code == 503
    assert not LedgerTransaction.objects.exists()


def test_a_retried_call_reuses_the_same_intent(auth_client, stripe_api):
    """Stripe answers 500 once; the SDK retries with the same Idempotency-Key."""
    stripe_api.fail_next = 1

    response = top_up(auth_client, "30.00", "pm_card_visa")

    assert response.json()["status"] == "succeeded"
    keys = [r["idempotency_key"] for r in stripe_api.requests]
    assert keys == [response.json()["id"]] * 2
    assert len(stripe_api.intents) == 1


def test_without_a_card_the_payer_goes_to_stripes_hosted_page(auth_client, user, stripe_api):
    """The wallet page and pay-at-checkout send no card token: Stripe's hosted page
    takes the card, and the PaymentIntent it makes settles by the same webhooks."""
    body = top_up(auth_client, "45.50").json()

    assert body["status"] == "pending"
    assert body["redirect_url"].startswith("https://checkout.stripe.com/c/pay/cs_")
    call = stripe_api.requests[0]
    assert call["path"] == "/v1/checkout/sessions"
    assert call["idempotency_key"] == body["id"]
    assert call["params"]["line_items"]["0"]["price_data"]["unit_amount"] == "4550"
    assert call["params"]["payment_intent_data"]["metadata"]["top_up_id"] == body["id"]
    assert call["params"]["success_url"] == "https://ose.example/wallet/"

    session_id = TopUp.objects.get().provider_reference
    intent = stripe_api.succeed(stripe_api.sessions[session_id])
    response = standin.post_event(APIClient(), standin.event("payment_intent.succeeded", intent))

    assert response.status_code == 204
    assert balance(user) == Decimal("45.50")
    # The payment's own id is kept: a refund names it.
    assert TopUp.objects.get().provider_reference == intent["id"]


def test_the_wallet_page_sends_the_payer_to_stripe(client, user, stripe_api):
    client.force_login(user)

    response = client.post("/wallet/", {"amount": "20.00"})

    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.com/c/pay/cs_")


# --- webhooks ----------------------------------------------------------------------------------


def test_three_d_secure_waits_then_the_webhook_credits(auth_client, user, stripe_api):
    body = top_up(auth_client, "75.00", "pm_card_threeDSecure2Required").json()

    assert body["status"] == "pending"
    assert body["balance"] == "0.00"
    assert body["redirect_url"].startswith("https://hooks.stripe.com/3d_secure_2/")
    assert stripe_api.requests[0]["params"]["return_url"] == "https://ose.example/wallet/"

    intent = stripe_api.succeed(TopUp.objects.get().provider_reference)
    response = standin.post_event(APIClient(), standin.event("payment_intent.succeeded", intent))

    assert response.status_code == 204
    assert balance(user) == Decimal("75.00")
    assert TopUp.objects.get().status == "succeeded"


def test_duplicate_event_credits_once(auth_client, user, stripe_api):
    body = top_up(auth_client, "75.00", "pm_card_threeDSecure2Required").json()
    event = standin.event(
        "payment_intent.succeeded", stripe_api.succeed(intent_of(stripe_api, body["id"])["id"])
    )

    first = standin.post_event(APIClient(), event)
    again = standin.post_event(APIClient(), event)

    assert (first.status_code, again.status_code) == (204, 204)
    assert balance(user) == Decimal("75.00")
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1
    assert ProviderEvent.objects.filter(event_id=event["id"]).count() == 1


def test_decline_webhook_fails_the_top_up(auth_client, stripe_api):
    body = top_up(auth_client, "75.00", "pm_card_threeDSecure2Required").json()
    intent = intent_of(stripe_api, body["id"])
    intent["status"] = "requires_payment_method"

    response = standin.post_event(
        APIClient(), standin.event("payment_intent.payment_failed", intent)
    )

    assert response.status_code == 204
    assert TopUp.objects.get().status == "failed"
    assert not LedgerTransaction.objects.exists()


def test_success_after_a_decline_still_credits(auth_client, user, stripe_api):
    """The payer retried another card on the same intent (or the events came in the
    wrong order): the success is final, money was taken, so it reaches the wallet."""
    body = top_up(auth_client, "60.00", "pm_card_threeDSecure2Required").json()
    intent = intent_of(stripe_api, body["id"])
    failed = standin.event(
        "payment_intent.payment_failed", dict(intent, status="requires_payment_method")
    )
    succeeded = standin.event("payment_intent.succeeded", stripe_api.succeed(intent["id"]))

    standin.post_event(APIClient(), failed)
    standin.post_event(APIClient(), succeeded)

    assert TopUp.objects.get().status == "succeeded"
    assert balance(user) == Decimal("60.00")


def test_decline_after_success_changes_nothing(auth_client, user, stripe_api):
    body = top_up(auth_client, "60.00", "pm_card_threeDSecure2Required").json()
    intent = intent_of(stripe_api, body["id"])
    failed = standin.event(
        "payment_intent.payment_failed", dict(intent, status="requires_payment_method")
    )
    succeeded = standin.event("payment_intent.succeeded", stripe_api.succeed(intent["id"]))

    standin.post_event(APIClient(), succeeded)
    response = standin.post_event(APIClient(), failed)

    assert response.status_code == 204
    assert TopUp.objects.get().status == "succeeded"
    assert balance(user) == Decimal("60.00")


def test_forged_signature_is_400_and_moves_nothing(auth_client, stripe_api):
    body = top_up(auth_client, "75.00", "pm_card_threeDSecure2Required").json()
    event = standin.event(
        "payment_intent.succeeded", stripe_api.succeed(intent_of(stripe_api, body["id"])["id"])
    )
    payload = b'{"forged": true}'

    for header in (
        standin.signature(payload, secret="whsec_someone_else"),
        "t=1,v1=" + "0" * 64,
        "",
        "garbage",
    ):
        response = standin.post_event(APIClient(), event, header=header)
        assert response.status_code == 400, header
        assert response.json()["error"] == "webhook_invalid"
    assert TopUp.objects.get().status == "pending"
    assert not LedgerTransaction.objects.exists()
    assert not ProviderEvent.objects.exists()


def test_old_signature_is_refused(auth_client, stripe_api):
    """A captured webhook replayed after the tolerance window is refused."""
    body = top_up(auth_client, "75.00", "pm_card_threeDSecure2Required").json()
    event = standin.event(
        "payment_intent.succeeded", stripe_api.succeed(intent_of(stripe_api, body["id"])["id"])
    )
    payload = json.dumps(event).encode()
    old = standin.signature(payload, at=int(time.time()) - 3600)

    response = standin.post_event(APIClient(), event, header=old)

    assert response.status_code == 400
    assert TopUp.objects.get().status == "pending"


def test_events_we_do_not_read_are_acknowledged(stripe_api):
    response = standin.post_event(
        APIClient(), standin.event("customer.created", {"id": "cus_1", "object": "customer"})
    )
    other = standin.post_event(
        APIClient(),
        standin.event(
            "payment_intent.succeeded", {"id": "pi_x", "object": "payment_intent", "metadata": {}}
        ),
    )

    assert (response.status_code, other.status_code) == (204, 204)
    assert not ProviderEvent.objects.exists()


def test_event_for_an_unknown_top_up_is_acknowledged_and_not_recorded(stripe_api):
    """Another installation sharing the Stripe account: refusing would only make
    Stripe retry it for days."""
    intent = {"id": "pi_x", "object": "payment_intent", "metadata": {"top_up_id": "nope"}}

    response = standin.post_event(APIClient(), standin.event("payment_intent.succeeded", intent))

    assert response.status_code == 204
    assert not ProviderEvent.objects.exists()
    assert not LedgerTransaction.objects.exists()


def test_a_webhook_retried_after_a_failure_settles_once(auth_client, user, stripe_api, monkeypatch):
    """The first delivery fails inside our transaction (a 4xx, never a 500): nothing
    is kept, not even the event id, so Stripe's retry settles the top-up."""
    body = top_up(auth_client, "80.00", "pm_card_threeDSecure2Required").json()
    event = standin.event(
        "payment_intent.succeeded", stripe_api.succeed(intent_of(stripe_api, body["id"])["id"])
    )
    from accounts.services import top_ups

    real_settle = top_ups.top_up_settle
    calls = []

    def flaky_settle(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise top_ups.TopUpNotPending("The ledger was busy.")
        return real_settle(**kwargs)

    monkeypatch.setattr(top_ups, "top_up_settle", flaky_settle)

    first = standin.post_event(APIClient(), event)
    assert first.status_code == 400
    assert not ProviderEvent.objects.exists()
    assert balance(user) == Decimal("0.00")

    retried = standin.post_event(APIClient(), event)

    assert retried.status_code == 204
    assert balance(user) == Decimal("80.00")
    assert ProviderEvent.objects.count() == 1


def test_malformed_signed_body_is_400(stripe_api):
    payload = b"not json"
    response = APIClient().generic(
        "POST",
        "/api/v1/wallet/top-ups/webhooks/stripe",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=standin.signature(payload),
    )

    assert response.status_code == 400


# --- a lost webhook ----------------------------------------------------------------------------


def test_pending_top_ups_are_settled_by_asking_stripe(auth_client, user, stripe_api):
    """Webhooks can be lost: the sync asks Stripe (GET the intent, or the hosted
    page's session) about top-ups pending too long."""
    three_ds = top_up(auth_client, "10.00", "pm_card_threeDSecure2Required").json()
    hosted = top_up(auth_client, "20.00").json()
    fresh = top_up(auth_client, "40.00", "pm_card_threeDSecure2Required").json()
    waiting = top_up(auth_client, "80.00", "pm_card_threeDSecure2Required").json()
    TopUp.objects.exclude(pk=fresh["id"]).update(created_at=timezone.now() - timedelta(minutes=30))
    stripe_api.succeed(intent_of(stripe_api, three_ds["id"])["id"])
    stripe_api.succeed(stripe_api.sessions[TopUp.objects.get(pk=hosted["id"]).provider_reference])
    stripe_api.succeed(intent_of(stripe_api, fresh["id"])["id"])
    out = StringIO()

    call_command("sync_pending_top_ups", stdout=out)

    assert "2 pending top-up(s) settled." in out.getvalue()
    assert balance(user) == Decimal("30.00")
    statuses = dict(TopUp.objects.values_list("id", "status"))
    assert statuses[UUID(fresh["id"])] == "pending"  # too young: its webhook may come
    assert statuses[UUID(waiting["id"])] == "pending"  # Stripe still waits for 3-D Secure
    assert TopUp.objects.get(pk=hosted["id"]).provider_reference.startswith("pi_")
    gets = [r["path"] for r in stripe_api.requests if r["method"] == "GET"]
    assert any(p.startswith("/v1/payment_intents/") for p in gets)
    assert any(p.startswith("/v1/checkout/sessions/") for p in gets)

    # The webhook arriving late changes nothing.
    intent = stripe_api.intents[TopUp.objects.get(pk=three_ds["id"]).provider_reference]
    standin.post_event(APIClient(), standin.event("payment_intent.succeeded", intent))
    assert balance(user) == Decimal("30.00")


def test_sync_finds_a_declined_top_up_paid_after_all(auth_client, user, stripe_api):
    """A decline, then the payer pays the same intent with another card, and that
    success's webhook is lost: the sync asks Stripe about recently failed top-ups
    and credits the wallet once; an old failure and a still-declined one stay failed."""
    paid_later = top_up(auth_client, "60.00", "pm_card_threeDSecure2Required").json()
    still_declined = top_up(auth_client, "15.00", "pm_card_threeDSecure2Required").json()
    long_ago = top_up(auth_client, "25.00", "pm_card_threeDSecure2Required").json()
    for body in (paid_later, still_declined, long_ago):
        intent = intent_of(stripe_api, body["id"])
        intent["status"] = "requires_payment_method"
        standin.post_event(APIClient(), standin.event("payment_intent.payment_failed", intent))
    assert set(TopUp.objects.values_list("status", flat=True)) == {"failed"}
    TopUp.objects.filter(pk=long_ago["id"]).update(completed_at=timezone.now() - timedelta(days=2))
    stripe_api.succeed(intent_of(stripe_api, paid_later["id"])["id"])
    stripe_api.succeed(intent_of(stripe_api, long_ago["id"])["id"])

    call_command("sync_pending_top_ups", stdout=StringIO())
    call_command("sync_pending_top_ups", stdout=StringIO())

    statuses = dict(TopUp.objects.values_list("id", "status"))
    assert statuses[UUID(paid_later["id"])] == "succeeded"
    assert statuses[UUID(still_declined["id"])] == "failed"
    assert statuses[UUID(long_ago["id"])] == "failed"  # past the window: Stripe's retries
    assert balance(user) == Decimal("60.00")
    assert LedgerTransaction.objects.filter(kind="top_up").count() == 1


# --- refunds -----------------------------------------------------------------------------------


@pytest.fixture
def paid_top_up(auth_client, user, stripe_api) -> TopUp:
    top_up(auth_client, "100.00", "pm_card_visa")
    return TopUp.objects.get()


def test_refund_goes_back_to_the_card_through_the_ledger(paid_top_up, user, staff_user, stripe_api):
    services.top_up_refund(top_up=paid_top_up, amount="30.00", by=staff_user, reason="asked")

    assert balance(user) == Decimal("70.00")
    paid_top_up.refresh_from_db()
    assert paid_top_up.refunded_amount == Decimal("30.00")
    call = stripe_api.requests[-1]
    assert call["path"] == "/v1/refunds"
    assert call["params"]["amount"] == "3000"
    assert call["params"]["payment_intent"] == paid_top_up.provider_reference
    assert call["idempotency_key"] == f"{paid_top_up.pk}-refund-30.00"
    assert AuditEvent.objects.filter(action="top_up.refund_requested").count() == 1

    # Stripe's charge.refunded echo reports the 30.00 already recorded: nothing moves.
    charge = stripe_api.charge(paid_top_up.provider_reference)
    response = standin.post_event(APIClient(), standin.event("charge.refunded", charge))

    assert response.status_code == 204
    assert balance(user) == Decimal("70.00")


def test_refund_of_a_charge_without_metadata_is_found_by_its_intent(paid_top_up, user, stripe_api):
    stripe_api._create_refund({"payment_intent": paid_top_up.provider_reference, "amount": "1000"})
    charge = dict(stripe_api.charge(paid_top_up.provider_reference), metadata={})

    response = standin.post_event(APIClient(), standin.event("charge.refunded", charge))

    assert response.status_code == 204
    assert balance(user) == Decimal("90.00")


def test_refund_beyond_what_is_left_is_refused(paid_top_up, staff_user, stripe_api):
    services.top_up_refund(top_up=paid_top_up, amount="100.00", by=staff_user, reason="all")

    with pytest.raises(services.TopUpNotRefundable):
        services.top_up_refund(top_up=paid_top_up, amount="0.01", by=staff_user, reason="more")
    assert len([r for r in stripe_api.requests if r["path"] == "/v1/refunds"]) == 1


def test_refund_stripe_refuses_gives_the_money_back(paid_top_up, user, staff_user, stripe_api):
    stripe_api.fail_next = 5  # more than the SDK's retries

    with pytest.raises(services.PaymentUnavailable):
        services.top_up_refund(top_up=paid_top_up, amount="30.00", by=staff_user, reason="asked")

    assert balance(user) == Decimal("100.00")
    paid_top_up.refresh_from_db()
    assert paid_top_up.refunded_amount == Decimal("0.00")


def test_dashboard_refund_is_taken_from_the_wallet_once(paid_top_up, user, stripe_api):
    stripe_api._create_refund({"payment_intent": paid_top_up.provider_reference, "amount": "2500"})
    event = standin.event("charge.refunded", stripe_api.charge(paid_top_up.provider_reference))

    standin.post_event(APIClient(), event)
    standin.post_event(APIClient(), event)
    # A later refund event carries the running total: only the new part moves.
    stripe_api._create_refund({"payment_intent": paid_top_up.provider_reference, "amount": "500"})
    later = standin.event("charge.refunded", stripe_api.charge(paid_top_up.provider_reference))
    standin.post_event(APIClient(), later)
    # ...and the first one arriving late again changes nothing.
    standin.post_event(APIClient(), standin.event("charge.refunded", event["data"]["object"]))

    assert balance(user) == Decimal("70.00")
    paid_top_up.refresh_from_db()
    assert paid_top_up.refunded_amount == Decimal("30.00")


def test_dashboard_refund_of_spent_money_is_flagged(paid_top_up, user, stripe_api):
    from accounts.services import Leg, external_account, ledger_post, wallet_get_or_create

    ledger_post(
        kind="adjustment",
        legs=[
            Leg(wallet_get_or_create(user=user), Decimal("-90.00")),
            Leg(external_account(), Decimal("90.00")),
        ],
        reference="spent",
    )
    stripe_api._create_refund({"payment_intent": paid_top_up.provider_reference, "amount": "5000"})

    response = standin.post_event(
        APIClient(),
        standin.event("charge.refunded", stripe_api.charge(paid_top_up.provider_reference)),
    )

    assert response.status_code == 204
    assert balance(user) == Decimal("10.00")
    assert AuditEvent.objects.filter(action="top_up.refund_unfunded").count() == 1


# --- configuration -----------------------------------------------------------------------------


def check_ids(**kwargs) -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=True, **kwargs)}


def test_stripe_without_keys_is_a_check_error(settings):
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""

    ids = check_ids()

    assert {"accounts.E002", "accounts.E004"} <= ids


def test_publishable_key_is_a_check_error(settings):
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "pk_live_abc"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_abc"

    assert "accounts.E003" in check_ids()


def test_a_local_return_url_is_a_deploy_warning(settings):
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_live_abc"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_abc"
    settings.STRIPE_RETURN_URL = "http://localhost:8000/wallet/"

    assert "accounts.W002" in check_ids()


def test_configured_stripe_is_silent(settings):
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_live_abc"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_abc"
    settings.STRIPE_RETURN_URL = "https://ose.example.org/wallet/"

    ids = check_ids()

    assert not {i for i in ids if i.startswith("accounts.")}
