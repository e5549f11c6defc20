"""Error reports: sent only with SENTRY_DSN, tagged with the request id, and with
nothing personal in them (e-mails, IBANs, tokens, bodies, cookies)."""

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.transport import Transport

from config import sentry

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.urls")]


class MemoryTransport(Transport):
    """Keeps every event in memory instead of sending it."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope) -> None:
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)


@pytest.fixture
def sent():
    transport = MemoryTransport()
    sentry.init("https://public@sentry.example.invalid/1", environment="test", transport=transport)
    yield transport.events
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)


def test_an_unhandled_error_is_reported_with_its_request_id(sent):
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/probe/django-boom", headers={"X-Request-ID": "req-abc-123"})
    sentry_sdk.flush()

    assert response.status_code == 500
    assert sentry_sdk.get_client().options["send_default_pii"] is not True
    assert sent, "no event reached the transport"
    event = sent[-1]
    assert event["tags"]["request_id"] == "req-abc-123"
    assert response["X-Request-ID"] == "req-abc-123"


def test_personal_data_and_secrets_are_scrubbed_before_sending(sent):
    client = Client(raise_request_exception=False)
    # Built at run time: the event's source context would otherwise quote this file.
    password = "-".join(("hunter2", "long"))
    iban = "GB82 WEST 1234 5698 7654 32"
    token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYW1pbmEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    try:
        raise ValueError(f"payout to amina@example.org failed for {iban} with {token}")
    except ValueError:
        sentry_sdk.capture_exception()
    client.post(
        "/api/v1/probe/django-boom",
        data={"email": "amina@example.org", "password": password},
        headers={"Authorization": f"Bearer {token}", "Cookie": "sessionid=s3cr3t"},
    )
    client.get(
        "/api/v1/probe/django-boom?email=amina@example.org",
        headers={"Authorization": f"Bearer {token}", "Cookie": "sessionid=s3cr3t"},
    )
    sentry_sdk.flush()

    assert len(sent) >= 2
    text = repr(sent)
    for secret in ("amina@example.org", "GB82 WEST", "GB82WEST", token, "s3cr3t", password):
        assert secret not in text, secret
    assert "[Filtered]" in text
    request = next(event["request"] for event in sent if "request" in event)
    assert "data" not in request
    assert "cookies" not in request
    assert not {"authorization", "cookie"} & {name.lower() for name in request["headers"]}
    assert all("user" not in event for event in sent)


def test_scrub_masks_values_under_secret_keys_and_leaves_the_rest():
    event = {
        "extra": {"iban": "NL91ABNA0417164300", "amount": "25.00", "api_key": "k-123456789"},
        "message": "refund of 25.00 to NL91ABNA0417164300",
    }

    cleaned = sentry.scrub(event)

    assert cleaned["extra"] == {"iban": "[Filtered]", "amount": "25.00", "api_key": "[Filtered]"}
    assert cleaned["message"] == "refund of 25.00 to [Filtered]"


def test_no_dsn_no_client(settings):
    assert settings.SENTRY_DSN == ""
    assert sentry_sdk.get_client().transport is None  # nothing can be sent
