"""Limits: huge bodies, overlong text, NUL bytes and lone surrogates, absurd numbers.
Each is a clean 4xx that names the field, never a 500, and writes nothing."""

import json

import pytest
from django.db import models, transaction
from django.test import Client

from accounts.models import User
from campaigns.models import Campaign, Donation
from loans.models import Loan, MurabahaContract
from tests.helpers import (
    CAMPAIGN_BODY,
    RECORD_BODY,
    World,
    api_client_for,
    db_snapshot,
    snapshot_diff,
)
from zakat.models import ZakatRecord


def _send_refused(world: World, role: str, url: str, raw: bytes | str, method: str = "post"):
    """Send a raw JSON body in a savepoint; return the response and what changed."""
    with transaction.atomic():
        before = db_snapshot()
        response = getattr(api_client_for(world, role), method)(
            url, raw, content_type="application/json"
        )
        changed = snapshot_diff(before, db_snapshot())
        transaction.set_rollback(True)
    return response, changed


def _url(world: World, template: str) -> str:
    for name, obj in world.objects.items():
        template = template.replace("{" + name + "}", str(obj.pk))
    return template


# --- Body size -------------------------------------------------------------------------

FIVE_MB = 5 * 1024 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/wallet/top-ups", {"amount": "10.00"}),
        ("/api/v1/campaigns", CAMPAIGN_BODY),
        ("/api/v1/zakat/records", RECORD_BODY),
        ("/api/v1/auth/register", {"email": "a@example.org", "password": "x" * 20, "name": "A"}),
    ],
)
def test_five_megabyte_json_body_is_refused(url, body, world):
    raw = json.dumps({**body, "padding": "x" * FIVE_MB})

    response, changed = _send_refused(world, "owner", url, raw)

    assert response.status_code == 413, response.content[:300]
    assert response.json()["error"] == "request_too_large"
    assert not changed


@pytest.mark.django_db
def test_five_megabyte_page_form_is_refused(world):
    client = Client()
    client.force_login(world.users["owner"])
    with transaction.atomic():
        before = db_snapshot()
        response = client.post("/campaigns/new/", {**CAMPAIGN_BODY, "description": "x" * FIVE_MB})
        changed = snapshot_diff(before, db_snapshot())
        transaction.set_rollback(True)

    # Django refuses the oversized form before the view sees it: the site's 400 page.
    assert response.status_code == 400
    assert "<title>Bad request" in response.content.decode()
    assert not changed


# --- Text caps ------------------------------------------------------------------------

REGISTER = {"email": "new@example.org", "password": "a-long-passphrase", "name": "New"}
# (url, role, valid body, field, cap, the model field that stores it or None)
TEXT_FIELDS = [
    ("/api/v1/auth/register", "anon", REGISTER, "name", 150, (User, "name")),
    ("/api/v1/auth/register", "anon", REGISTER, "email", 254, (User, "email")),
    ("/api/v1/zakat/calculate", "owner", RECORD_BODY, "payer_id", 50, None),
    ("/api/v1/zakat/records", "owner", RECORD_BODY, "payer_id", 50, (ZakatRecord, "payer_reference")),
    ("/api/v1/campaigns", "owner", CAMPAIGN_BODY, "name", 200, (Campaign, "name")),
    ("/api/v1/campaigns", "owner", CAMPAIGN_BODY, "description", 10_000, (Campaign, "description")),
    ("/api/v1/donations", "other", {"campaign_id": "{active}", "amount": "5.00"}, "message", 500,
     (Donation, "message")),
    ("/api/v1/campaigns/{active}/donations", "other", {"amount": "5.00"}, "message", 500,
     (Donation, "message")),
    ("/api/v1/donations/{donation}/refund", "officer", {}, "reason", 1000, None),
    ("/api/v1/qard-hasan/loans", "owner",
     {"principal_amount": "500.00", "purpose": "Seeds", "repayment_months": 6}, "purpose", 500,
     (Loan, "purpose")),
    ("/api/v1/qard-hasan/loans/{loan_pending}/reject", "officer", {}, "reason", 500,
     (Loan, "rejection_reason")),
    ("/api/v1/murabaha/contracts", "owner",
     {"asset_description": "Oven", "cost_price": "800.00", "installments_count": 4},
     "asset_description", 300, (MurabahaContract, "asset_description")),
]  # fmt: skip
# Calculations and lifecycle moves answer 200; everything else creates a row (201).
ANSWERED_200 = {
    "/api/v1/zakat/calculate",
    "/api/v1/donations/{donation}/refund",
    "/api/v1/qard-hasan/loans/{loan_pending}/reject",
}
TEXT_IDS = [f"{url.split('/api/v1/')[1]}:{name}" for url, _, _, name, _, _ in TEXT_FIELDS]


def _body(world: World, base: dict, **changes) -> dict:
    return {k: _url(world, v) if isinstance(v, str) else v for k, v in {**base, **changes}.items()}


def _value(name: str, length: int) -> str:
    if name == "email":
        return "a" * (length - len("@example.org")) + "@example.org"
    return "a" * length


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "role", "base", "name", "cap", "stored"), TEXT_FIELDS, ids=TEXT_IDS
)
def test_text_one_over_the_cap_is_400_naming_the_field(url, role, base, name, cap, stored, world):
    body = _body(world, base, **{name: _value(name, cap + 1)})

    response, changed = _send_refused(world, role, _url(world, url), json.dumps(body))

    assert response.status_code == 400, response.content[:300]
    assert name in response.json()["details"]
    assert not changed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "role", "base", "name", "cap", "stored"), TEXT_FIELDS, ids=TEXT_IDS
)
def test_text_at_the_cap_is_accepted_and_fits_the_column(url, role, base, name, cap, stored, world):
    body = _body(world, base, **{name: _value(name, cap)})
    with transaction.atomic():
        response = api_client_for(world, role).post(_url(world, url), body, format="json")
        transaction.set_rollback(True)

    assert response.status_code == (200 if url in ANSWERED_200 else 201), response.content[:300]
    if stored:
        model, field_name = stored
        column = model._meta.get_field(field_name)
        if isinstance(column, models.CharField):
            assert column.max_length == cap, (
                f"{model.__name__}.{field_name} caps at the database too"
            )
        else:  # a TextField: the API and the form are the cap
            assert isinstance(column, models.TextField)


# --- NUL bytes and lone surrogates -------------------------------------------------------

BAD_TEXT = {"nul": "bad\x00text", "surrogate": "bad\ud800text"}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", BAD_TEXT)
@pytest.mark.parametrize(
    ("url", "role", "base", "name", "cap", "stored"), TEXT_FIELDS, ids=TEXT_IDS
)
def test_nul_and_lone_surrogates_are_400(url, role, base, name, cap, stored, kind, world):
    value = BAD_TEXT[kind] if name != "email" else BAD_TEXT[kind] + "@example.org"
    body = _body(world, base, **{name: value})
    raw = json.dumps(body)  # ensure_ascii: "\u0000" and "\ud800" escapes, valid JSON

    response, changed = _send_refused(world, role, _url(world, url), raw)

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"] == "validation_error"
    assert not changed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/campaigns/new/", "name"),
        ("/campaigns/new/", "description"),
        ("/loans/apply/", "purpose"),
        ("/murabaha/new/", "asset_description"),
        ("/campaigns/{active}/donate/", "message"),
    ],
)
def test_nul_in_a_page_form_is_a_form_error(url, field, world):
    client = Client()
    client.force_login(world.users["other"])
    base = {
        **CAMPAIGN_BODY,
        "amount": "5.00",
        "principal_amount": "500.00",
        "purpose": "Seeds",
        "repayment_months": "6",
        "asset_description": "Oven",
        "cost_price": "800.00",
        "down_payment": "0",
        "installments_count": "4",
    }
    with transaction.atomic():
        before = db_snapshot()
        response = client.post(_url(world, url), {**base, field: "bad\x00text"})
        changed = snapshot_diff(before, db_snapshot())
        transaction.set_rollback(True)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not changed


# --- Absurd numbers -----------------------------------------------------------------------

ABSURD = ["1e400", "-1e400", str(10**30), "-0", '"-0"', '"0x10"', '"1e3"', '"NaN"', "1.000000001"]
NUMBER_FIELDS = [
    ("/api/v1/wallet/top-ups", "owner", {"amount": "10.00"}, "amount"),
    ("/api/v1/zakat/records", "owner", RECORD_BODY, "wealth_amount"),
    ("/api/v1/campaigns", "owner", CAMPAIGN_BODY, "target_amount"),
    ("/api/v1/donations", "other", {"campaign_id": "{active}", "amount": "5.00"}, "amount"),
    ("/api/v1/qard-hasan/loans", "owner",
     {"principal_amount": "500.00", "purpose": "Seeds", "repayment_months": 6}, "principal_amount"),
    ("/api/v1/qard-hasan/loans", "owner",
     {"principal_amount": "500.00", "purpose": "Seeds", "repayment_months": 6}, "repayment_months"),
    ("/api/v1/murabaha/contracts", "owner",
     {"asset_description": "Oven", "cost_price": "800.00", "installments_count": 4},
     "installments_count"),
    ("/api/v1/qard-hasan/loans/{loan_active}/repayment", "owner", {"payment_amount": "1.00"},
     "payment_amount"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("number", ABSURD)
@pytest.mark.parametrize(
    ("url", "role", "base", "name"),
    NUMBER_FIELDS,
    ids=[f"{u.split('v1/')[1]}:{n}" for u, _, _, n in NUMBER_FIELDS],
)
def test_absurd_numbers_are_400(url, role, base, name, number, world):
    body = _body(world, base, **{name: "__N__"})
    raw = json.dumps(body).replace('"__N__"', number)

    response, changed = _send_refused(world, role, _url(world, url), raw)

    assert response.status_code == 400, (raw, response.content[:300])
    assert name in response.json().get("details", {}), response.content[:300]
    assert not changed
