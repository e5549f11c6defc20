"""A password change or reset ends every API session: a refresh token issued
before it is refused (401 token_invalid) instead of rotating into access tokens
that authentication then refuses."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, login_tokens

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-different-long-passphrase-42"


def refresh(refresh_token):
    return APIClient().post("/api/v1/auth/refresh", {"refresh_token": refresh_token}, format="json")


def test_refresh_still_rotates_without_a_change(user):
    tokens = login_tokens(APIClient(), user.email)
    assert refresh(tokens["refresh_token"]).status_code == 200


def test_refresh_after_password_change_page_is_refused(user):
    tokens = login_tokens(APIClient(), user.email)
    pages = Client()
    pages.force_login(user)
    changed = pages.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302

    response = refresh(tokens["refresh_token"])

    assert response.status_code == 401
    assert response.json()["error"] == "token_invalid"


def test_refresh_after_password_reset_is_refused(user):
    tokens = login_tokens(APIClient(), user.email)
    user.set_password(NEW_PASSWORD)  # what the reset confirmation page does
    user.save()

    response = refresh(tokens["refresh_token"])

    assert response.status_code == 401
    assert response.json()["error"] == "token_invalid"
    # Signing in again with the new password works as usual.
    fresh = login_tokens(APIClient(), user.email, NEW_PASSWORD)
    assert refresh(fresh["refresh_token"]).status_code == 200
