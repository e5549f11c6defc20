"""A second factor for staff (issue 22): enrolment, the code step of sign-in on the
pages, the API and the admin, recovery codes, lockout, removal, the four-eyes reset,
and the gate (STAFF_MFA=required) that refuses staff without the code.

Time is frozen (freezegun) so the authenticator's codes are known; a TOTP step is 30
seconds, and a code spent in one step is refused for the rest of it.
"""

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import RecoveryCode
from accounts.services import auth_tokens_issue, mfa
from staff import services as staff_services
from staff.models import Approval, AuditEvent
from staff.permissions import user_can
from tests.accounts.mfa import code_at, enrol
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db

START = "2026-03-01 10:00:00"
STAFF_API = "/api/v1/approvals"  # HasPerm("staff.staff_read"): any role may read it


@pytest.fixture
def required(settings):
    settings.STAFF_MFA = "required"


def _login(client: APIClient, email: str, password: str = PASSWORD, ip: str = "10.2.2.2"):
    return client.post("/api/v1/auth/login", {"email": email, "password": password}, REMOTE_ADDR=ip)


def _login_mfa(client: APIClient, token: str, code: str, ip: str = "10.2.2.2"):
    return client.post("/api/v1/auth/login/mfa", {"mfa_token": token, "code": code}, REMOTE_ADDR=ip)


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_id=str(user.pk), action__startswith="mfa.")
        .order_by("at")
        .values_list("action", flat=True)
    )


# --- enrolment ------------------------------------------------------------------------


def test_enrolment_confirms_the_device_and_issues_ten_hashed_single_use_codes():
    user = staff_with("finance")
    with freeze_time(START):
        device, codes = enrol(user)

    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == len(set(codes)) == 10
    rows = list(RecoveryCode.objects.filter(user=user))
    assert len(rows) == 10
    stored = " ".join(row.code_hash for row in rows)
    assert not any(code.replace("-", "") in stored for code in codes)  # never in plain text
    assert all(
        any(check_password(code.replace("-", ""), row.code_hash) for row in rows) for code in codes
    )
    assert _actions(user) == ["mfa.enrolled"]


def test_a_wrong_first_code_confirms_nothing():
    user = staff_with("finance")
    with freeze_time(START):
        device = mfa.mfa_enrol_start(user=user)
        wrong = f"{(int(code_at(device)) + 1) % 1_000_000:06d}"
        with pytest.raises(ValidationError) as refused:
            mfa.mfa_enrol_confirm(user=user, code=wrong)

    assert "code" in refused.value.message_dict
    assert not mfa.mfa_enrolled(user=user)
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_the_enrolment_page_shows_the_qr_code_and_secret_then_the_codes_once():
    user = staff_with("finance")
    client = Client()
    client.force_login(user)
    with freeze_time(START):
        page = client.get("/accounts/mfa/enrol/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html  # drawn on the server, no outside service
        secret = page.context["secret"]
        assert secret in html
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        assert mfa.totp_secret(device) == secret

        bad = client.post("/accounts/mfa/enrol/", {"code": "000000"})
        assert bad.status_code == 200
        assert bad.context["form"].errors["code"]

        done = client.post("/accounts/mfa/enrol/", {"code": code_at(device)})

        assert done.status_code == 200
        codes = done.context["codes"]
        assert len(codes) == 10
        assert all(code in done.content.decode() for code in codes)
        assert mfa.mfa_enrolled(user=user)
        # Shown once: the status page counts them, never shows them again.
        status = client.get("/accounts/mfa/")
        assert status.context["codes_left"] == 10
        assert codes[0] not in status.content.decode()
        # A second enrolment is refused while one exists.
        assert client.get("/accounts/mfa/enrol/").status_code == 302


def test_the_account_menu_links_the_second_factor_page(user):
    client = Client()
    client.force_login(user)

    assert 'href="/accounts/mfa/"' in client.get("/").content.decode()


# --- sign-in through the API ------------------------------------------------------------


def test_api_sign_in_asks_for_the_code_then_issues_tokens_that_carry_it(required):
    user = staff_with("finance")
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        clock.tick(30)
        first = _login(APIClient(), user.email)
        body = first.json()
        assert first.status_code == 200
        assert body["mfa_required"] is True
        assert "access_token" not in body
        assert "refresh_token" not in body

        second = _login_mfa(APIClient(), body["mfa_token"], code_at(device))

        assert second.status_code == 200, second.content
        pair = second.json()
        assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
        assert AccessToken(pair["access_token"])["mfa"] is True
        client = _bearer(pair["access_token"])
        assert client.get(STAFF_API).status_code == 200
        me = client.get("/api/v1/auth/me").json()
        assert me["mfa_enrolled"] is True

        # Refreshing keeps the second factor.
        refreshed = APIClient().post(
            "/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}
        )
        assert refreshed.status_code == 200
        assert _bearer(refreshed.json()["access_token"]).get(STAFF_API).status_code == 200


def test_old_reused_and_wrong_codes_are_refused(required):
    user = staff_with("finance")
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        clock.tick(30)
        old = code_at(device)  # what the app showed 90 seconds before it is typed
        clock.tick(90)
        token = _login(APIClient(), user.email).json()["mfa_token"]
        too_old = _login_mfa(APIClient(), token, old)
        wrong = _login_mfa(APIClient(), token, f"{(int(code_at(device)) + 1) % 1_000_000:06d}")
        clock.tick(2)  # django-otp's own delay after a wrong code (1 s, then 2 s...)
        current = code_at(device)
        ok = _login_mfa(APIClient(), token, current)
        clock.tick(5)
        replay_token = _login(APIClient(), user.email).json()["mfa_token"]
        replayed = _login_mfa(APIClient(), replay_token, current)  # same 30 s step

    for refused in (too_old, wrong, replayed):
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_credentials"
    assert ok.status_code == 200
    assert _actions(user).count("mfa.failed") == 3


def test_the_mfa_token_is_single_use_short_lived_and_signed(required):
    user = staff_with("finance")
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        clock.tick(30)
        token = _login(APIClient(), user.email).json()["mfa_token"]
        assert _login_mfa(APIClient(), token, code_at(device)).status_code == 200
        clock.tick(30)
        spent = _login_mfa(APIClient(), token, code_at(device))

        late = _login(APIClient(), user.email).json()["mfa_token"]
        clock.tick(6 * 60)
        expired = _login_mfa(APIClient(), late, code_at(device))
        forged = _login_mfa(APIClient(), token[:-3] + "abc", code_at(device))
        malformed = APIClient().post("/api/v1/auth/login/mfa", {"mfa_token": token})

    for refused in (spent, expired, forged):
        assert refused.status_code == 401
        assert refused.json()["error"] == "token_invalid"
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "validation_error"


def test_a_recovery_code_works_once(required):
    user = staff_with("finance")
    with freeze_time(START):
        _, codes = enrol(user)
        token = _login(APIClient(), user.email).json()["mfa_token"]
        used = _login_mfa(APIClient(), token, codes[3].upper())  # case and dash do not matter
        again_token = _login(APIClient(), user.email).json()["mfa_token"]
        again = _login_mfa(APIClient(), again_token, codes[3])

        assert used.status_code == 200
        assert AccessToken(used.json()["access_token"])["mfa"] is True
        assert again.status_code == 401
        assert mfa.recovery_codes_left(user=user) == 9
        assert "mfa.recovery_code_used" in _actions(user)


def test_wrong_codes_count_toward_the_sign_in_lockout(required):
    """Five wrong codes answer 401, the sixth locks the email and address out (429)
    for 15 minutes, even for the right code; the count is the passwords' count."""
    user = staff_with("finance")
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        clock.tick(30)
        token = _login(APIClient(), user.email).json()["mfa_token"]
        wrong = f"{(int(code_at(device)) + 1) % 1_000_000:06d}"
        answers = []
        for _ in range(6):
            answers.append(_login_mfa(APIClient(), token, wrong).status_code)
            clock.tick(1)
        locked = _login_mfa(APIClient(), token, code_at(device))
        password_too = _login(APIClient(), user.email)
        elsewhere = _login_mfa(APIClient(), token, code_at(device), ip="10.9.9.9")

        assert answers == [401] * 5 + [429]
        assert locked.status_code == 429
        assert locked["Retry-After"] == "900"
        assert password_too.status_code == 429
        assert elsewhere.status_code != 429  # the lock is per email and address

        clock.tick(16 * 60)
        token = _login(APIClient(), user.email).json()["mfa_token"]
        assert _login_mfa(APIClient(), token, code_at(device)).status_code == 200


# --- sign-in on the pages and the admin -------------------------------------------------


def test_page_sign_in_asks_for_the_code_before_signing_in(required):
    user = staff_with("finance")
    client = Client()
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        clock.tick(30)
        step = client.post(
            "/accounts/login/?next=/admin/",
            {"username": user.email, "password": PASSWORD, "next": "/admin/"},
        )
        assert step.status_code == 302
        assert step["Location"].startswith("/accounts/login/mfa/")
        assert "_auth_user_id" not in client.session  # not signed in yet
        assert client.get("/admin/").status_code == 302

        page = client.get(step["Location"])
        assert page.status_code == 200
        wrong = client.post("/accounts/login/mfa/", {"code": "000000", "next": "/admin/"})
        assert wrong.status_code == 200
        assert wrong.context["form"].errors["code"]
        clock.tick(2)

        done = client.post("/accounts/login/mfa/", {"code": code_at(device), "next": "/admin/"})

        assert done.status_code == 302
        assert done["Location"] == "/admin/"
        assert client.session["_auth_user_id"] == str(user.pk)
        assert client.get("/admin/").status_code == 200


def test_the_code_step_expires_after_five_minutes(required):
    user = staff_with("finance")
    client = Client()
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        clock.tick(30)
        client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
        clock.tick(6 * 60)
        late = client.post("/accounts/login/mfa/", {"code": code_at(device)})

    assert late.status_code == 302
    assert late["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_staff_without_a_second_factor_are_sent_to_enrol_and_kept_out(required):
    """Under STAFF_MFA=required: a role holder who signed in with a password alone
    is sent to enrolment, kept out of the admin, and refused by the API."""
    user = staff_with("loan_officer")
    client = Client()
    signed_in = client.post(
        "/accounts/login/?next=/admin/",
        {"username": user.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"].startswith("/accounts/mfa/enrol/")

    admin = client.get("/admin/", follow=True)
    assert admin.redirect_chain[-1][0].startswith("/accounts/mfa/")

    tokens = _login(APIClient(), user.email).json()
    assert "access_token" in tokens  # no device yet: the password signs in...
    refused = _bearer(tokens["access_token"]).get(STAFF_API)
    assert refused.status_code == 403  # ...but staff actions wait for the second factor
    assert refused.json()["error"] == "mfa_required"
    session_api = client.get(STAFF_API)
    assert session_api.status_code == 403
    assert session_api.json()["error"] == "mfa_required"


def test_a_signed_in_session_is_verified_by_the_code_page(required):
    user = staff_with("finance")
    client = Client()
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        client.force_login(user)  # signed in, no code given in this session
        assert client.get("/admin/").status_code == 302
        login = client.get("/admin/login/?next=/admin/")
        assert login["Location"].startswith("/accounts/login/mfa/")
        clock.tick(30)
        done = client.post("/accounts/login/mfa/", {"code": code_at(device), "next": "/admin/"})

        assert done["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200


# --- who is asked ---------------------------------------------------------------------------


def test_donors_sign_in_with_a_password_alone_and_never_meet_mfa_required(required, user):
    tokens = _login(APIClient(), user.email).json()
    client = _bearer(tokens["access_token"])

    assert "access_token" in tokens
    for path in ("/api/v1/auth/me", "/api/v1/wallet", "/api/v1/zakat/records", STAFF_API):
        response = client.get(path)
        assert response.status_code in (200, 403), path
        assert "mfa_required" not in response.content.decode(), path
    page = Client()
    assert (
        page.post("/accounts/login/", {"username": user.email, "password": PASSWORD})["Location"]
        == "/"
    )


def test_a_donor_who_opts_in_is_asked_for_the_code(required, user):
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        clock.tick(30)
        body = _login(APIClient(), user.email).json()
        pair = _login_mfa(APIClient(), body["mfa_token"], code_at(device))

    assert body["mfa_required"] is True
    assert pair.status_code == 200


def test_optional_lets_unenrolled_staff_act_and_still_asks_the_enrolled(settings):
    settings.STAFF_MFA = "optional"
    plain, enrolled = staff_with("finance"), staff_with("finance")
    with freeze_time(START):
        enrol(enrolled)
        tokens = _login(APIClient(), plain.email).json()
        asked = _login(APIClient(), enrolled.email).json()
        assert _bearer(tokens["access_token"]).get(STAFF_API).status_code == 200

    assert asked["mfa_required"] is True


def test_a_superuser_counts_as_holding_the_roles(required):
    root = UserFactory(is_staff=True, is_superuser=True, roles=[])
    access = auth_tokens_issue(user=root)["access_token"]

    refused = _bearer(access).get(STAFF_API)

    assert refused.status_code == 403
    assert refused.json()["error"] == "mfa_required"
    verified = auth_tokens_issue(user=root, mfa=True)["access_token"]
    assert _bearer(verified).get(STAFF_API).status_code == 200


def test_services_called_outside_the_web_are_not_asked(required):
    """The gate is the web's: the shell and the services' tests hand in plain users."""
    finance = staff_with("finance")

    assert user_can(finance, "staff.wallet_adjustment_request")


def test_an_unverified_staff_member_acts_as_nobody_s_staff_on_owned_routes(required):
    """Owned routes check the permission in the service (user_can): without the code
    a staff member may not edit someone else's record there."""
    from tests.helpers import build_world

    world = build_world()
    officer = staff_with("zakat_officer")
    url = f"/api/v1/zakat/records/{world.objects['record'].pk}"
    body = {"wealth_amount": "12000.00"}

    refused = _bearer(auth_tokens_issue(user=officer)["access_token"]).patch(url, body)
    allowed = _bearer(auth_tokens_issue(user=officer, mfa=True)["access_token"]).patch(url, body)

    assert refused.status_code == 403
    assert allowed.status_code == 200


# --- removal, replacement and reset -------------------------------------------------------


def test_removal_needs_the_password_and_a_current_code():
    user = staff_with("finance")
    client = Client()
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        client.force_login(user)
        clock.tick(30)
        wrong_password = client.post(
            "/accounts/mfa/remove/", {"password": "nope", "code": code_at(device)}
        )
        assert wrong_password.context["form"].errors["password"]
        wrong_code = client.post("/accounts/mfa/remove/", {"password": PASSWORD, "code": "1"})
        assert wrong_code.context["form"].errors["code"]
        assert mfa.mfa_enrolled(user=user)
        clock.tick(30)
        removed = client.post(
            "/accounts/mfa/remove/", {"password": PASSWORD, "code": code_at(device)}
        )

    assert removed.status_code == 302
    assert not mfa.mfa_enrolled(user=user)
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert "mfa.removed" in _actions(user)


def test_replacing_removes_then_enrols_a_new_authenticator():
    user = staff_with("finance")
    client = Client()
    with freeze_time(START) as clock:
        device, _ = enrol(user)
        client.force_login(user)
        clock.tick(30)
        replaced = client.post(
            "/accounts/mfa/replace/", {"password": PASSWORD, "code": code_at(device)}
        )
        assert replaced["Location"] == "/accounts/mfa/enrol/"
        page = client.get("/accounts/mfa/enrol/")
        new_device = TOTPDevice.objects.get(user=user, confirmed=False)
        assert new_device.pk != device.pk
        client.post("/accounts/mfa/enrol/", {"code": code_at(new_device)})

    assert page.status_code == 200
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [
        new_device.pk
    ]


def test_an_administrator_resets_another_s_device_with_a_second_administrator(required):
    lost, asker, checker = (
        staff_with("finance"),
        staff_with("administrator"),
        staff_with("administrator"),
    )
    with freeze_time(START):
        enrol(lost)
    asked = _bearer(auth_tokens_issue(user=asker, mfa=True)["access_token"]).post(
        f"/api/v1/users/{lost.pk}/mfa-reset", {"reason": "Phone stolen; checked in person"}
    )
    assert asked.status_code == 202, asked.content
    approval = asked.json()["approval"]
    assert (approval["kind"], approval["status"]) == ("mfa_reset", "pending")
    assert mfa.mfa_enrolled(user=lost)  # nothing happens on one person's word

    own = _bearer(auth_tokens_issue(user=asker, mfa=True)["access_token"]).post(
        f"/api/v1/users/{asker.pk}/mfa-reset", {"reason": "Mine"}
    )
    assert (own.status_code, own.json()["error"]) == (403, "conflict_of_interest")
    self_approve = _bearer(auth_tokens_issue(user=asker, mfa=True)["access_token"]).post(
        f"/api/v1/approvals/{approval['id']}/approve"
    )
    assert (self_approve.status_code, self_approve.json()["error"]) == (
        403,
        "four_eyes_required",
    )
    finance = _bearer(auth_tokens_issue(user=staff_with("finance"), mfa=True)["access_token"])
    assert finance.post(f"/api/v1/approvals/{approval['id']}/approve").status_code == 403

    approved = _bearer(auth_tokens_issue(user=checker, mfa=True)["access_token"]).post(
        f"/api/v1/approvals/{approval['id']}/approve"
    )

    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "executed"
    assert not mfa.mfa_enrolled(user=lost)
    assert not RecoveryCode.objects.filter(user=lost).exists()
    assert "mfa.reset" in _actions(lost)


def test_a_reset_request_needs_the_permission_and_the_second_factor(required):
    lost, officer, admin = (
        staff_with("finance"),
        staff_with("loan_officer"),
        staff_with("administrator"),
    )
    url = f"/api/v1/users/{lost.pk}/mfa-reset"

    no_perm = _bearer(auth_tokens_issue(user=officer, mfa=True)["access_token"]).post(
        url, {"reason": "x"}
    )
    no_code = _bearer(auth_tokens_issue(user=admin)["access_token"]).post(url, {"reason": "x"})
    no_reason = _bearer(auth_tokens_issue(user=admin, mfa=True)["access_token"]).post(url, {})

    assert (no_perm.status_code, no_perm.json()["error"]) == (403, "permission_denied")
    assert (no_code.status_code, no_code.json()["error"]) == (403, "mfa_required")
    assert no_reason.status_code == 400
    assert not Approval.objects.filter(kind="mfa_reset").exists()


def test_without_four_eyes_the_reset_happens_at_once(settings):
    settings.FOUR_EYES = []
    lost, admin = staff_with("finance"), staff_with("administrator")
    with freeze_time(START):
        enrol(lost)

    outcome = staff_services.mfa_reset_request(user=lost, reason="Lost phone", by=admin)

    assert not outcome.pending
    assert not mfa.mfa_enrolled(user=lost)


def test_the_admin_asks_for_a_reset_from_the_staff_member_s_page():
    lost, asker = staff_with("finance"), staff_with("administrator")
    client = Client()
    client.force_login(asker)
    page = client.get(f"/admin/staff/staffmember/{lost.pk}/change/")
    assert "Request a reset" in page.content.decode()

    asked = client.post(
        f"/admin/staff/staffmember/{lost.pk}/mfa-reset/", {"reason": "Phone stolen"}, follow=True
    )
    own = client.post(
        f"/admin/staff/staffmember/{asker.pk}/mfa-reset/", {"reason": "Mine"}, follow=True
    )

    assert "another administrator approves" in asked.content.decode()
    approval = Approval.objects.get(kind="mfa_reset")
    assert (approval.subject_id, approval.status) == (str(lost.pk), "pending")
    assert "Not requested" in own.content.decode()
    assert Approval.objects.filter(kind="mfa_reset").count() == 1
