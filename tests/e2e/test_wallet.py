"""Sign in and top up the wallet twice through the real pages in Chromium."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import LedgerAccount, TopUp
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"


def assert_no_csp_violations(page):
    violations = [text for text in page.console_errors if "Content Security Policy" in text]
    assert violations == []


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def top_up(page, amount: str) -> None:
    page.get_by_label("Amount").fill(amount)
    page.get_by_role("button", name="Add money").click()


def test_sign_in_and_top_up_the_wallet_twice(page):
    user = UserFactory(password=PASSWORD, name="Yusuf Karim")

    sign_in(page, user.email, PASSWORD)
    expect(page.locator(".nav-user")).to_have_text("Yusuf Karim")

    page.goto("/wallet/")
    balance = page.locator("[data-testid=wallet-balance]")
    expect(balance).to_have_text("0.00")
    expect(page.locator(".empty-state")).to_be_visible()

    top_up(page, "250.00")

    expect(page).to_have_url(re.compile(r"/wallet/$"))
    expect(balance).to_have_text("250.00")
    expect(page.locator(".message.success")).to_contain_text("Added 250.00 to your wallet.")
    expect(page.get_by_role("cell", name=re.compile("Top-up via sandbox"))).to_have_count(1)

    top_up(page, "0.75")

    expect(balance).to_have_text("250.75")
    expect(page.get_by_role("cell", name=re.compile("Top-up via sandbox"))).to_have_count(2)

    wallet = LedgerAccount.objects.get(kind=LedgerAccount.Kind.WALLET, owner=user)
    assert wallet.balance == Decimal("250.75")
    assert TopUp.objects.filter(user=user, status=TopUp.Status.SUCCEEDED).count() == 2
    assert_no_csp_violations(page)


def test_invalid_amount_shows_an_inline_error(page):
    user = UserFactory(password=PASSWORD)

    sign_in(page, user.email, PASSWORD)
    page.goto("/wallet/")
    top_up(page, "10.001")

    expect(page.locator(".field.has-error .errorlist")).to_be_visible()
    expect(page.locator("[data-testid=wallet-balance]")).to_have_text("0.00")
    assert TopUp.objects.count() == 0
    assert_no_csp_violations(page)
