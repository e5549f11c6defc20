"""Calculate zakat on the public page, sign in, save it, pay it, see it completed."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts import services as accounts_services
from tests.factories import UserFactory, fund_wallet
from tests.zakat.factories import MetalPriceFactory
from zakat.models import ZakatRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"


def test_calculate_save_and_pay_zakat(page):
    MetalPriceFactory(gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10"))
    user = UserFactory(password=PASSWORD, name="Amina Yusuf")
    fund_wallet(user, "500.00")

    page.goto("/zakat/")
    expect(page.get_by_test_id("gold-price")).to_have_text("95.00")
    page.get_by_label("Silver: 595 g").check()
    page.get_by_label("Cash and bank balances").fill("4000.00")
    page.get_by_label("Gold you own (grams)").fill("20")
    page.get_by_label("Short-term debts due now").fill("500.00")
    page.get_by_role("button", name="Calculate").click()

    expect(page.get_by_test_id("zakatable-wealth")).to_have_text("5400.00")
    expect(page.get_by_test_id("zakat-amount")).to_have_text("135.00")

    page.get_by_role("link", name="Sign in", exact=True).last.click()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/zakat/\?"))
    expect(page.get_by_test_id("zakat-amount")).to_have_text("135.00")

    page.get_by_role("button", name="Save as a record").click()
    expect(page).to_have_url(re.compile(r"/zakat/records/$"))
    expect(page.locator(".message.success")).to_contain_text("Zakat due: 135.00")
    expect(page.get_by_test_id("record-status")).to_have_text("Pending")

    page.get_by_role("link", name="Pay").click()
    expect(page.get_by_test_id("pay-amount")).to_have_text("135.00")
    page.get_by_role("button", name="Confirm payment").click()

    expect(page.get_by_test_id("record-status")).to_have_text("Completed")
    expect(page.locator(".message.success")).to_contain_text("Paid 135.00")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("365.00")
    page.get_by_role("link", name=re.compile("Receipt ZK-")).click()
    expect(page.get_by_test_id("receipt-amount")).to_have_text("135.00")

    record = ZakatRecord.objects.get(payer=user)
    assert record.payment_status == "completed"
    assert accounts_services.zakat_fund_account().balance == Decimal("135.00")
    assert [t for t in page.console_errors if "Content Security Policy" in t] == []


def test_calculator_karat_other_standard_huge_sums_and_hawl(page):
    MetalPriceFactory(gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10"))
    user = UserFactory(password=PASSWORD)

    page.goto("/zakat/")
    expect(page.get_by_label("Silver: 595 g")).to_be_checked()  # the default standard
    page.get_by_label("Gold you own (grams)").fill("100")
    page.get_by_label("Purity of your gold (karat)").fill("18")
    page.get_by_role("button", name="Calculate").click()
    expect(page.get_by_test_id("zakatable-wealth")).to_have_text("7125.00")
    expect(page.get_by_test_id("zakat-amount")).to_have_text("178.13")
    expect(page.get_by_test_id("other-standard")).to_contain_text(
        "Under the gold standard (nisab 8075.00 USD) no zakat would be due"
    )

    big = "9999999999999999.99"
    page.get_by_label("Cash and bank balances").fill(big)
    page.get_by_label("Investments").fill(big)
    page.get_by_label("Money owed to you").fill(big)
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator(".form-errors")).to_contain_text("at most 9999999999999999.99")
    expect(page.get_by_test_id("zakat-result")).to_have_count(0)

    page.goto("/accounts/login/?next=/zakat/records/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Date my wealth first reached the nisab").fill("2024-02-11")
    page.get_by_role("button", name="Save date").click()
    expect(page.get_by_test_id("hawl-due")).to_have_text("31 January 2025")
    assert [t for t in page.console_errors if "Content Security Policy" in t] == []
