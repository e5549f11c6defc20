"""English and Arabic: the pages, the switcher, the API's error messages, numbers
and Hijri dates.

English is the default (no cookie, no Accept-Language); the django_language
cookie (set by the switcher) or Accept-Language: ar gives Arabic, right to left,
on the same paths. API error codes never change; their messages follow the
request's language.
"""

import re
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import active_loan
from tests.zakat.factories import MetalPriceFactory
from zakat.dates import hijri_label

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase-42"
HTML_TAG = re.compile(r"<html[^>]*>")

PUBLIC_PAGES = [
    "/",
    "/campaigns/",
    "/zakat/",
    "/zakat/fitr/",
    "/transparency/",
    "/accounts/login/",
    "/accounts/register/",
    "/accounts/password/reset/",
]
SIGNED_IN_PAGES = [
    "/wallet/",
    "/donations/",
    "/zakat/records/",
    "/loans/",
    "/loans/apply/",
    "/murabaha/new/",
    "/zakat/apply/",
    "/zakat/cases/",
    "/wallet/withdraw/",
    "/wallet/payout-accounts/",
    "/accounts/mfa/",
    "/accounts/password/change/",
]
# The navigation, in Arabic, on every page.
NAV_AR = ["الحملات", "الزكاة", "زكاة الفطر", "توثيق واجهة البرمجة"]


def html_tag(response) -> str:
    return HTML_TAG.search(response.content.decode()).group(0)


def arabic(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    return client


def test_the_default_is_english_left_to_right(client):
    response = client.get("/")

    assert html_tag(response) == '<html lang="en" dir="ltr">'
    html = response.content.decode()
    assert "Give, pay zakat and borrow without interest" in html
    assert "Campaigns" in html
    # The switcher offers the other language, named in its own language.
    assert 'name="language" value="ar"' in html
    assert "العربيّة" in html  # Django's name_local for ar


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_in_arabic_by_accept_language(client, path):
    MetalPriceFactory()
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 200
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    html = response.content.decode()
    for word in NAV_AR:
        assert word in html
    assert ">Campaigns<" not in html
    assert "Sign in" not in html
    assert "تسجيل الدخول" in html


@pytest.mark.parametrize(
    "path", [p for p in PUBLIC_PAGES if not p.startswith("/accounts/")] + SIGNED_IN_PAGES
)
def test_every_page_in_arabic_with_the_cookie(client, path):
    MetalPriceFactory()
    user = UserFactory(password=PASSWORD)
    client.force_login(user)
    arabic(client)

    response = client.get(path)

    assert response.status_code == 200, path
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    html = response.content.decode()
    assert "تسجيل الخروج" in html  # "Log out"
    assert "Log out" not in html


def test_the_cookie_wins_over_accept_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/zakat/", HTTP_ACCEPT_LANGUAGE="ar")
    assert html_tag(response) == '<html lang="en" dir="ltr">'


def test_the_switcher_sets_the_cookie_and_keeps_the_path(client):
    page = client.get("/campaigns/?q=water").content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert 'name="next" value="/campaigns/?q=water"' in page

    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/campaigns/?q=water"})

    assert response.status_code == 302
    assert response["Location"] == "/campaigns/?q=water"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    again = client.get("/campaigns/?q=water")
    assert html_tag(again) == '<html lang="ar" dir="rtl">'
    assert "البحث في الحملات" in again.content.decode()

    back = client.post("/i18n/setlang/", {"language": "en", "next": "/campaigns/"})
    assert back["Location"] == "/campaigns/"
    assert html_tag(client.get("/campaigns/")) == '<html lang="en" dir="ltr">'


def test_the_switcher_refuses_another_site_as_next(client):
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_error_pages_in_arabic(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 404
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    html = response.content.decode()
    assert "الصفحة غير موجودة" in html
    assert "Page not found" not in html


# --- the API: codes stay English, messages follow Accept-Language ----------------------


def test_api_error_message_in_arabic_code_unchanged(client):
    UserFactory(email="amina@example.org", password=PASSWORD)
    body = {"email": "amina@example.org", "password": "wrong-password-1"}

    english = client.post("/api/v1/auth/login", body, content_type="application/json")
    arabic_answer = client.post(
        "/api/v1/auth/login", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ar"
    )

    assert english.status_code == arabic_answer.status_code == 401
    assert english.json()["error"] == arabic_answer.json()["error"] == "invalid_credentials"
    assert english.json()["message"] == "The email address or password is incorrect."
    assert arabic_answer.json()["message"] == "البريد الإلكتروني أو كلمة المرور غير صحيحة."


def test_api_validation_details_in_arabic(client):
    response = client.post(
        "/api/v1/auth/register", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ar"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["message"] == "الطلب غير صالح."
    assert set(body["details"]) >= {"email", "password"}
    # DRF's own Arabic catalogue: "This field is required."
    assert body["details"]["email"] == ["هذا الحقل مطلوب."]


def test_api_domain_error_in_arabic(client):
    user = UserFactory(password=PASSWORD)
    fund_wallet(user, "5.00")
    campaign = make_campaign()
    client.force_login(user)

    response = client.post(
        "/api/v1/donations",
        {"campaign_id": str(campaign.pk), "amount": "30.00"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    assert response.status_code == 402
    body = response.json()
    assert body["error"] == "insufficient_funds"
    assert body["message"] == "رصيد محفظتك لا يكفي لهذه الدفعة."
    assert body["available_amount"] == "5.00"


def test_api_without_accept_language_is_english(client):
    response = client.get("/api/v1/wallet")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert response.json()["message"] == "Authentication credentials were not provided."


# --- numbers and dates -----------------------------------------------------------------


def test_money_keeps_western_digits_and_two_places_in_arabic(client):
    user = UserFactory(password=PASSWORD)
    fund_wallet(user, "12345.50")
    client.force_login(user)
    arabic(client)

    html = client.get("/wallet/").content.decode()

    assert 'data-testid="wallet-balance">12,345.50<' in html
    assert "رصيد" in html or "الرصيد" in html


def test_hijri_filter_follows_the_language():
    template = Template("{% load hijri %}{{ day|hijri }}|{{ moment|hijri }}|{{ nothing|hijri }}")
    context = Context(
        {
            "day": date(2026, 12, 3),
            "moment": datetime(2026, 12, 3, 23, 30, tzinfo=UTC),
            "nothing": None,
        }
    )
    with translation.override("en"):
        assert (
            template.render(context) == "23 Jumada al-Akhirah 1448 AH|23 Jumada al-Akhirah 1448 AH|"
        )
    with translation.override("ar"):
        assert template.render(context) == "23 جمادى الآخرة 1448 هـ|23 جمادى الآخرة 1448 هـ|"


def test_dates_use_arabic_month_names(client):
    user = UserFactory(password=PASSWORD)
    fund_wallet(user, "10.00")
    client.force_login(user)
    arabic(client)
    html = client.get("/wallet/").content.decode()
    months = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس"]
    months += ["سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
    assert any(month in html for month in months)


def test_loan_schedule_shows_hijri_dates_in_arabic(client):
    user = UserFactory(password=PASSWORD)
    loan = active_loan(user, principal="1200.00", months=3)
    client.force_login(user)
    arabic(client)

    response = client.get(f"/loans/{loan.pk}/")

    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    html = response.content.decode()
    assert "قرض حسن" in html
    first = loan.installments.order_by("number").first()
    with translation.override("ar"):
        assert hijri_label(first.due_date) in html
    assert html.count("هـ</span>") >= 3  # one Hijri date per installment


def test_the_zakat_breakdown_speaks_arabic(client):
    """The calculator's lines and standards come from the calculation in English (the
    API's labels); the Arabic page shows them in Arabic, the English page as before."""
    MetalPriceFactory()
    path = "/zakat/?calculate=1&cash=10000&gold_grams=12.5&gold_karat=21&receivables=5"

    english = client.get(path).content.decode()
    ar = arabic(client).get(path).content.decode()

    assert "Gold (21 karat)" in english
    assert "Receivables expected to be paid" in english
    assert "Under the gold standard" in english
    for label in ("Cash and bank balances", "21 karat", "Receivables", "Short-term debts"):
        assert label not in ar, label
    assert "الذهب (عيار 21)" in ar
    assert "الديون المرجوّة لك" in ar
    assert "النصاب (الفضة)" in ar
    assert "بحسب معيار الذهب" in ar
