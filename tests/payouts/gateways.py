"""Provider-style payout gateways for tests: one answers `pending` and settles by a
signed webhook, the way real payout providers do; others fail or break."""

import hashlib
import hmac
import json
from typing import ClassVar

from payouts.gateways import PayoutWebhookEvent, SendResult, WebhookRejected

WEBHOOK_SECRET = b"test-payout-webhook-secret"
SENT: list[str] = []  # the destinations handed over, to prove the gateway got the IBAN


def sign(body: bytes) -> str:
    return hmac.new(WEBHOOK_SECRET, body, hashlib.sha256).hexdigest()


def event_body(payout_id, status: str = "paid", reason: str = "") -> bytes:
    return json.dumps({"payout_id": str(payout_id), "status": status, "reason": reason}).encode()


class DeferredPayoutGateway:
    name: ClassVar[str] = "deferred"
    is_sandbox: ClassVar[bool] = False

    def send(self, *, payout) -> SendResult:
        from payouts.services import payout_destination

        SENT.append(payout_destination(payout))
        return SendResult(status="pending", provider_reference=f"po-{payout.pk}")

    def parse_webhook(self, request) -> PayoutWebhookEvent:
        body = request.body
        if not hmac.compare_digest(request.headers.get("X-Signature", ""), sign(body)):
            raise WebhookRejected("bad signature")
        try:
            event = json.loads(body)
            if event["status"] not in ("paid", "failed"):
                raise ValueError(event["status"])
            return PayoutWebhookEvent(
                payout_id=str(event["payout_id"]),
                paid=event["status"] == "paid",
                failure_reason=str(event.get("reason", ""))[:200],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected("malformed") from exc


class FailingPayoutGateway(DeferredPayoutGateway):
    name: ClassVar[str] = "failing"

    def send(self, *, payout) -> SendResult:
        return SendResult(
            status="failed", provider_reference=f"fl-{payout.pk}", failure_reason="account closed"
        )


class BrokenPayoutGateway(DeferredPayoutGateway):
    name: ClassVar[str] = "broken"

    def send(self, *, payout) -> SendResult:
        raise ConnectionError("provider unreachable")
