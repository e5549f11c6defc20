"""A provider-style gateway for tests: it answers `pending` with a redirect and
confirms later through a signed webhook, the way real card processors do."""

import hashlib
import hmac
import json
from typing import ClassVar

from accounts.payments import StartResult, WebhookEvent, WebhookRejected

WEBHOOK_SECRET = b"test-webhook-secret"


def sign(body: bytes) -> str:
    return hmac.new(WEBHOOK_SECRET, body, hashlib.sha256).hexdigest()


class DeferredGateway:
    name: ClassVar[str] = "deferred"
    is_sandbox: ClassVar[bool] = False

    def start(self, *, top_up) -> StartResult:
        return StartResult(
            status="pending",
            provider_reference=f"dfr-{top_up.pk}",
            redirect_url=f"https://pay.example/checkout/{top_up.pk}",
        )

    def parse_webhook(self, request) -> WebhookEvent:
        body = request.body
        if not hmac.compare_digest(request.headers.get("X-Signature", ""), sign(body)):
            raise WebhookRejected("bad signature")
        try:
            event = json.loads(body)
            return WebhookEvent(top_up_id=str(event["top_up_id"]), succeeded=bool(event["paid"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected("malformed") from exc


class BrokenGateway(DeferredGateway):
    name: ClassVar[str] = "broken"

    def start(self, *, top_up) -> StartResult:
        raise ConnectionError("provider unreachable")
