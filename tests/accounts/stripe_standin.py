"""A local stand-in of Stripe's HTTP API for the tests: a threaded http.server on
127.0.0.1 answering the calls the Stripe gateway makes with Stripe's JSON
shapes, and signing webhook events exactly as Stripe does.

Test cards by payment method (Stripe's own test tokens):
    pm_card_visa                   succeeds at once
    pm_card_threeDSecure2Required  requires_action with a 3-D Secure redirect
    pm_card_chargeDeclined         402 card_error, the intent left requiring a method
    (none)                         requires_payment_method
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

SECRET_KEY = "sk_test_standin_0123456789"
WEBHOOK_SECRET = "whsec_standin_0123456789abcdef"

_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_standin{next(_ids):08d}"


def _nested(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding: metadata[top_up_id]=... becomes {"metadata": {...}}."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        target = out
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out


class StripeStandIn:
    def __init__(self) -> None:
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.sessions: dict[str, str] = {}  # checkout session -> its payment intent
        self.requests: list[dict] = []  # {method, path, idempotency_key, params}
        self._replies: dict[str, tuple[int, dict]] = {}  # by Idempotency-Key, like Stripe
        self.fail_next: int = 0  # answer this many of the next calls with a 500
        self.lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", _id("req"))
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = _nested(
                    parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
                )
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    self._answer(
                        401,
                        {
                            "error": {
                                "type": "invalid_request_error",
                                "message": "Invalid API Key provided",
                            }
                        },
                    )
                    return
                key = self.headers.get("Idempotency-Key")
                with standin.lock:
                    standin.requests.append(
                        {
                            "method": method,
                            "path": self.path,
                            "idempotency_key": key,
                            "params": params,
                        }
                    )
                    if standin.fail_next:
                        standin.fail_next -= 1
                        self._answer(500, {"error": {"type": "api_error", "message": "boom"}})
                        return
                    if key and key in standin._replies:
                        self._answer(*standin._replies[key])
                        return
                    status, body = standin.route(method, self.path, params)
                    if key and method == "POST":
                        standin._replies[key] = (status, body)
                self._answer(status, body)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "StripeStandIn":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the API -----------------------------------------------------------------------

    def route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/payment_intents":
            return self._create_intent(params)
        if method == "GET" and path.startswith("/v1/payment_intents/"):
            intent = self.intents.get(path.rsplit("/", 1)[1])
            if intent is None:
                return 404, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": "No such intent",
                    }
                }
            return 200, intent
        if method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session_id = path.rsplit("/", 1)[1]
            if session_id not in self.sessions:
                return 404, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": "No such session",
                    }
                }
            intent = self.intents[self.sessions[session_id]]
            paid = intent["status"] == "succeeded"
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "payment_intent": intent["id"] if paid else None,
                "payment_status": "paid" if paid else "unpaid",
                "status": "complete" if paid else "open",
            }
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        return 404, {"error": {"type": "invalid_request_error", "message": f"No route {path}"}}

    def _create_intent(self, params: dict) -> tuple[int, dict]:
        intent_id = _id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_received": 0,
            "currency": params["currency"],
            "client_secret": f"{intent_id}_secret_standin",
            "created": int(time.time()),
            "description": params.get("description"),
            "latest_charge": None,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "next_action": None,
            "payment_method": params.get("payment_method"),
            "status": "requires_payment_method",
            "last_payment_error": None,
        }
        self.intents[intent_id] = intent
        method = params.get("payment_method")
        if params.get("confirm") != "true" or not method:
            return 200, intent
        if method == "pm_card_visa":
            self.succeed(intent_id)
        elif method == "pm_card_threeDSecure2Required":
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"https://hooks.stripe.com/3d_secure_2/hosted?payment_intent={intent_id}",
                    "return_url": params.get("return_url"),
                },
            }
        elif method == "pm_card_chargeDeclined":
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            }
            intent["last_payment_error"] = error
            return 402, {"error": {**error, "payment_intent": intent}}
        return 200, intent

    def _create_session(self, params: dict) -> tuple[int, dict]:
        """A hosted payment page; its PaymentIntent exists (unpaid) with the
        session's payment_intent_data, as Stripe makes it when the payer arrives."""
        item = params["line_items"]["0"]
        _, intent = self._create_intent(
            {
                "amount": item["price_data"]["unit_amount"],
                "currency": item["price_data"]["currency"],
                "metadata": params.get("payment_intent_data", {}).get("metadata", {}),
            }
        )
        session_id = _id("cs")
        self.sessions[session_id] = intent["id"]
        return 200, {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": intent["amount"],
            "client_reference_id": params.get("client_reference_id"),
            "currency": intent["currency"],
            "metadata": params.get("metadata", {}),
            "mode": params["mode"],
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }

    def succeed(self, intent_id: str) -> dict:
        intent = self.intents[intent_id]
        intent["status"] = "succeeded"
        intent["next_action"] = None
        intent["amount_received"] = intent["amount"]
        intent["latest_charge"] = intent.get("latest_charge") or _id("ch")
        return intent

    def charge(self, intent_id: str) -> dict:
        intent = self.intents[intent_id]
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent_id
        )
        return {
            "id": intent["latest_charge"] or _id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": refunded,
            "currency": intent["currency"],
            "metadata": intent["metadata"],
            "payment_intent": intent_id,
            "refunded": refunded == intent["amount"],
            "status": "succeeded",
        }

    def _create_refund(self, params: dict) -> tuple[int, dict]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "message": "This PaymentIntent has no successful charge.",
                }
            }
        amount = int(params.get("amount", intent["amount"]))
        already = self.charge(intent["id"])["amount_refunded"]
        if amount + already > intent["amount"]:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_already_refunded",
                    "message": "Refund amount is greater than unrefunded amount.",
                }
            }
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "charge": intent["latest_charge"],
            "currency": intent["currency"],
            "metadata": params.get("metadata", {}),
            "payment_intent": intent["id"],
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return 200, refund


# --- webhooks ------------------------------------------------------------------------------


def event(event_type: str, obj: dict) -> dict:
    return {
        "id": _id("evt"),
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """Stripe's Stripe-Signature header: t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def post_event(client, body: dict, *, header: str | None = None):
    payload = json.dumps(body).encode()
    return client.generic(
        "POST",
        "/api/v1/wallet/top-ups/webhooks/stripe",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header if header is not None else signature(payload),
    )
