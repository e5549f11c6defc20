"""Stripe behind the top-up gateway interface (PAYMENT_GATEWAY=stripe).

A top-up is one PaymentIntent, created with the top-up's id as its metadata and
as Stripe's Idempotency-Key, so a retried call never charges twice. With the
payer's card (`top_up.payment_method`, a `pm_...` token made by Stripe's own
client libraries) the intent is confirmed at once and answers:

    succeeded        -> succeeded, the money enters the wallet now
    requires_action  -> pending, `redirect_url` is the 3-D Secure page
                        (next_action.redirect_to_url.url); the webhook settles it
    processing       -> pending; the webhook settles it
    a card error     -> failed (Stripe answers 402 with the declined intent)

Without a card (the wallet page, pay-at-checkout) the payer goes to Stripe's
hosted payment page: a Checkout Session whose PaymentIntent carries the same
metadata (`pending`, `redirect_url` the session's page), settled by the same
webhooks.

Webhooks are verified with `stripe.Webhook.construct_event` (the signature over
`t.payload` with STRIPE_WEBHOOK_SECRET, no older than STRIPE_WEBHOOK_TOLERANCE
seconds). The events read are `payment_intent.succeeded`,
`payment_intent.payment_failed` and `charge.refunded`; every other authentic
event is acknowledged and ignored. Each takes effect once (its event id is kept,
accounts.services.top_up_webhook_apply), and their order does not matter:
Stripe may deliver a decline after the success of a retried card, or a success
after a decline, and a succeeded PaymentIntent is final (money was taken), so
success wins over failure and never the other way round.
"""

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import stripe
from django.conf import settings

from accounts import money
from accounts.payments import (
    RefundResult,
    StartResult,
    WebhookEvent,
    WebhookRejected,
    WebhookSignatureInvalid,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import TopUp

# Stripe's currencies without minor units, and those with three (amounts in
# thousandths, which Stripe wants rounded to tens). Everything else has cents.
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded")


def _exponent(currency: str) -> int:
    currency = currency.lower()
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """An amount in Stripe's smallest unit of `currency`, exactly: 12.34 USD is
    1234. A value that does not fit the currency (cents of yen) is refused, never
    rounded, because the payer would be charged a different sum."""
    scaled = money.quantize(amount).scaleb(_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} cannot be charged in {currency.upper()}.")
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    return money.quantize(Decimal(int(value)).scaleb(-_exponent(currency)))


class StripeGateway:
    name: ClassVar[str] = "stripe"
    is_sandbox: ClassVar[bool] = False

    def _client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            # Retries are safe: every write carries an idempotency key.
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        )

    # --- top-ups -------------------------------------------------------------------

    def start(self, *, top_up: "TopUp") -> StartResult:
        currency = money.currency().lower()
        params: dict[str, Any] = {
            "amount": to_minor_units(top_up.amount, currency),
            "currency": currency,
            "metadata": {"top_up_id": str(top_up.pk), "user_id": str(top_up.user_id)},
            "description": "Wallet top-up",
        }
        if not top_up.payment_method:
            return self._hosted(top_up=top_up, params=params)
        params |= {
            "payment_method": top_up.payment_method,
            "confirm": True,
            "return_url": settings.STRIPE_RETURN_URL,
            "payment_method_types": ["card"],
        }
        try:
            intent = self._client().v1.payment_intents.create(
                params=params, options={"idempotency_key": str(top_up.pk)}
            )
        except stripe.CardError as exc:
            # A decline is an answer, not an outage: the intent exists and failed.
            intent_id = (
                (getattr(exc, "json_body", None) or {})
                .get("error", {})
                .get("payment_intent", {})
                .get("id", "")
            )
            return StartResult(status="failed", provider_reference=intent_id)
        return self._result(intent.to_dict())

    def _hosted(self, *, top_up: "TopUp", params: dict[str, Any]) -> StartResult:
        """No card token (the wallet page, pay-at-checkout): Stripe's hosted payment
        page takes the card. Its Checkout Session makes the PaymentIntent, carrying
        the same metadata, so the same webhooks settle it; the payer is sent to the
        session's `url` and comes back to STRIPE_RETURN_URL."""
        session = (
            self._client()
            .v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    "client_reference_id": str(top_up.pk),
                    "line_items": [
                        {
                            "quantity": 1,
                            "price_data": {
                                "currency": params["currency"],
                                "unit_amount": params["amount"],
                                "product_data": {"name": params["description"]},
                            },
                        }
                    ],
                    "metadata": params["metadata"],
                    "payment_intent_data": {"metadata": params["metadata"]},
                    "success_url": settings.STRIPE_RETURN_URL,
                    "cancel_url": settings.STRIPE_RETURN_URL,
                },
                options={"idempotency_key": str(top_up.pk)},
            )
            .to_dict()
        )
        return StartResult(
            status="pending", provider_reference=session["id"], redirect_url=session["url"]
        )

    @staticmethod
    def _result(intent: Any) -> StartResult:
        status = intent["status"]
        if status == "succeeded":
            return StartResult(status="succeeded", provider_reference=intent["id"])
        if status == "canceled":
            return StartResult(status="failed", provider_reference=intent["id"])
        redirect_url = None
        if status == "requires_action":
            next_action = intent.get("next_action") or {}
            redirect_url = (next_action.get("redirect_to_url") or {}).get("url")
        return StartResult(
            status="pending", provider_reference=intent["id"], redirect_url=redirect_url
        )

    def poll(self, *, top_up: "TopUp") -> StartResult:
        """Ask Stripe where a pending top-up stands (a webhook may have been lost):
        GET the PaymentIntent, or the hosted page's session and then its intent."""
        client = self._client()
        reference = top_up.provider_reference
        if reference.startswith("cs_"):
            session = client.v1.checkout.sessions.retrieve(reference).to_dict()
            if session.get("status") == "expired":
                return StartResult(status="failed", provider_reference=reference)
            reference = session.get("payment_intent") or ""
            if not reference:
                return StartResult(status="pending", provider_reference=session["id"])
        if not reference.startswith("pi_"):
            return StartResult(status="pending", provider_reference=top_up.provider_reference)
        return self._result(client.v1.payment_intents.retrieve(reference).to_dict())

    # --- refunds -------------------------------------------------------------------

    def refund(self, *, top_up: "TopUp", amount: Decimal, idempotency_key: str) -> RefundResult:
        refund = (
            self._client()
            .v1.refunds.create(
                params={
                    "payment_intent": top_up.provider_reference,
                    "amount": to_minor_units(amount, money.currency()),
                    "metadata": {"top_up_id": str(top_up.pk)},
                },
                options={"idempotency_key": idempotency_key},
            )
            .to_dict()
        )
        status = refund["status"]
        if status in ("failed", "canceled"):
            return RefundResult(status="failed", provider_reference=refund["id"])
        return RefundResult(
            status="succeeded" if status == "succeeded" else "pending",
            provider_reference=refund["id"],
        )

    # --- webhooks ------------------------------------------------------------------

    def parse_webhook(self, request: "HttpRequest") -> WebhookEvent:
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("STRIPE_WEBHOOK_SECRET is not set.")
        try:
            event = stripe.Webhook.construct_event(
                request.body,
                request.headers.get("Stripe-Signature", ""),
                secret,
                tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
            )
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureInvalid("The Stripe-Signature does not verify.") from exc
        except (ValueError, UnicodeDecodeError, IndexError, KeyError) as exc:
            # Not JSON, or a header so malformed the SDK cannot read it.
            raise WebhookSignatureInvalid("The webhook cannot be read.") from exc
        try:
            return self._event(event.to_dict())
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WebhookSignatureInvalid("The event is not one Stripe sends.") from exc

    @staticmethod
    def _event(event: Any) -> WebhookEvent:
        event_type = event["type"]
        event_id = event["id"]
        if event_type not in EVENTS:
            return WebhookEvent(
                top_up_id="",
                succeeded=False,
                event_id=event_id,
                event_type=event_type,
                ignored=True,
            )
        obj = event["data"]["object"]
        metadata = obj.get("metadata") or {}
        top_up_id = metadata.get("top_up_id", "")
        if event_type == "charge.refunded" and (top_up_id or obj.get("payment_intent")):
            # A charge normally carries its intent's metadata; its intent's id
            # finds the top-up when it does not.
            return WebhookEvent(
                top_up_id=str(top_up_id),
                succeeded=True,
                event_id=event_id,
                event_type=event_type,
                refunded_total=from_minor_units(obj["amount_refunded"], obj["currency"]),
                provider_reference=str(obj.get("payment_intent") or ""),
            )
        if not top_up_id:  # a payment made some other way than a top-up
            return WebhookEvent(
                top_up_id="",
                succeeded=False,
                event_id=event_id,
                event_type=event_type,
                ignored=True,
            )
        return WebhookEvent(
            top_up_id=str(top_up_id),
            succeeded=event_type == "payment_intent.succeeded",
            event_id=event_id,
            event_type=event_type,
            provider_reference=obj["id"],
        )
