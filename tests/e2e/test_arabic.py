"""The donor journey in Arabic, right to left, on a desktop and on a 390x844 phone:
switch the language, register, top up, donate, calculate and pay zakat, open the
receipt. Every page is dir="rtl", speaks Arabic and is no wider than the screen."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import User
from campaigns.models import Donation
from tests.campaigns.factories import make_campaign
from tests.e2e.a11y import overflow_x
from tests.zakat.factories import MetalPriceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def rtl_page(request, browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[request.param])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield page
    context.close()


def assert_arabic_page(page, *texts: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    for text in texts:
        expect(page.locator("body")).to_contain_text(text)
    # Right to left, a box past the right edge is cut off without widening the page:
    # overflow_x looks at both edges.
    wide = overflow_x(page)
    assert wide is None, f"{page.url} is wider than the viewport: {wide}"


def test_donor_journey_in_arabic(rtl_page):
    page = rtl_page
    MetalPriceFactory(gold_price_per_gram=Decimal("95.00"), silver_price_per_gram=Decimal("1.10"))
    campaign = make_campaign(name="بطانيات الشتاء", target="1000.00")

    # English first; the switcher turns the same page Arabic.
    page.goto("/accounts/register/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.locator(".language-switcher button[value=ar]").click()
    expect(page).to_have_url(re.compile(r"/accounts/register/$"))
    assert_arabic_page(page, "أنشئ حسابًا", "الحملات")

    page.get_by_label("الاسم").fill("آمنة يوسف")
    page.get_by_label("البريد الإلكتروني").fill("amina@example.org")
    page.get_by_label("كلمة المرور", exact=True).fill(PASSWORD)
    page.get_by_label("أعد كتابة كلمة المرور").fill(PASSWORD)
    page.get_by_role("button", name="أنشئ حسابي").click()
    expect(page.locator(".message.success")).to_contain_text("أهلًا بك يا آمنة يوسف")
    assert_arabic_page(page, "السلام عليكم يا آمنة يوسف")

    page.goto("/wallet/")
    assert_arabic_page(page, "محفظتي", "شحن المحفظة")
    page.get_by_label("المبلغ").fill("500.00")
    page.get_by_role("button", name="إضافة رصيد").click()
    expect(page.get_by_test_id("wallet-balance")).to_have_text("500.00")
    expect(page.locator(".message.success")).to_contain_text("أُضيف 500.00 إلى محفظتك.")

    page.goto(f"/campaigns/{campaign.pk}/donate/")
    assert_arabic_page(page, "بطانيات الشتاء", "محفظتك:")
    expect(page).to_have_title(re.compile("تبرّع لحملة بطانيات الشتاء"))
    page.get_by_label("أو مبلغًا آخر").fill("50.00")
    page.get_by_role("button", name="تبرّع").click()
    expect(page.locator(".message.success")).to_contain_text("جزاك الله خيرًا")
    assert_arabic_page(page, "بطانيات الشتاء")
    assert Donation.objects.get().amount == Decimal("50.00")

    page.goto("/zakat/")
    assert_arabic_page(page, "حاسبة الزكاة", "نصاب الذهب")
    page.get_by_label("النقد والأرصدة المصرفية").fill("4000.00")
    page.get_by_role("button", name="احسب").click()
    expect(page.get_by_test_id("zakat-amount")).to_have_text("100.00")
    assert_arabic_page(page, "الزكاة المستحقة")

    page.get_by_role("button", name="احفظها سجلًا").click()
    expect(page).to_have_url(re.compile(r"/zakat/records/$"))
    assert_arabic_page(page, "زكاتي", "هـ")  # the calculation's Hijri date
    page.get_by_role("link", name="ادفع", exact=True).click()
    assert_arabic_page(page, "ادفع زكاتك")
    page.get_by_role("button", name="تأكيد الدفع").click()
    expect(page.locator(".message.success")).to_contain_text("دُفع 100.00")

    page.get_by_role("link", name=re.compile("الإيصال ZK-")).click()
    assert_arabic_page(page, "إيصال زكاة", "هـ", "تقبّل الله منك")
    expect(page.get_by_test_id("receipt-amount")).to_have_text("100.00")

    user = User.objects.get(email="amina@example.org")
    assert user.zakat_records.get().payment_status == "completed"
    assert [t for t in page.console_errors if "Content Security Policy" in t] == []
