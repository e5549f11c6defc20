"""Wallet API through real HTTP: balance, history, top-ups, gateways and idempotency."""

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import LedgerTransaction, TopUp
from config.models import IdempotencyRecord
from tests.accounts.gateways import sign

pytestmark = pytest.mark.django_db


def top_up(client, amount, **headers):
    return client.post("/api/v1/wallet/top-ups", {"amount": amount}, format="json", **headers)


def test_wallet_starts_empty(auth_client):
    response = auth_client.get("/api/v1/wallet")

    assert response.status_code == 200
    assert response.json() == {"balance": "0.00", "currency": "USD"}


def test_wallet_needs_authentication(api_client):
    for path in ("/api/v1/wallet", "/api/v1/wallet/transactions"):
        assert api_client.get(path).json()["error"] == "not_authenticated"
    assert top_up(api_client, "10").status_code == 401
    assert not TopUp.objects.exists()


def test_sandbox_top_up_credits_at_once(auth_client):
    response = top_up(auth_client, "150.25")

    assert response.status_code == 201
    body = response.json()
    assert body["amount"] == "150.25"
    assert body["status"] == "succeeded"
    assert body["balance"] == "150.25"
    assert body["redirect_url"] is None
    assert auth_client.get("/api/v1/wallet").json()["balance"] == "150.25"


def test_top_up_accepts_json_number(auth_client):
    response = auth_client.generic(
        "POST", "/api/v1/wallet/top-ups", '{"amount": 19.99}', content_type="application/json"
    )

    assert response.json()["balance"] == "19.99"


@pytest.mark.parametrize(
    "raw",
    [
        '"10.001"',
        '"NaN"',
        '"Infinity"',
        '"-Infinity"',
        '"1e3"',
        "1E3",
        '"0"',
        "0",
        '"-10"',
        '"0.00"',
        '"99999999999999999999"',
        '"1000000.01"',
        "true",
        "null",
        '"ten"',
    ],
)
def test_top_up_amount_validation(auth_client, raw):
    response = auth_client.generic(
        "POST", "/api/v1/wallet/top-ups", f'{{"amount": {raw}}}', content_type="application/json"
    )

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert "amount" in body["details"]
    assert body["request_id"] == response["X-Request-ID"]
    assert not TopUp.objects.exists()
    assert not LedgerTransaction.objects.exists()


def test_top_up_ignores_computed_fields(auth_client):
    response = auth_client.post(
        "/api/v1/wallet/top-ups",
        {"amount": "5.00", "status": "failed", "balance": "1000000.00", "user": "someone"},
        format="json",
    )

    assert response.json()["balance"] == "5.00"
    assert response.json()["status"] == "succeeded"


def test_history_is_signed_with_running_balance(auth_client, other_user):
    top_up(auth_client, "100.00")
    services.wallet_adjust(
        user=auth_client.user,
        amount=Decimal("-30.50"),
        reason="fee refund reversal",
        by=other_user,
    )

    items = auth_client.get("/api/v1/wallet/transactions").json()["items"]

    assert [(i["kind"], i["amount"], i["balance_after"]) for i in items] == [
        ("adjustment", "-30.50", "69.50"),
        ("top_up", "100.00", "100.00"),
    ]
    assert items[1]["reference"] == "Top-up via sandbox"
    assert set(items[0]) == {"id", "kind", "amount", "balance_after", "reference", "created_at"}


def test_history_shows_only_my_wallet(auth_client, other_user):
    services.top_up_create(user=other_user, amount=Decimal("10"))

    assert auth_client.get("/api/v1/wallet/transactions").json()["items"] == []


def test_history_query_count_does_not_grow_with_rows(auth_client, django_assert_max_num_queries):
    for _ in range(3):
        services.top_up_create(user=auth_client.user, amount=Decimal("1"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        auth_client.get("/api/v1/wallet/transactions?limit=100")
    for _ in range(30):
        services.top_up_create(user=auth_client.user, amount=Decimal("1"))
    with CaptureQueriesContext(connection) as many:
        response = auth_client.get("/api/v1/wallet/transactions?limit=100")

    assert len(response.json()["items"]) == 33
    assert len(many) == len(few)
    with django_assert_max_num_queries(len(few)):
        auth_client.get("/api/v1/wallet/transactions?limit=100")


def test_history_paginates_with_cursor(auth_client):
    for n in range(1, 6):
        services.top_up_create(user=auth_client.user, amount=Decimal(n))

    first = auth_client.get("/api/v1/wallet/transactions?limit=2").json()
    second = auth_client.get(
        "/api/v1/wallet/transactions", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()

    assert [i["amount"] for i in first["items"]] == ["5.00", "4.00"]
    assert [i["amount"] for i in second["items"]] == ["3.00", "2.00"]


# --- idempotency ------------------------------------------------------------------------------


def test_same_key_same_body_replays_byte_for_byte(auth_client):
    first = top_up(auth_client, "40.00", HTTP_IDEMPOTENCY_KEY="key-1")
    second = top_up(auth_client, "40.00", HTTP_IDEMPOTENCY_KEY="key-1")

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert TopUp.objects.count() == 1
    assert auth_client.get("/api/v1/wallet").json()["balance"] == "40.00"


def test_same_key_different_body_is_409(auth_client):
    top_up(auth_client, "40.00", HTTP_IDEMPOTENCY_KEY="key-1")

    response = top_up(auth_client, "41.00", HTTP_IDEMPOTENCY_KEY="key-1")

    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_conflict"
    assert TopUp.objects.count() == 1


def test_keys_are_per_user(auth_client, other_user, password):
    other = APIClient()
    tokens = other.post(
        "/api/v1/auth/login", {"email": other_user.email, "password": password}, format="json"
    ).json()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")

    top_up(auth_client, "40.00", HTTP_IDEMPOTENCY_KEY="shared")
    response = top_up(other, "40.00", HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert TopUp.objects.count() == 2


def test_validation_errors_are_replayed_too(auth_client):
    first = top_up(auth_client, "-1", HTTP_IDEMPOTENCY_KEY="bad")
    second = top_up(auth_client, "-1", HTTP_IDEMPOTENCY_KEY="bad")

    assert first.status_code == second.status_code == 400
    assert first.content == second.content


def test_without_key_each_post_counts(auth_client):
    top_up(auth_client, "1.00")
    top_up(auth_client, "1.00")

    assert TopUp.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\tkey", "é"])
def test_malformed_key_is_400(auth_client, key):
    response = auth_client.post(
        "/api/v1/wallet/top-ups",
        {"amount": "1.00"},
        format="json",
        headers={"Idempotency-Key": key},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert not TopUp.objects.exists()


def test_expired_key_runs_again(auth_client):
    from datetime import timedelta

    from django.utils import timezone

    top_up(auth_client, "3.00", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    response = top_up(auth_client, "3.00", HTTP_IDEMPOTENCY_KEY="old")

    assert "Idempotent-Replayed" not in response
    assert TopUp.objects.count() == 2


def test_purge_removes_only_old_keys(auth_client):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from config.tasks import purge_idempotency_keys

    top_up(auth_client, "3.00", HTTP_IDEMPOTENCY_KEY="old")
    top_up(auth_client, "3.00", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert "Purged 1" in out.getvalue()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]

    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=2))
    result = purge_idempotency_keys.enqueue()
    assert result.return_value == 1


# --- a provider that confirms later ------------------------------------------------------------


@pytest.fixture
def deferred_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.accounts.gateways.DeferredGateway"


def webhook(client, body: dict, signature: str | None = None):
    raw = json.dumps(body).encode()
    return client.generic(
        "POST",
        "/api/v1/wallet/top-ups/webhooks/deferred",
        raw,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature or sign(raw),
    )


def test_provider_top_up_waits_for_webhook(auth_client, deferred_gateway):
    body = top_up(auth_client, "75.00").json()

    assert body["status"] == "pending"
    assert body["balance"] == "0.00"
    assert body["redirect_url"].endswith(body["id"])

    assert webhook(APIClient(), {"top_up_id": body["id"], "paid": True}).status_code == 204
    assert auth_client.get("/api/v1/wallet").json()["balance"] == "75.00"

    # Providers deliver webhooks more than once; the money arrives once.
    assert webhook(APIClient(), {"top_up_id": body["id"], "paid": True}).status_code == 204
    assert auth_client.get("/api/v1/wallet").json()["balance"] == "75.00"


def test_provider_declined_top_up_moves_nothing(auth_client, deferred_gateway):
    body = top_up(auth_client, "75.00").json()

    webhook(APIClient(), {"top_up_id": body["id"], "paid": False})

    assert TopUp.objects.get().status == "failed"
    assert not LedgerTransaction.objects.exists()


def test_forged_webhook_is_refused(auth_client, deferred_gateway):
    body = top_up(auth_client, "75.00").json()

    response = webhook(APIClient(), {"top_up_id": body["id"], "paid": True}, signature="0" * 64)

    assert response.status_code == 404
    assert TopUp.objects.get().status == "pending"


def test_sandbox_has_no_webhook(api_client):
    response = api_client.post("/api/v1/wallet/top-ups/webhooks/sandbox", {}, format="json")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_gateway_failure_is_503_and_charges_nothing(auth_client, settings):
    settings.PAYMENT_GATEWAY = "tests.accounts.gateways.BrokenGateway"

    response = top_up(auth_client, "20.00")

    assert response.status_code == 503
    assert response.json()["error"] == "payment_unavailable"
    assert TopUp.objects.get().status == "failed"
    assert not LedgerTransaction.objects.exists()
