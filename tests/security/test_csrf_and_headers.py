"""CSRF on every page form and on session-authenticated API calls; HTTPS-only
protections under HTTPS=1; CSP and the other security headers on every page."""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import login_tokens
from tests.helpers import World, db_snapshot, snapshot_diff
from tests.security.test_authz_matrix import PAGE_TABLE

ROOT = Path(__file__).resolve().parents[2]


def _resolve(value, world: World):
    return (
        str(world.objects[value].pk) if isinstance(value, str) and value in world.objects else value
    )


def _url(row, world: World) -> str:
    return row.url(world)


# Every page that accepts a POST, signed in as the owner (or anonymous for the
# sign-in and registration forms, which a signed-in visitor never sees).
POST_PAGES = [row for row in PAGE_TABLE if row.method == "POST"]
ANON_FORMS = {"accounts:login", "accounts:register", "accounts:password_reset"}


def _csrf_client(world: World, row) -> Client:
    client = Client(enforce_csrf_checks=True)
    if row.name not in ANON_FORMS:
        client.force_login(world.users["owner"])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("row", POST_PAGES, ids=lambda row: row.id)
def test_page_post_without_csrf_token_is_refused(row, world):
    client = _csrf_client(world, row)
    body = {k: _resolve(v, world) for k, v in (row.body or {}).items()}
    with transaction.atomic():
        before = db_snapshot()
        response = client.post(_url(row, world), body)
        changed = snapshot_diff(before, db_snapshot())
        transaction.set_rollback(True)

    assert response.status_code == 403, response.content[:300]
    assert not changed


@pytest.mark.django_db
def test_admin_action_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["superuser"])
    campaign = world.objects["draft"]
    body = {"action": "activate", "_selected_action": [str(campaign.pk)], "index": "0"}
    with transaction.atomic():
        before = db_snapshot()
        response = client.post("/admin/campaigns/campaign/", body)
        changed = snapshot_diff(before, db_snapshot())
        transaction.set_rollback(True)

    assert response.status_code == 403
    assert not changed


def _token_from_form(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert match, "the form carries no CSRF token"
    return match.group(1).decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "url", "body"),
    [
        ("wallet", "/wallet/", {"amount": "10.00"}),
        ("loans:apply", "/loans/apply/",
         {"principal_amount": "500.00", "purpose": "Seeds", "repayment_months": "6"}),
        ("campaigns:new", "/campaigns/new/",
         {"name": "A new campaign", "description": "Why.", "target_amount": "500.00",
          "start_date": "2030-01-01", "end_date": "2030-02-01"}),
        ("accounts:register", "/accounts/register/",
         {"name": "New", "email": "new@example.org", "password1": "a-long-passphrase",
          "password2": "a-long-passphrase"}),
    ],
)  # fmt: skip
def test_page_post_with_the_forms_token_works(name, url, body, world):
    client = Client(enforce_csrf_checks=True)
    if name not in ANON_FORMS:
        client.force_login(world.users["owner"])
    token = _token_from_form(client, url)
    with transaction.atomic():
        before = db_snapshot()
        response = client.post(url, {**body, "csrfmiddlewaretoken": token})
        changed = snapshot_diff(before, db_snapshot())
        transaction.set_rollback(True)

    assert response.status_code == 302, response.content[:300]
    assert changed, "the accepted form wrote nothing"


@pytest.mark.django_db
def test_admin_action_with_the_forms_token_works(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["superuser"])
    token = _token_from_form(client, "/admin/campaigns/campaign/")
    draft = world.objects["draft"]
    body = {"action": "activate", "_selected_action": [str(draft.pk)], "index": "0"}
    with transaction.atomic():
        response = client.post("/admin/campaigns/campaign/", {**body, "csrfmiddlewaretoken": token})
        draft.refresh_from_db()
        status = draft.status
        transaction.set_rollback(True)

    assert response.status_code == 302
    assert status == "active"


@pytest.mark.django_db
def test_api_with_session_needs_csrf_and_bearer_does_not(user, password):
    owner = user
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(owner)
    bearer = APIClient(enforce_csrf_checks=True)
    tokens = login_tokens(bearer, owner.email, password)
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")

    with transaction.atomic():
        before = db_snapshot()
        refused = session.post("/api/v1/wallet/top-ups", {"amount": "10.00"}, format="json")
        changed = snapshot_diff(before, db_snapshot())
        transaction.set_rollback(True)
    accepted = bearer.post("/api/v1/wallet/top-ups", {"amount": "10.00"}, format="json")

    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied"
    assert "CSRF" in refused.json()["message"]
    assert not changed
    assert accepted.status_code == 201
    # The site's own JS sends the cookie's token in the header: that works.
    session.get("/wallet/")
    token = session.cookies["csrftoken"].value
    with_header = session.post(
        "/api/v1/wallet/top-ups", {"amount": "10.00"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert with_header.status_code == 201


# --- HTTPS=1 ------------------------------------------------------------------------

HTTPS_PROBE = r"""
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
setup_test_environment()
# Production serves collectstatic's hashed files; this probe has none collected.
from django.conf import settings
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
call_command("migrate", verbosity=0)
from accounts.models import User
User.objects.create_user(email="amina@example.org", password="a-long-passphrase", name="Amina")
out = {}
plain = Client(HTTP_HOST="ose.example.org")
r = plain.get("/accounts/login/")
out["http_status"], out["http_location"] = r.status_code, r.get("Location", "")
c = Client(HTTP_HOST="ose.example.org")
r = c.get("/accounts/login/", secure=True)
out["hsts"] = r.get("Strict-Transport-Security", "")
token = c.cookies["csrftoken"].value
r = c.post("/accounts/login/", {"username": "amina@example.org", "password": "a-long-passphrase",
                                "csrfmiddlewaretoken": token}, secure=True,
           HTTP_REFERER="https://ose.example.org/accounts/login/")
out["login_status"] = r.status_code
out["cookies"] = {name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"])}
                  for name, m in c.cookies.items()}
r = c.get("/api/v1/health", secure=True)
out["api_hsts"] = r.get("Strict-Transport-Security", "")
print(json.dumps(out))
"""


def test_https_flag_turns_on_hsts_secure_cookies_and_the_redirect():
    db = Path(tempfile.gettempdir()) / f"ose-https-probe-{os.getpid()}.sqlite3"
    db.unlink(missing_ok=True)
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "HTTPS")}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": "probe-" + "k3y-0f-suff1cient-length-and-variety-" * 2,
        "ALLOWED_HOSTS": "ose.example.org",
        "DATABASE_URL": f"sqlite:///{db}",
        "CSRF_TRUSTED_ORIGINS": "https://ose.example.org",
    }
    try:
        result = subprocess.run(  # noqa: S603 - our own code with fixed arguments
            [sys.executable, "-c", HTTPS_PROBE],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    finally:
        db.unlink(missing_ok=True)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])

    assert out["http_status"] == 301
    assert out["http_location"].startswith("https://ose.example.org/accounts/login/")
    assert "max-age=31536000" in out["hsts"]
    assert "includeSubDomains" in out["hsts"]
    assert "preload" in out["hsts"]
    assert out["api_hsts"] == out["hsts"]
    assert out["login_status"] == 302
    assert out["cookies"]["sessionid"] == {"secure": True, "httponly": True}
    assert out["cookies"]["csrftoken"]["secure"] is True


# --- CSP and the other headers on every page -----------------------------------------

GET_PAGES = [
    row
    for row in PAGE_TABLE
    if row.method == "GET" and not row.name.startswith("admin:") and row.expect["owner"] == 200
]
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ELEMENT = re.compile(rb"<style[\s>]", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(rb"""<[^>]+\sstyle\s*=""", re.IGNORECASE)
EVENT_HANDLER = re.compile(rb"""<[^>]+\son[a-z]+\s*=""", re.IGNORECASE)


@pytest.mark.django_db
@pytest.mark.parametrize("row", GET_PAGES, ids=lambda row: row.id)
def test_page_has_strict_csp_and_no_inline_code(row, world):
    client = Client()
    client.force_login(world.users["owner"])

    response = client.get(_url(row, world))

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in csp.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # A download (an applicant's document) carries the headers but is no HTML page.
    html = b"" if response.streaming else response.content
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not STYLE_ELEMENT.search(html)
    assert not STYLE_ATTRIBUTE.search(html), STYLE_ATTRIBUTE.search(html).group(0)[:200]
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html).group(0)[:200]
