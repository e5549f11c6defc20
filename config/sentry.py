"""Error reports to Sentry, when SENTRY_DSN is set (config/settings.py calls `init`).

What leaves the process is the error, where it happened and the request id (a
tag, so a report leads to the access log lines of the same request); never who
or what: `send_default_pii` is off, request bodies are never attached, and
`scrub` (before_send) removes cookies and auth headers, then replaces anything
that looks like an e-mail address, an IBAN, a bearer or JWT token, or a value
under a secret-sounding key, wherever it sits in the event (messages, exception
values, local variables, breadcrumbs).
"""

import re
from typing import Any

from config.logging import request_id_var

FILTERED = "[Filtered]"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Two letters, two check digits, 11-30 alphanumerics, spaced in fours or not.
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_BEARER = re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}")
_SECRET_KEYS = re.compile(
    r"(?i)(pass(word)?|secret|token|auth|cookie|session|csrf|iban|account_number|"
    r"email|e-mail|dsn|api_?key|otp|code)"
)
_DROP_REQUEST = ("data", "cookies", "env")


def _scrub_text(value: str) -> str:
    value = _JWT.sub(FILTERED, value)
    value = _BEARER.sub(lambda m: f"{m.group(1)} {FILTERED}", value)
    value = _EMAIL.sub(FILTERED, value)
    return _IBAN.sub(FILTERED, value)


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return FILTERED
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, dict):
        return {
            key: FILTERED
            if isinstance(key, str)
            and _SECRET_KEYS.search(key)
            and not isinstance(val, dict | list)
            else _scrub(val, depth + 1)
            for key, val in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item, depth + 1) for item in value]
    return value


def scrub(event: dict, hint: dict | None = None) -> dict:
    """before_send: tag the request id, drop bodies and credentials, mask personal data."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in _DROP_REQUEST:
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {
            name: value
            for name, value in headers.items()
            if name.lower() not in ("authorization", "cookie", "x-csrftoken", "set-cookie")
        }
        request.pop("query_string", None)
    request_id = request_id_var.get()
    if request_id and request_id != "-":
        event.setdefault("tags", {})["request_id"] = request_id
    event.pop("user", None)
    tags = event.get("tags")
    event = _scrub(event)
    if tags and "request_id" in tags:
        event["tags"]["request_id"] = tags["request_id"]
    return event


def init(dsn: str, *, environment: str, traces_sample_rate: float = 0.0, **options: Any) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        # send_default_pii stays at its default, False (passing it is deprecated in
        # sentry-sdk 2.7x); tests/config/test_sentry.py holds it there.
        max_request_body_size="never",
        include_local_variables=True,
        before_send=scrub,
        traces_sample_rate=traces_sample_rate,
        **options,
    )
