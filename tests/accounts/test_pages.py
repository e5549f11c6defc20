"""The sign-in pages through Django's test client: register, log in and out,
change and reset a password, and the site-wide page rules (CSP, HTML errors)."""

import re

import pytest
from django.core import mail
from django.test import RequestFactory

from accounts.models import User
from config import views as config_views

pytestmark = pytest.mark.django_db

STRONG = "a-long-passphrase-42"
NEW_STRONG = "another-passphrase-77"


@pytest.fixture
def amina():
    return User.objects.create_user(email="amina@example.org", password=STRONG, name="Amina Yusuf")


def register(client, **overrides):
    data = {
        "name": "New Person",
        "email": "New@Example.ORG",
        "password1": STRONG,
        "password2": STRONG,
        **overrides,
    }
    return client.post("/accounts/register/", data)


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


# --- home ----------------------------------------------------------------------------


def test_home_for_anonymous_visitor_offers_sign_in_and_register(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html
    assert "Sign in" in html
    assert 'href="/accounts/register/"' in html
    assert "No active campaigns right now." in html
    assert 'href="/zakat/"' in html
    assert 'action="/accounts/logout/"' not in html


def test_home_for_signed_in_user_shows_name_and_logout_form(client, amina):
    client.force_login(amina)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="nav-user"' in html
    assert "Amina Yusuf" in html
    assert re.search(r'<form[^>]*method="post"[^>]*action="/accounts/logout/"', html)
    assert "csrfmiddlewaretoken" in html
    assert "Sign in" not in html
    assert 'href="/admin/"' not in html


def test_home_shows_admin_link_to_staff(client):
    staff = User.objects.create_user(
        email="staff@example.org", password=STRONG, name="Staff", is_staff=True
    )
    client.force_login(staff)

    assert 'href="/admin/"' in client.get("/").content.decode()


# --- register ------------------------------------------------------------------------


def test_register_page_renders_the_form(client):
    response = client.get("/accounts/register/")

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("name", "email", "password1", "password2"):
        assert f'name="{field}"' in html
    assert "csrfmiddlewaretoken" in html


def test_register_creates_user_signs_in_and_welcomes(client):
    response = register(client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    assert user.email == "new@example.org"
    assert user.name == "New Person"
    assert user.check_password(STRONG)
    assert signed_in_user_id(client) == str(user.pk)

    home = client.get(response["Location"])
    html = home.content.decode()
    assert "Welcome, New Person!" in html
    assert 'class="message success"' in html


def test_register_follows_a_safe_next_url_only(client):
    response = client.post(
        "/accounts/register/?next=https://evil.example/",
        {"name": "N", "email": "n@example.org", "password1": STRONG, "password2": STRONG},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "something-else-42"}, "password2", "The two passwords differ."),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "too common"),
        ({"name": "   "}, "name", "This field is required."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ],
)
def test_register_with_bad_input_shows_inline_errors_and_creates_nothing(
    client, overrides, field, message
):
    response = register(client, **overrides)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 0
    assert signed_in_user_id(client) is None


def test_register_with_an_email_taken_in_another_case_is_refused(client, amina):
    response = register(client, email="AMINA@example.org")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert "already exists" in html
    assert User.objects.count() == 1
    assert signed_in_user_id(client) is None


def test_register_redirects_a_signed_in_user_home(client, amina):
    client.force_login(amina)

    response = client.get("/accounts/register/")

    assert response.status_code == 302
    assert response["Location"] == "/"


# --- login and logout ----------------------------------------------------------------


def test_login_page_labels_username_as_email_and_keeps_next(client):
    response = client.get("/accounts/login/?next=/wallet/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<label for="id_username">Email', html)
    assert 'name="next" value="/wallet/"' in html
    assert 'href="/accounts/password/reset/"' in html
    assert 'href="/accounts/register/' in html


def test_login_with_email_and_password_signs_in(client, amina):
    response = client.post(
        "/accounts/login/", {"username": "Amina@Example.org", "password": STRONG}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(amina.pk)


def test_login_with_wrong_password_shows_inline_error(client, amina):
    response = client.post(
        "/accounts/login/", {"username": "amina@example.org", "password": "wrong-password-1"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-errors"' in html
    assert "Please enter a correct email address and password" in html
    assert signed_in_user_id(client) is None


def test_logout_by_post_signs_out(client, amina):
    client.force_login(amina)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) is None
    assert "Sign in" in client.get("/").content.decode()


def test_logout_by_get_is_not_allowed(client, amina):
    client.force_login(amina)

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert signed_in_user_id(client) == str(amina.pk)


# --- password change -----------------------------------------------------------------


def test_password_change_needs_sign_in(client):
    response = client.get("/accounts/password/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_password_change_flow(client, amina):
    client.force_login(amina)
    assert client.get("/accounts/password/change/").status_code == 200

    wrong = client.post(
        "/accounts/password/change/",
        {"old_password": "nope", "new_password1": NEW_STRONG, "new_password2": NEW_STRONG},
    )
    assert wrong.status_code == 200
    assert 'id="id_old_password_error"' in wrong.content.decode()

    response = client.post(
        "/accounts/password/change/",
        {"old_password": STRONG, "new_password1": NEW_STRONG, "new_password2": NEW_STRONG},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "Password changed" in done.content.decode()
    amina.refresh_from_db()
    assert amina.check_password(NEW_STRONG)
    # The session survives the change (Django rotates its hash).
    assert signed_in_user_id(client) == str(amina.pk)


# --- password reset ------------------------------------------------------------------


def test_password_reset_sends_a_link_that_sets_a_new_password(
    client, amina, django_capture_on_commit_callbacks
):
    # The mail is queued as a task when the request's work commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "AMINA@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert "Check your email" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["amina@example.org"]
    assert email.subject == "Reset your OSE Platform password"
    assert "Amina Yusuf" in email.body
    html_body = email.alternatives[0].content
    match = re.search(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", email.body)
    assert match, email.body
    link = match.group(1)
    assert link in html_body

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]

    done = client.post(set_password_url, {"new_password1": NEW_STRONG, "new_password2": NEW_STRONG})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/done/"
    assert "Your password has been set" in client.get(done["Location"]).content.decode()

    login = client.post(
        "/accounts/login/", {"username": "amina@example.org", "password": NEW_STRONG}
    )
    assert login.status_code == 302
    assert signed_in_user_id(client) == str(amina.pk)


def test_password_reset_link_works_only_once(client, amina, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "amina@example.org"})
    link = re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_STRONG, "new_password2": NEW_STRONG},
    )

    again = client.get(link, follow=True)

    assert again.status_code == 200
    assert "Reset link not valid" in again.content.decode()


def test_password_reset_for_unknown_email_looks_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


# --- site-wide rules -----------------------------------------------------------------


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Page not found" in html
    assert "<h1>" in html


def test_server_error_page_is_self_contained_html():
    request = RequestFactory().get("/somewhere/")

    response = config_views.server_error(request)

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert "Something went wrong" in response.content.decode()


PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/register/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/bad/link/",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_a_strict_csp_and_carry_no_inline_code(client, path):
    response = client.get(path, follow=True)

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    assert "<script" not in html
    assert "<style" not in html
    assert "style=" not in html
    assert html.count("<h1") == 1
    assert re.search(r"<title>[^<]+</title>", html)


def test_signed_in_pages_send_a_strict_csp(client, amina):
    client.force_login(amina)

    for path in ("/", "/accounts/password/change/", "/accounts/password/change/done/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "style=" not in response.content.decode()
