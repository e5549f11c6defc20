"""Register, log out and log back in through the real pages in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"


def assert_no_csp_violations(page):
    violations = [text for text in page.console_errors if "Content Security Policy" in text]
    assert violations == []


def test_register_logout_and_login_again(page):
    page.goto("/accounts/register/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    page.get_by_label("Name").fill("Khadija Rahman")
    page.get_by_label("Email").fill("Khadija@Example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".nav-user")).to_have_text("Khadija Rahman")
    expect(page.locator(".message.success")).to_contain_text("Welcome, Khadija Rahman!")
    assert User.objects.filter(email="khadija@example.org").exists()

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".nav-user")).to_have_count(0)
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("khadija@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".nav-user")).to_have_text("Khadija Rahman")
    assert_no_csp_violations(page)


def test_wrong_password_shows_an_inline_error(page):
    User.objects.create_user(email="omar@example.org", password=PASSWORD, name="Omar Ali")

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("omar@example.org")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator(".form-errors .errorlist")).to_contain_text(
        "Please enter a correct email address and password"
    )
    expect(page.locator(".nav-user")).to_have_count(0)
    assert_no_csp_violations(page)


def test_stylesheet_loads_and_applies(page):
    response = page.goto("/")

    assert response.status == 200
    # site.css reached the page (same origin, allowed by the CSP) and styles it.
    background = page.locator(".btn-primary").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background == "rgb(15, 118, 110)"
    assert_no_csp_violations(page)
