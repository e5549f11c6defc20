"""The roles matrix's second-factor column (STAFF_MFA=required).

Every staff API row of the roles matrix (every HasPerm route, which its discovery
test keeps complete, and the owned routes staff act on by permission) and every
admin row (changelists, custom views, actions) is tried by a superuser, who holds
every permission, signed in without the second factor: with a password-only JWT
and with a session. Every cell is refused and changes nothing; a HasPerm route
answers 403 `mfa_required`. The same superuser with a token that carries the
second factor is let through wherever the permission allows, so the refusals are
the second factor's and nothing else's.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.services import auth_tokens_issue
from tests.helpers import World
from tests.security.test_authz_matrix import iter_routes
from tests.security.test_roles_matrix import (
    ADMIN_ACTIONS,
    ADMIN_VIEWS,
    ALLOWED_STATUSES,
    API_TABLE,
    CHANGELISTS,
    OWN_ACT,
    PAGE_TABLE,
    AdminRow,
    ApiRow,
    _admin_outcome,
    _api_body,
    _cell,
    _staff_gated,
    _value,
)
from tests.security.test_roles_matrix import roles_world as _roles_world

# The roles matrix's world (the module's people and the admin's subjects), for this module.
roles_world = _roles_world

ADMIN_ROWS = CHANGELISTS + ADMIN_VIEWS + ADMIN_ACTIONS


@pytest.fixture(autouse=True)
def _required(settings):
    settings.STAFF_MFA = "required"


def _gated_names() -> set[str]:
    return {
        name
        for name, route, callback in iter_routes()
        if name and route.startswith("api/") and _staff_gated(callback)
    }


GATED = _gated_names()


def _bearer(user, *, mfa: bool) -> APIClient:
    client = APIClient()
    access = auth_tokens_issue(user=user, mfa=mfa)["access_token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _api_call(client, row: ApiRow, world: World):
    url = reverse(row.name, kwargs={"pk": world.pk(row.obj)} if row.obj else {})
    if row.method == "GET":
        return client.get(url)
    return getattr(client, row.method.lower())(url, _api_body(world, row.body), format="json")


# Public reads (metal prices) are nobody's staff work.
STAFF_ROWS = [row for row in API_TABLE if row.perm is not None]


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", ["token", "session"])
@pytest.mark.parametrize("row", STAFF_ROWS, ids=lambda row: row.id)
def test_api_cell_without_the_second_factor(row: ApiRow, signed_in: str, roles_world: World):
    world = roles_world
    root = world.users["superuser"]
    if signed_in == "token":
        client = _bearer(root, mfa=False)
    else:
        client = APIClient()
        client.force_login(root)

    def run():
        response = _api_call(client, row, world)
        return response, response.status_code in ALLOWED_STATUSES

    response, allowed, changed = _cell(row.method != "GET", run)
    detail = f"{signed_in} {row.id}: {response.status_code} {response.content[:300]!r}"
    assert not allowed, detail
    assert not changed, f"refused but changed {changed}; {detail}"
    if row.name in GATED:
        assert response.status_code == 403, detail
        assert response.json()["error"] == "mfa_required", detail


@pytest.mark.django_db
@pytest.mark.parametrize("row", API_TABLE, ids=lambda row: row.id)
def test_api_cell_with_the_second_factor(row: ApiRow, roles_world: World):
    world = roles_world
    client = _bearer(world.users["superuser"], mfa=True)

    def run():
        response = _api_call(client, row, world)
        return response, response.status_code in ALLOWED_STATUSES

    response, allowed, _ = _cell(row.method != "GET", run)
    # A streamed export (the journal) is read to its end like any other body.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    detail = f"{row.id}: {response.status_code} {body[:300]!r}"
    assert allowed == (row.perm != OWN_ACT), detail
    assert b"mfa_required" not in body, detail


@pytest.mark.django_db
@pytest.mark.parametrize("row", PAGE_TABLE, ids=lambda row: row.id)
def test_page_cell_without_the_second_factor(row: ApiRow, roles_world: World):
    """The pages where staff act on other people's things (a loan's page, a receipt)."""
    world = roles_world
    client = Client()
    client.force_login(world.users["superuser"])
    url = reverse(row.name, kwargs={"pk": world.pk(row.obj)} if row.obj else {})
    write = row.method == "POST"

    def run():
        response = client.post(url, row.body or {}) if write else client.get(url)
        if write:
            return response, response.status_code == 302 and _admin_outcome(response)
        return response, response.status_code == 200

    response, allowed, changed = _cell(write, run)
    detail = f"{row.id}: {response.status_code}"
    assert not allowed, detail
    assert not changed, f"refused but changed {changed}; {detail}"


def _admin_url_and_body(row: AdminRow, world: World) -> tuple[str, dict | None]:
    if row.action:
        app_label, model_name = row.model.lower().split(".")
        from django.contrib import admin

        body = {
            "action": row.action,
            admin.helpers.ACTION_CHECKBOX_NAME: _value(world, row.obj),
            **(row.body or {}),
        }
        return reverse(f"admin:{app_label}_{model_name}_changelist"), body
    args = [world.pk(row.obj)] if row.obj else []
    body = {k: _value(world, v) for k, v in (row.body or {}).items()}
    return reverse(row.name, args=args), body


@pytest.mark.django_db
@pytest.mark.parametrize("row", ADMIN_ROWS, ids=lambda row: row.id)
def test_admin_cell_without_the_second_factor(row: AdminRow, roles_world: World):
    world = roles_world
    client = Client()
    client.force_login(world.users["superuser"])
    url, body = _admin_url_and_body(row, world)

    def run():
        response = client.get(url) if row.method == "GET" else client.post(url, body or {})
        return response, _admin_outcome(response)

    response, allowed, changed = _cell(row.method == "POST", run)
    detail = f"{row.id}: {response.status_code} {response.get('Location', '')}"
    assert not allowed, detail
    assert response.status_code == 302, detail
    assert response["Location"].startswith("/admin/login/"), detail
    assert not changed, f"refused but changed {changed}; {detail}"


@pytest.mark.django_db
@pytest.mark.parametrize("row", CHANGELISTS, ids=lambda row: row.id)
def test_admin_changelist_with_the_second_factor(row: AdminRow, roles_world: World):
    root = roles_world.users["superuser"]
    device = TOTPDevice.objects.create(user=root, name="Phone", confirmed=True)
    client = Client()
    client.force_login(root)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    assert client.get(reverse(row.name)).status_code == 200


def test_the_column_covers_every_staff_api_route():
    listed = {row.name for row in API_TABLE}
    assert GATED
    assert listed >= GATED
