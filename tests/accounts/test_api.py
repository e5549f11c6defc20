"""Auth API end to end through real HTTP: register, login, refresh, logout, me."""

import base64
import json
from datetime import timedelta

import pytest
from django.test import override_settings
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import PASSWORD, login_tokens

pytestmark = pytest.mark.django_db

STRONG = "a-long-passphrase-42"


def register(client, **overrides):
    body = {"email": "amina@example.org", "password": STRONG, "name": "Amina Yusuf", **overrides}
    return client.post("/api/v1/auth/register", body, format="json")


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == code
    assert body["message"]
    assert body["request_id"] == response["X-Request-ID"]
    return body


# --- register ---------------------------------------------------------------------


def test_register_creates_user_and_returns_contract_shape(api_client):
    response = register(api_client)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "name"}
    assert body["email"] == "amina@example.org"
    user = User.objects.get(pk=body["id"])
    assert user.name == "Amina Yusuf"
    assert user.check_password(STRONG)
    assert not user.is_staff


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_register_hashes_password_with_argon2(api_client):
    register(api_client)

    assert User.objects.get().password.startswith("argon2")


def test_register_lowercases_email(api_client):
    body = register(api_client, email="  Amina@Example.ORG ").json()

    assert body["email"] == "amina@example.org"


@pytest.mark.parametrize("variant", ["amina@example.org", "AMINA@EXAMPLE.ORG", "Amina@example.org"])
def test_register_refuses_duplicate_email_in_any_case(api_client, variant):
    register(api_client)

    body = assert_error(register(api_client, email=variant), 400, "validation_error")

    assert "email" in body["details"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("weak", ["12345678", "password", "short", "amina-yusuf"])
def test_register_refuses_weak_password(api_client, weak):
    body = assert_error(register(api_client, password=weak), 400, "validation_error")

    assert body["details"]["password"]
    assert not User.objects.exists()


def test_register_ignores_is_staff_in_body(api_client):
    body = register(api_client, is_staff=True, is_superuser=True).json()

    user = User.objects.get(pk=body["id"])
    assert not user.is_staff
    assert not user.is_superuser


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-email", "password": STRONG, "name": "A"},
        {"email": "a@example.org", "password": STRONG, "name": ""},
        {"email": "a@example.org", "password": STRONG, "name": "x" * 151},
        {"email": "a@example.org", "password": STRONG, "name": "bad\x00name"},
    ],
)
def test_register_validation_errors_name_the_field(api_client, body):
    response = api_client.post("/api/v1/auth/register", body, format="json")

    body = assert_error(response, 400, "validation_error")
    assert body["details"]
    assert not User.objects.exists()


def test_register_malformed_json_is_400(api_client):
    response = api_client.generic(
        "POST", "/api/v1/auth/register", "{not json", content_type="application/json"
    )

    assert_error(response, 400, "validation_error")


# --- login ------------------------------------------------------------------------


def test_login_returns_token_pair(api_client, user):
    response = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1800


def test_login_accepts_email_in_other_case(api_client, user):
    response = api_client.post(
        "/api/v1/auth/login", {"email": user.email.upper(), "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


def test_wrong_password_and_unknown_email_answer_identically(api_client, user):
    wrong = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": "nope-nope-nope"}, format="json"
    )
    unknown = api_client.post(
        "/api/v1/auth/login", {"email": "nobody@example.org", "password": "x"}, format="json"
    )

    a = assert_error(wrong, 401, "invalid_credentials")
    b = assert_error(unknown, 401, "invalid_credentials")
    assert a["message"] == b["message"]
    assert set(a) == set(b)


def test_inactive_user_cannot_log_in(api_client, user):
    user.is_active = False
    user.save()

    response = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
    )

    assert_error(response, 401, "invalid_credentials")


# --- me and tokens ---------------------------------------------------------------------


def test_me_with_access_token(auth_client):
    response = auth_client.get("/api/v1/auth/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": str(auth_client.user.pk),
        "email": auth_client.user.email,
        "name": auth_client.user.name,
        "is_staff": False,
        "roles": [],
        "mfa_enrolled": False,
    }


def test_me_without_token_is_401(api_client):
    response = api_client.get("/api/v1/auth/me")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_with_garbage_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    assert_error(api_client.get("/api/v1/auth/me"), 401, "token_invalid")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_token_is_refused(api_client, user):
    real = login_tokens(api_client, user.email)["access_token"]
    payload = json.loads(base64.urlsafe_b64decode(real.split(".")[1] + "=="))
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert_error(api_client.get("/api/v1/auth/me"), 401, "token_invalid")


def test_tampered_token_is_refused(api_client, user, other_user):
    real = login_tokens(api_client, user.email)["access_token"]
    header, payload, signature = real.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["user_id"] = str(other_user.pk)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{_b64(claims)}.{signature}")

    assert_error(api_client.get("/api/v1/auth/me"), 401, "token_invalid")


def test_refresh_token_is_not_an_access_token(api_client, user):
    refresh = login_tokens(api_client, user.email)["refresh_token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh}")

    assert_error(api_client.get("/api/v1/auth/me"), 401, "token_invalid")


def test_access_token_expires_after_30_minutes(api_client, user):
    with freeze_time("2026-01-01 12:00:00"):
        access = login_tokens(api_client, user.email)["access_token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    with freeze_time("2026-01-01 12:29:00"):
        assert api_client.get("/api/v1/auth/me").status_code == 200
    with freeze_time("2026-01-01 12:31:00"):
        assert_error(api_client.get("/api/v1/auth/me"), 401, "token_invalid")


def test_deactivated_user_is_refused_with_still_valid_token(auth_client):
    auth_client.user.is_active = False
    auth_client.user.save()

    assert_error(auth_client.get("/api/v1/auth/me"), 401, "token_invalid")


# --- refresh and logout -----------------------------------------------------------------


def test_refresh_rotates_and_old_token_stops_working(api_client, user):
    old = login_tokens(api_client, user.email)["refresh_token"]

    first = api_client.post("/api/v1/auth/refresh", {"refresh_token": old}, format="json")
    assert first.status_code == 200
    new = first.json()
    assert set(new) == {"access_token", "refresh_token"}
    assert new["refresh_token"] != old

    reuse = api_client.post("/api/v1/auth/refresh", {"refresh_token": old}, format="json")
    assert_error(reuse, 401, "token_invalid")

    again = api_client.post(
        "/api/v1/auth/refresh", {"refresh_token": new["refresh_token"]}, format="json"
    )
    assert again.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {again.json()['access_token']}")
    assert api_client.get("/api/v1/auth/me").json()["email"] == user.email


def test_refresh_expires_after_one_day(api_client, user):
    with freeze_time("2026-01-01 12:00:00"):
        refresh = login_tokens(api_client, user.email)["refresh_token"]
    with freeze_time("2026-01-01 12:00:00") as frozen:
        frozen.tick(timedelta(days=1, seconds=1))
        response = api_client.post(
            "/api/v1/auth/refresh", {"refresh_token": refresh}, format="json"
        )

    assert_error(response, 401, "token_invalid")


def test_refresh_refused_for_inactive_user(api_client, user):
    refresh = login_tokens(api_client, user.email)["refresh_token"]
    user.is_active = False
    user.save()

    response = api_client.post("/api/v1/auth/refresh", {"refresh_token": refresh}, format="json")

    assert_error(response, 401, "token_invalid")


def test_access_token_cannot_refresh(api_client, user):
    access = login_tokens(api_client, user.email)["access_token"]

    response = api_client.post("/api/v1/auth/refresh", {"refresh_token": access}, format="json")

    assert_error(response, 401, "token_invalid")


def test_logout_revokes_refresh_token(auth_client):
    refresh = login_tokens(APIClient(), auth_client.user.email)["refresh_token"]

    response = auth_client.post("/api/v1/auth/logout", {"refresh_token": refresh}, format="json")
    assert response.status_code == 204

    after = APIClient().post("/api/v1/auth/refresh", {"refresh_token": refresh}, format="json")
    assert_error(after, 401, "token_invalid")


def test_logout_with_another_users_token_is_403(auth_client, other_user):
    theirs = login_tokens(APIClient(), other_user.email)["refresh_token"]

    response = auth_client.post("/api/v1/auth/logout", {"refresh_token": theirs}, format="json")

    assert_error(response, 403, "permission_denied")
    still = APIClient().post("/api/v1/auth/refresh", {"refresh_token": theirs}, format="json")
    assert still.status_code == 200


def test_logout_requires_authentication(api_client, user):
    refresh = login_tokens(api_client, user.email)["refresh_token"]

    response = api_client.post("/api/v1/auth/logout", {"refresh_token": refresh}, format="json")

    assert_error(response, 401, "not_authenticated")


def test_login_stamps_last_login(api_client, user):
    assert user.last_login is None

    login_tokens(api_client, user.email)

    user.refresh_from_db()
    assert user.last_login is not None
