"""The API conventions every endpoint shares: errors, pagination, throttling,
headers, versions, CORS, gzip and the docs."""

import gzip
import json
import uuid
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.urls")]

ENVELOPE = {"error", "message", "request_id"}


def envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= ENVELOPE
    assert body["error"] == code
    assert body["request_id"] == response["X-Request-ID"]
    return body


# --- error envelope ----------------------------------------------------------------


def test_401_envelope(api_client):
    envelope(api_client.get("/api/v1/probe/staff-only"), 401, "not_authenticated")


def test_403_envelope(auth_client):
    envelope(auth_client.get("/api/v1/probe/staff-only"), 403, "permission_denied")


def test_staff_passes_the_probe(staff_client):
    assert staff_client.get("/api/v1/probe/staff-only").json() == {"ok": True}


def test_404_envelope_for_unknown_api_path(api_client):
    envelope(api_client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_404_envelope_for_unknown_api_version(api_client):
    envelope(api_client.get("/api/v9/health"), 404, "not_found")


def test_405_envelope(api_client):
    envelope(api_client.get("/api/v1/auth/login"), 405, "method_not_allowed")


def test_400_envelope_has_details(api_client):
    body = envelope(
        api_client.post("/api/v1/auth/login", {"email": "x"}, format="json"),
        400,
        "validation_error",
    )
    assert body["details"] == {"password": ["This field is required."]}


def test_unhandled_exception_is_json_500_without_trace(auth_client):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=auth_client._credentials["HTTP_AUTHORIZATION"])

    response = client.get("/api/v1/probe/boom")

    body = envelope(response, 500, "internal_error")
    text = response.content.decode()
    assert "secret internal detail" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert set(body) == ENVELOPE


def test_django_level_500_under_api_is_json(db):
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/probe/django-boom")

    envelope(response, 500, "internal_error")
    assert "plain django view failure" not in response.content.decode()


def test_unsupported_media_type_envelope(api_client):
    response = api_client.post(
        "/api/v1/auth/login", "email=x", content_type="application/x-www-form-urlencoded"
    )
    envelope(response, 415, "unsupported_media_type")


def test_deeply_nested_json_is_400(api_client):
    body = "[" * 100_000 + "]" * 100_000
    response = api_client.generic(
        "POST", "/api/v1/auth/login", body, content_type="application/json"
    )
    envelope(response, 400, "validation_error")


def test_oversized_body_is_413(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    payload = json.dumps({"email": "a@b.co", "password": "x" * 5000})
    response = api_client.generic(
        "POST", "/api/v1/auth/login", payload, content_type="application/json"
    )
    envelope(response, 413, "request_too_large")


# --- money input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "expected"),
    [("10", "10.00"), ("10.5", "10.50"), ("0.01", "0.01"), (25, "25.00"), ("1500.00", "1500.00")],
)
def test_money_accepts_plain_amounts(auth_client, sent, expected):
    response = auth_client.post("/api/v1/probe/amount", {"amount": sent}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"amount": expected}


def test_money_json_number_is_exact(auth_client):
    response = auth_client.generic(
        "POST", "/api/v1/probe/amount", '{"amount": 0.1}', content_type="application/json"
    )
    assert response.json() == {"amount": "0.10"}


@pytest.mark.parametrize(
    "raw",
    [
        '"10.001"',
        "10.001",
        '"NaN"',
        "NaN",
        '"Infinity"',
        "Infinity",
        '"-Infinity"',
        '"1e3"',
        "1e3",
        '"0"',
        "0",
        '"-5"',
        "-5",
        '"12345678901234567.00"',
        "1" + "0" * 30,
        '"abc"',
        "true",
        "null",
        '""',
        '" "',
        "[]",
        "{}",
        '"1,000.00"',
        '"\\u0661\\u0662"',
    ],
)
def test_money_refuses_bad_amounts(auth_client, raw):
    response = auth_client.generic(
        "POST", "/api/v1/probe/amount", f'{{"amount": {raw}}}', content_type="application/json"
    )

    body = envelope(response, 400, "validation_error")
    if raw in ("NaN", "Infinity"):
        # A bare constant is not JSON: the parser refuses the whole document.
        assert body["message"] == f"JSON parse error - {raw} is not allowed"
        assert "details" not in body
    else:
        assert list(body["details"]) == ["amount"], body


# --- pagination ----------------------------------------------------------------------------


def test_pagination_envelope_and_cursor_walk(staff_client):
    UserFactory.create_batch(24)

    first = staff_client.get("/api/v1/probe/users?limit=10").json()
    assert set(first) == {"items", "next_cursor", "has_more"}
    assert len(first["items"]) == 10
    assert first["has_more"] is True

    seen = [row["id"] for row in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = staff_client.get("/api/v1/probe/users", {"limit": 10, "cursor": cursor}).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            assert cursor is None

    assert len(seen) == len(set(seen)) == 25  # 24 + the staff user


def test_pagination_default_limit_is_20(staff_client):
    UserFactory.create_batch(25)

    body = staff_client.get("/api/v1/probe/users").json()

    assert len(body["items"]) == 20


def test_pagination_limit_100_allowed(staff_client):
    assert staff_client.get("/api/v1/probe/users?limit=100").status_code == 200


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "", "1e2", "٣"])
def test_pagination_bad_limit_is_400(staff_client, limit):
    body = envelope(staff_client.get(f"/api/v1/probe/users?limit={limit}"), 400, "validation_error")
    assert "limit" in body["details"]


@pytest.mark.parametrize("cursor", ["garbage", "cD0yMDI0", "%00", "x" * 500])
def test_pagination_bad_cursor_is_400(staff_client, cursor):
    body = envelope(
        staff_client.get("/api/v1/probe/users", {"cursor": cursor}), 400, "validation_error"
    )
    assert "cursor" in body["details"]


def test_pagination_last_page_has_no_cursor(staff_client):
    body = staff_client.get("/api/v1/probe/users").json()

    assert body == {"items": body["items"], "next_cursor": None, "has_more": False}


# --- throttling -----------------------------------------------------------------------------


def test_user_burst_throttle_gives_429_with_retry_after(auth_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "1000/minute",
            "user_burst": "3/minute",
            "user_sustained": "1000/hour",
        },
    }
    statuses = [auth_client.get("/api/v1/auth/me").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = auth_client.get("/api/v1/auth/me")
    envelope(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_user_sustained_throttle_holds_across_the_hour(auth_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "1000/minute",
            "user_burst": "100/minute",
            "user_sustained": "3/hour",
        },
    }
    statuses = [auth_client.get("/api/v1/auth/me").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = auth_client.get("/api/v1/auth/me")
    envelope(response, 429, "throttled")
    assert 60 < int(response["Retry-After"]) <= 3600


def test_both_user_windows_cost_one_cache_read_and_one_write(auth_client, settings):
    from unittest import mock

    # Without Redis (with it: one Lua script call, tests/resilience).
    from config.api import throttling

    store = throttling.default_cache
    with (
        mock.patch.object(store, "get_many", wraps=store.get_many) as read,
        mock.patch.object(store, "set_many", wraps=store.set_many) as write,
    ):
        assert auth_client.get("/api/v1/auth/me").status_code == 200

    assert read.call_count == 1
    assert len(read.call_args.args[0]) == 2  # burst and sustained together
    assert write.call_count == 1


def test_throttle_is_per_user(auth_client, other_user, settings, password):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "1000/minute",
            "user_burst": "2/minute",
            "user_sustained": "1000/hour",
        },
    }
    for _ in range(3):
        auth_client.get("/api/v1/auth/me")
    assert auth_client.get("/api/v1/auth/me").status_code == 429

    other = APIClient()
    tokens = other.post(
        "/api/v1/auth/login", {"email": other_user.email, "password": password}, format="json"
    ).json()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert other.get("/api/v1/auth/me").status_code == 200


def test_anon_throttle_ignores_spoofed_forwarded_for(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "2/minute",
            "user_burst": "100/minute",
            "user_sustained": "1000/hour",
        },
    }
    statuses = [
        api_client.get("/api/v1/health", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
        for i in range(3)
    ]

    assert statuses == [200, 200, 429]


# --- headers ----------------------------------------------------------------------------------


def test_request_id_is_echoed(api_client):
    response = api_client.get("/api/v1/health", HTTP_X_REQUEST_ID="abc-123.XYZ")

    assert response["X-Request-ID"] == "abc-123.XYZ"


def test_request_id_generated_when_absent_or_unsafe(api_client):
    plain = api_client.get("/api/v1/health")
    hostile = api_client.get("/api/v1/health", HTTP_X_REQUEST_ID="bad id\r\nSet-Cookie: x=1")

    for response in (plain, hostile):
        assert uuid.UUID(response["X-Request-ID"])


def test_process_time_header(api_client):
    response = api_client.get("/api/v1/health")

    assert Decimal(response["X-Process-Time"]) >= 0


def test_request_id_in_error_body_matches_header(api_client):
    response = api_client.get("/api/v1/auth/me", HTTP_X_REQUEST_ID="trace-42")

    assert response.json()["request_id"] == "trace-42"


def test_access_log_line_is_structured(api_client, caplog):
    with caplog.at_level("INFO", logger="ose.access"):
        api_client.get("/api/v1/health", HTTP_X_REQUEST_ID="log-me")

    record = next(r for r in caplog.records if r.name == "ose.access")
    assert (record.request_id, record.method, record.path, record.status) == (
        "log-me",
        "GET",
        "/api/v1/health",
        200,
    )
    assert record.duration_ms >= 0
    assert record.user is None


def test_slow_request_logs_a_warning(api_client, caplog, settings):
    settings.SLOW_REQUEST_SECONDS = 0
    with caplog.at_level("INFO", logger="ose.access"):
        api_client.get("/api/v1/health")

    record = next(r for r in caplog.records if r.name == "ose.access")
    assert record.levelname == "WARNING"


def test_gzip_for_large_bodies_only(api_client):
    small = api_client.get("/api/v1/health", HTTP_ACCEPT_ENCODING="gzip")
    large = api_client.get("/api/schema/", HTTP_ACCEPT_ENCODING="gzip")

    assert "Content-Encoding" not in small
    assert large["Content-Encoding"] == "gzip"
    assert b"openapi" in gzip.decompress(large.content)


def test_cors_only_for_listed_origins(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example"]

    allowed = api_client.get("/api/v1/health", HTTP_ORIGIN="https://partner.example")
    other = api_client.get("/api/v1/health", HTTP_ORIGIN="https://evil.example")

    assert allowed["Access-Control-Allow-Origin"] == "https://partner.example"
    assert "Access-Control-Allow-Origin" not in other


def test_security_headers_on_pages(client):
    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


# --- health -----------------------------------------------------------------------------------


def test_health_ok(api_client):
    response = api_client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_503_when_database_down(api_client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)

    response = api_client.get("/api/v1/health")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


# --- docs -------------------------------------------------------------------------------------


def test_schema_is_openapi3(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in schema["paths"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_nothing_from_a_cdn(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "googleapis" not in html
    assert "/static/drf_spectacular_sidecar/" in html
