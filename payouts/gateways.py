"""Payout gateways: how money leaves for a bank account.

Beside the top-up gateways (accounts/payments.py), chosen by PAYOUT_GATEWAY: a
name registered here ("sandbox") or the dotted path of a class. Callers only
ever call payouts.services; the gateway's `send` answers at once (`paid` or
`failed`) or `pending`, and then the provider's signed webhook, posted to
/api/v1/payouts/webhooks/<gateway name>, is parsed by `parse_webhook` and
settled through `payout_settle`, exactly once.

A gateway is handed the Payout and may read `payout_destination(payout)` for
the clear IBAN; it must never log it.
"""

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django.http import HttpRequest

    from payouts.models import Payout


@dataclass(frozen=True)
class SendResult:
    status: str  # "pending", "paid" or "failed"
    provider_reference: str
    failure_reason: str = ""


@dataclass(frozen=True)
class PayoutWebhookEvent:
    payout_id: str
    paid: bool
    failure_reason: str = ""


class WebhookRejected(Exception):
    """The webhook is not authentic or not understood."""


class PayoutGateway(Protocol):
    name: ClassVar[str]
    is_sandbox: ClassVar[bool]

    def send(self, *, payout: "Payout") -> SendResult: ...

    def parse_webhook(self, request: "HttpRequest") -> PayoutWebhookEvent: ...


class SandboxPayoutGateway:
    """Pays every payout at once without moving any real money. For development
    and tests only: `check --deploy` warns while it is configured."""

    name: ClassVar[str] = "sandbox"
    is_sandbox: ClassVar[bool] = True

    def send(self, *, payout: "Payout") -> SendResult:
        return SendResult(status="paid", provider_reference=f"sandbox-{payout.pk}")

    def parse_webhook(self, request: "HttpRequest") -> PayoutWebhookEvent:
        raise WebhookRejected("The sandbox sends no webhooks.")


GATEWAYS = {
    "sandbox": "payouts.gateways.SandboxPayoutGateway",
    "bankfile": "payouts.bankfile.BankFileGateway",
}


@cache
def _gateway_class(setting: str) -> type:
    return import_string(GATEWAYS.get(setting, setting))


def get_payout_gateway() -> PayoutGateway:
    return _gateway_class(settings.PAYOUT_GATEWAY)()


def get_payout_gateway_by_name(name: str) -> PayoutGateway | None:
    gateway = get_payout_gateway()
    return gateway if gateway.name == name else None
