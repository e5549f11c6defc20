"""Schemathesis against our own generated schema, in-process through the WSGI app.

Every operation is fuzzed three times: as an anonymous client, as user A and as
user B. Both users have funded wallets and a few objects (zakat record, draft
and active campaign, donation, loan, murabaha contract) so that ids in paths are
sometimes real: a generated UUID is swapped for one of these ids, so the owner,
the other user and the anonymous client all reach real objects (200, 403, 404).

All built-in checks run (server errors, status codes, content types, response
schemas and headers, negative data rejection, positive data acceptance, ignored
auth, ...). Generation is derandomized, so a run is reproducible. FUZZ_EXAMPLES
(default 100) sets the examples per operation for user A; the anonymous client
and user B get a quarter of that (at least 10) to keep `make test` fast, and
`make fuzz` raises the number for a long run.
"""

import os
import uuid
import zlib
from contextlib import contextmanager
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, login_tokens
from tests.factories import UserFactory, fund_wallet

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
# User A gets the full count; the anonymous client and user B mostly re-check
# authorization on the same operations, so a tenth of it covers them.
OTHER_EXAMPLES = max(10, EXAMPLES // 10)


def on_the_postgres_pass(test):
    """`make test` fuzzes on PostgreSQL, the production database, as CI's PostgreSQL
    pass (where a skipped `postgres` test fails the run); `make fuzz` (FUZZ_EXAMPLES
    set) runs it on any database."""
    return test if "FUZZ_EXAMPLES" in os.environ else pytest.mark.postgres(test)


app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)

# The checks that expect a 2xx for every valid request cannot hold for an API
# with business rules (an unknown id is a 404, an empty wallet a 402), and the
# stateful ones need a recorded scenario; everything else runs.
NOT_APPLICABLE = {"positive_data_acceptance", "use_after_free", "ensure_resource_availability"}
CHECKS = [
    check
    for check in schemathesis.checks.CHECKS.get_all()
    if getattr(check, "__name__", "") not in NOT_APPLICABLE
]

HYPOTHESIS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
    "print_blob": False,
}


@pytest.fixture(autouse=True)
def _no_throttling_or_lockout(settings):
    """Let the fuzzer reach the endpoints: no rate limits, no sign-in lockout.

    DRF binds `throttle_classes` on every view at import, so emptying the list
    alone changes nothing for existing views; our throttles read their rates at
    call time, and a scope without a rate never throttles."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_CLASSES": [],
        "DEFAULT_THROTTLE_RATES": {},
    }
    settings.AXES_ENABLED = False


@contextmanager
def _keep_the_test_connection():
    """The WSGI app closes "old" connections around each request; Django's test
    client switches that off for its own requests (and switches it back on), so
    the fuzzer's requests must too, or PostgreSQL loses the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _populate(user, staff) -> list[str]:
    """Fund `user` and give them one of each object; return their ids."""
    from campaigns import services as campaigns
    from loans import services as loans
    from zakat import services as zakat

    fund_wallet(user, "5000.00")
    ids = []
    record = zakat.zakat_record_create(
        payer=user,
        payer_id=f"payer-{user.pk.hex[:8]}",
        wealth_amount=Decimal("10000.00"),
        nisab_threshold=Decimal("5000.00"),
    )
    ids.append(record.pk)
    draft = campaigns.campaign_create(
        organizer=user,
        name="Draft campaign for fuzzing",
        description="",
        target_amount=Decimal("1000.00"),
        start_date=_today(),
        end_date=_today(days=30),
    )
    active = campaigns.campaign_create(
        organizer=user,
        name="Active campaign for fuzzing",
        description="Blankets",
        target_amount=Decimal("1000.00"),
        start_date=_today(),
        end_date=_today(days=30),
    )
    campaigns.campaign_activate(campaign=active, by=staff)
    donation = campaigns.donation_create(
        campaign=active, donor=user, amount=Decimal("10.00"), message="", is_anonymous=False
    )
    ids += [draft.pk, active.pk, donation.pk]
    loan = loans.loan_apply(
        borrower=user, principal_amount=Decimal("1200.00"), repayment_months=12, purpose="Tools"
    )
    ids.append(loan.pk)
    contract = loans.murabaha_request(
        customer=user,
        asset_description="Delivery van",
        cost_price=Decimal("2000.00"),
        installments_count=12,
        down_payment=Decimal("0.00"),
    )
    ids.append(contract.pk)
    return [str(pk) for pk in ids]


def _today(days: int = 0):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def world(db):
    """Users A and B with money and objects, their bearer headers and all ids."""
    from zakat import services as zakat

    staff = UserFactory(password=PASSWORD, is_staff=True)
    zakat.metal_price_create(
        gold_price_per_gram=Decimal("95.00"),
        silver_price_per_gram=Decimal("1.10"),
        created_by=staff,
    )
    users = {name: UserFactory(password=PASSWORD) for name in ("a", "b")}
    ids = []
    for user in users.values():
        ids += _populate(user, staff)
    headers = {
        name: {"Authorization": f"Bearer {login_tokens(APIClient(), user.email)['access_token']}"}
        for name, user in users.items()
    }
    return {"headers": headers, "ids": ids}


def _point_at_real_objects(case, ids: list[str]) -> None:
    """Swap about half of the well-formed UUIDs in the path for real ids."""
    for name, value in (case.path_parameters or {}).items():
        try:
            uuid.UUID(str(value))
        except ValueError:
            continue
        pick = zlib.crc32(str(value).encode())
        if pick % 2:
            case.path_parameters[name] = ids[pick // 2 % len(ids)]


def _run(case, world, identity: str | None) -> None:
    _point_at_real_objects(case, world["ids"])
    # The test transport does not decompress; GZipMiddleware would answer gzip.
    headers = {"Accept-Encoding": "identity"}
    if identity:
        headers.update(world["headers"][identity])
    with _keep_the_test_connection():
        case.call_and_validate(headers=headers, checks=CHECKS)


@on_the_postgres_pass
@schema.parametrize()
@settings(max_examples=OTHER_EXAMPLES, **HYPOTHESIS)
def test_fuzz_anonymous(case, world):
    _run(case, world, None)


@on_the_postgres_pass
@schema.parametrize()
@settings(max_examples=EXAMPLES, **HYPOTHESIS)
def test_fuzz_user_a(case, world):
    _run(case, world, "a")


@on_the_postgres_pass
@schema.parametrize()
@settings(max_examples=OTHER_EXAMPLES, **HYPOTHESIS)
def test_fuzz_user_b(case, world):
    _run(case, world, "b")


# --- The fuzzer's findings, pinned as fast regression tests ---------------------------


@pytest.fixture
def api_schema(client) -> dict:
    return client.get("/api/schema/?format=json").json()


def _operations(api_schema: dict):
    for path, item in api_schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_that_authenticates_documents_401(api_schema):
    """A bad bearer token is a 401 even on public reads (the fuzzer's first find)."""
    missing = [
        label
        for label, operation in _operations(api_schema)
        if any(requirement for requirement in operation.get("security", []))
        and "401" not in operation["responses"]
    ]
    assert missing == []


def test_every_operation_documents_the_errors_its_inputs_can_cause(api_schema):
    missing = []
    for label, operation in _operations(api_schema):
        responses = operation["responses"]
        if "requestBody" in operation or any(
            parameter["in"] == "query" for parameter in operation.get("parameters", [])
        ):
            missing += [] if "400" in responses else [f"{label} 400"]
        if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
            missing += [] if "404" in responses else [f"{label} 404"]
    assert missing == []


def test_public_reads_are_documented_as_public(api_schema):
    operation = api_schema["paths"]["/api/v1/zakat/metal-prices"]["get"]
    assert {} in operation["security"]


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/campaigns?status=",
        "/api/v1/donations?campaign=",
        "/api/v1/zakat/records?payment_status=%20",
        "/api/v1/qard-hasan/loans?status=",
        "/api/v1/murabaha/contracts?status=",
    ],
)
def test_blank_filter_values_are_refused(auth_client, query):
    response = auth_client.get(query)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert list(body["details"]) == [query.split("?")[1].split("=")[0]]


def test_free_text_search_may_be_blank(api_client, db):
    assert api_client.get("/api/v1/campaigns?search=").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/auth/register",
            {"email": "a@example.org", "password": "x" * 12, "name": 0},
            "name",
        ),
        (
            "/api/v1/qard-hasan/loans",
            {"principal_amount": "100.00", "purpose": "Tools", "repayment_months": "5"},
            "repayment_months",
        ),
        (
            "/api/v1/donations",
            {"campaign_id": str(uuid.uuid4()), "amount": "5.00", "is_anonymous": "true"},
            "is_anonymous",
        ),
        ("/api/v2/zakat/calculate", {"assets": {"cash": True}}, "assets.cash"),
        ("/api/v2/zakat/calculate", {"assets": []}, "assets"),
    ],
)
def test_request_bodies_are_not_coerced(auth_client, path, body, field):
    response = auth_client.post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["details"]


def test_grams_may_be_a_json_number_as_documented(auth_client, staff_user):
    from zakat import services as zakat

    zakat.metal_price_create(
        gold_price_per_gram=Decimal("95.00"),
        silver_price_per_gram=Decimal("1.10"),
        created_by=staff_user,
    )
    response = auth_client.post(
        "/api/v2/zakat/calculate", {"assets": {"gold_grams": 100}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["zakatable_wealth"] == "9500.00"
