"""Sign-in lockout: the sixth failure in a row for one email from one address
locks that pair out for 15 minutes, on the API, the pages and the admin alike."""

import pytest
from django.test import Client
from freezegun import freeze_time
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = "2026-03-01 10:00:00"


def api_login(client, email, password, ip="10.1.1.1"):
    return client.post(
        "/api/v1/auth/login",
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
    )


def page_login(client, path, email, password, ip="10.1.1.1"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("exists", [True, False])
def test_api_sixth_failure_locks_out_for_15_minutes(user, exists):
    email = user.email if exists else "nobody@example.org"
    client = APIClient()

    with freeze_time(START) as clock:
        first_five = [api_login(client, email, "wrong-password").status_code for _ in range(5)]
        sixth = api_login(client, email, "wrong-password")

        assert first_five == [401] * 5
        assert sixth.status_code == 429
        body = sixth.json()
        assert body["error"] == "throttled"
        assert body["request_id"] == sixth["X-Request-ID"]
        assert sixth["Retry-After"] == "900"

        # Even the right password is refused while locked.
        assert api_login(client, email, PASSWORD).status_code == 429

        clock.tick(14 * 60)
        assert api_login(client, email, PASSWORD).status_code == 429

        clock.tick(2 * 60)
        after = api_login(client, email, PASSWORD)
        assert after.status_code == (200 if exists else 401)


def test_lockout_answer_is_the_same_for_unknown_and_known_emails(user):
    client = APIClient()
    with freeze_time(START):
        for _ in range(6):
            known = api_login(client, user.email, "wrong", ip="10.0.0.1")
            unknown = api_login(client, "ghost@example.org", "wrong", ip="10.0.0.2")

    assert known.status_code == unknown.status_code == 429
    a, b = known.json(), unknown.json()
    assert (a["error"], a["message"]) == (b["error"], b["message"])


def test_lockout_is_per_email_and_address(user, other_user):
    client = APIClient()
    with freeze_time(START):
        for _ in range(6):
            api_login(client, user.email, "wrong", ip="10.0.0.1")

        assert api_login(client, user.email, PASSWORD, ip="10.0.0.1").status_code == 429
        assert api_login(client, user.email, PASSWORD, ip="10.0.0.9").status_code == 200
        assert api_login(client, other_user.email, PASSWORD, ip="10.0.0.1").status_code == 200


def test_email_case_does_not_dodge_the_count(user):
    client = APIClient()
    with freeze_time(START):
        for n in range(5):
            email = user.email.upper() if n % 2 else user.email
            api_login(client, email, "wrong")

        assert api_login(client, user.email.title(), "wrong").status_code == 429


def test_spoofed_forwarded_for_does_not_reset_the_count(user):
    client = APIClient()
    with freeze_time(START):
        for n in range(5):
            client.post(
                "/api/v1/auth/login",
                {"email": user.email, "password": "wrong"},
                format="json",
                REMOTE_ADDR="10.1.1.1",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
            )
        response = client.post(
            "/api/v1/auth/login",
            {"email": user.email, "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.1.1.1",
            HTTP_X_FORWARDED_FOR="192.0.2.99",
        )

    assert response.status_code == 429


def test_a_success_resets_the_run_of_failures(user):
    client = APIClient()
    with freeze_time(START):
        for _ in range(5):
            api_login(client, user.email, "wrong")
        assert api_login(client, user.email, PASSWORD).status_code == 200
        for _ in range(5):
            assert api_login(client, user.email, "wrong").status_code == 401


def test_the_admin_login_takes_no_password_and_sends_to_the_site_sign_in(staff_user):
    """The admin's own login form would be a password-only way in: it is gone. Posting
    a password to it signs nobody in; it sends to /accounts/login/ (code step there)."""
    client = Client()
    response = client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", ["/accounts/login/"])
def test_page_and_admin_login_lock_out_too(staff_user, path):
    client = Client()
    with freeze_time(START) as clock:
        statuses = [
            page_login(client, path, staff_user.email, "wrong").status_code for _ in range(5)
        ]
        locked = page_login(client, path, staff_user.email, "wrong")
        still = page_login(client, path, staff_user.email, PASSWORD)

        assert statuses == [200] * 5  # the form again, with its error
        assert locked.status_code == still.status_code == 429
        assert "Too many failed sign-in attempts" in still.content.decode()
        assert "<html" in still.content.decode()

        clock.tick(16 * 60)
        assert page_login(client, path, staff_user.email, PASSWORD).status_code == 302


def test_api_and_page_share_one_count(user):
    with freeze_time(START):
        for _ in range(3):
            api_login(APIClient(), user.email, "wrong")
        for _ in range(3):
            last = page_login(Client(), "/accounts/login/", user.email, "wrong")

    assert last.status_code == 429
