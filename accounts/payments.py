"""Payment gateways for wallet top-ups.

A gateway is chosen by the PAYMENT_GATEWAY setting: a name registered here
("sandbox") or the dotted path of a class. Callers only ever call
accounts.services.top_up_create; the gateway decides whether the money is
confirmed at once (the sandbox) or later (a real provider: `start` answers
pending with a redirect URL for the payer, and the provider's webhook, posted
to /api/v1/wallet/top-ups/webhooks/<gateway name>, is parsed by
`parse_webhook` and settled through top_up_settle).
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import TopUp


@dataclass(frozen=True)
class StartResult:
    status: str  # "pending", "succeeded" or "failed"
    provider_reference: str
    redirect_url: str | None = None


@dataclass(frozen=True)
class WebhookEvent:
    """What a provider's webhook says about one top-up.

    `event_id` (when the provider names its events) makes the event take effect
    once however often it is delivered; `refunded_total`, set on a refund event,
    is everything refunded so far (providers report the running total, which is
    what makes a repeated or reordered refund event harmless); `ignored` is an
    authentic event that asks nothing of us (another event type, a payment that
    is not a top-up)."""

    top_up_id: str
    succeeded: bool
    event_id: str = ""
    event_type: str = ""
    refunded_total: Decimal | None = None
    ignored: bool = False
    provider_reference: str = ""  # the provider's payment id, when the event names it


class WebhookRejected(Exception):
    """The webhook is not authentic or not understood."""


class WebhookSignatureInvalid(WebhookRejected):
    """The webhook's signature does not verify (forged, altered, or too old): 400."""


@dataclass(frozen=True)
class RefundResult:
    status: str  # "succeeded", "pending" or "failed"
    provider_reference: str


class PaymentGateway(Protocol):
    name: ClassVar[str]
    is_sandbox: ClassVar[bool]

    def start(self, *, top_up: "TopUp") -> StartResult: ...

    def parse_webhook(self, request: "HttpRequest") -> WebhookEvent: ...

    # A gateway that can give money back to the card also has
    # refund(*, top_up, amount, idempotency_key) -> RefundResult.


class SandboxGateway:
    """Approves every top-up at once. For development and tests only:
    `check --deploy` warns while it is configured with DEBUG off."""

    name: ClassVar[str] = "sandbox"
    is_sandbox: ClassVar[bool] = True

    def start(self, *, top_up: "TopUp") -> StartResult:
        return StartResult(status="succeeded", provider_reference=f"sandbox-{top_up.pk}")

    def parse_webhook(self, request: "HttpRequest") -> WebhookEvent:
        raise WebhookRejected("The sandbox sends no webhooks.")


GATEWAYS = {
    "sandbox": "accounts.payments.SandboxGateway",
    "stripe": "accounts.payments_stripe.StripeGateway",
}


@cache
def _gateway_class(setting: str) -> type:
    return import_string(GATEWAYS.get(setting, setting))


def get_gateway() -> PaymentGateway:
    return _gateway_class(settings.PAYMENT_GATEWAY)()


def get_gateway_by_name(name: str) -> PaymentGateway | None:
    gateway = get_gateway()
    return gateway if gateway.name == name else None
