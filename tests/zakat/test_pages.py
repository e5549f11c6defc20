"""The zakat pages through Django's test client, and the admin."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import fund_wallet
from tests.zakat.factories import MetalPriceFactory, ZakatRecordFactory
from zakat import services
from zakat.models import HawlDate, MetalPrice, ZakatRecord

pytestmark = pytest.mark.django_db

CALC = {
    "calculate": "1",
    "nisab_standard": "silver",
    "cash": "4000.00",
    "gold_grams": "20",
    "silver_grams": "",
    "investments": "",
    "business_inventory": "",
    "receivables": "",
    "short_term_debts": "500.00",
}


def test_calculator_without_prices_says_so(client):
    response = client.get("/zakat/")
    assert response.status_code == 200
    assert b'data-testid="no-prices"' in response.content


def test_calculator_shows_prices_breakdown_and_result(client):
    MetalPriceFactory()

    response = client.get("/zakat/", CALC)

    html = response.content.decode()
    assert response.status_code == 200
    assert "95.00" in html
    assert "1.10" in html
    assert "654.50" in html  # the silver nisab
    assert "Short-term debts due now" in html
    assert 'data-testid="zakatable-wealth">5400.00<' in html
    assert 'data-testid="zakat-amount">135.00<' in html
    assert "Sign in</a> to save" in html
    assert "Save as a record" not in html


def test_calculator_shows_form_errors(client):
    MetalPriceFactory()
    response = client.get("/zakat/", {**CALC, "cash": "-5"})
    assert b"errorlist" in response.content
    assert b'data-testid="zakat-result"' not in response.content


def test_save_as_record_recomputes_on_the_server(client, user):
    snapshot = MetalPriceFactory()
    client.force_login(user)
    assert b"Save as a record" in client.get("/zakat/", CALC).content

    data = {k: v for k, v in CALC.items() if k != "calculate"}
    response = client.post("/zakat/records/save/", {**data, "zakat_amount": "1.00"})

    assert response.status_code == 302
    record = ZakatRecord.objects.get(payer=user)
    assert record.zakat_amount == Decimal("135.00")
    assert record.wealth_amount == Decimal("5400.00")
    assert record.nisab_standard == "silver"
    assert record.price_snapshot == snapshot
    assert len(record.breakdown) == 7


def test_save_requires_login_and_post(client):
    assert client.post("/zakat/records/save/", CALC).status_code == 302
    assert not ZakatRecord.objects.exists()


def test_save_zero_wealth_is_refused_politely(client, user):
    MetalPriceFactory()
    client.force_login(user)
    response = client.post("/zakat/records/save/", {"nisab_standard": "gold"}, follow=True)
    assert b"nothing to save" in response.content
    assert not ZakatRecord.objects.exists()


def test_records_page_redirects_anonymous(client):
    response = client.get("/zakat/records/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_records_page_lists_only_my_records(client, user, other_user):
    mine = ZakatRecordFactory(payer=user)
    ZakatRecordFactory(payer=other_user, payer_reference="someone-else")
    client.force_login(user)

    html = client.get("/zakat/records/").content.decode()

    assert html.count('data-testid="zakat-record"') == 1
    assert f"/zakat/records/{mine.pk}/pay/" in html


def test_records_page_query_count_is_fixed(client, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    fund_wallet(user, "10000.00")
    services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    with CaptureQueriesContext(connection) as few:
        client.get("/zakat/records/")
    for _ in range(8):
        services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    with CaptureQueriesContext(connection) as many:
        client.get("/zakat/records/")
    assert len(few) == len(many)


def test_pay_confirm_and_pay(client, user, django_capture_on_commit_callbacks):
    fund_wallet(user, "300.00")
    record = ZakatRecordFactory(payer=user)
    client.force_login(user)

    confirm = client.get(f"/zakat/records/{record.pk}/pay/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/zakat/records/{record.pk}/pay/", follow=True)

    assert b'data-testid="pay-amount">250.00<' in confirm.content
    record.refresh_from_db()
    assert record.payment_status == "completed"
    html = response.content.decode()
    assert "Paid 250.00" in html
    assert f"/zakat/receipts/{record.payment.pk}/" in html
    assert len(mail.outbox) == 1


def test_pay_with_short_wallet_shows_the_error(client, user):
    record = ZakatRecordFactory(payer=user)
    client.force_login(user)
    response = client.post(f"/zakat/records/{record.pk}/pay/", follow=True)
    assert b"balance is too low" in response.content
    record.refresh_from_db()
    assert record.is_pending


def test_cannot_pay_someone_elses_record(client, user, other_user):
    record = ZakatRecordFactory(payer=other_user)
    client.force_login(user)
    assert client.get(f"/zakat/records/{record.pk}/pay/").status_code == 403
    assert client.post(f"/zakat/records/{record.pk}/pay/").status_code == 403


def test_receipt_is_for_the_payer_and_staff_only(client, user, other_user, staff_user):
    fund_wallet(user, "300.00")
    payment = services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    url = f"/zakat/receipts/{payment.pk}/"

    client.force_login(user)
    own = client.get(url)
    client.force_login(other_user)
    other = client.get(url)
    client.force_login(staff_user)
    staff = client.get(url)

    assert own.status_code == 200
    assert b"ZK-000001" in own.content
    assert b"250.00" in own.content
    assert other.status_code == 403
    assert staff.status_code == 200


def test_hawl_set_shows_both_calendars_and_clear(client, user):
    client.force_login(user)

    client.post("/zakat/hawl/", {"started_on": "2026-01-01"})
    html = client.get("/zakat/records/").content.decode()

    assert HawlDate.objects.get(user=user).started_on == date(2026, 1, 1)
    assert "1 January 2026" in html
    assert "21 December 2026" in html  # + 354 days
    assert "AH" in html
    client.post("/zakat/hawl/", {"clear": "1"})
    assert not HawlDate.objects.filter(user=user).exists()


def test_hawl_in_the_future_is_refused(client, user):
    client.force_login(user)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post("/zakat/hawl/", {"started_on": future}, follow=True)
    assert b"cannot be in the future" in response.content
    assert not HawlDate.objects.exists()


# --- Admin ------------------------------------------------------------------------------


def test_admin_lists_and_filters(admin_client, user):
    fund_wallet(user, "300.00")
    ZakatRecordFactory(payer=user, payer_reference="findme-123")
    services.zakat_payment_create(record=ZakatRecordFactory(payer=user), payer=user)
    MetalPriceFactory()

    for url in (
        "/admin/zakat/zakatrecord/",
        "/admin/zakat/zakatrecord/?payment_status__exact=pending",
        "/admin/zakat/zakatpayment/",
        "/admin/zakat/metalprice/",
        "/admin/zakat/hawldate/",
    ):
        assert admin_client.get(url).status_code == 200, url
    found = admin_client.get("/admin/zakat/zakatrecord/", {"q": "findme"}).content.decode()
    assert "findme-123" in found


def test_admin_adds_prices_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/zakat/metalprice/add/",
        {"gold_price_per_gram": "97.00", "silver_price_per_gram": "1.20"},
    )
    assert response.status_code == 302
    snapshot = MetalPrice.objects.get()
    assert snapshot.source == "manual"
    assert snapshot.created_by is not None
    bad = admin_client.post(
        "/admin/zakat/metalprice/add/", {"gold_price_per_gram": "0", "silver_price_per_gram": "1"}
    )
    assert bad.status_code == 200
    assert MetalPrice.objects.count() == 1


def test_admin_csv_export(admin_client, user):
    record = ZakatRecordFactory(payer=user, payer_reference="=cmd|calc")
    response = admin_client.post(
        "/admin/zakat/zakatrecord/",
        {"action": "export_csv", "_selected_action": [str(record.pk)]},
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "250.00" in text
    assert "'=cmd|calc" in text  # no formula injection


def test_demo_seed_is_idempotent():
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo", stdout=StringIO())
    users = User.objects.count()
    records = ZakatRecord.objects.count()
    call_command("seed_demo", stdout=StringIO())

    assert User.objects.count() == users
    assert ZakatRecord.objects.count() == records >= 2
    assert MetalPrice.objects.filter(gold_price_per_gram=Decimal("95.00")).exists()
    assert ZakatRecord.objects.filter(payment_status="completed").count() == 1
