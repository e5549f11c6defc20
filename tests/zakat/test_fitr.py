"""Zakat al-fitr: the rate staff set per Hijri year, the season and its deadline
(1 Shawwal, Umm al-Qura), paying for a household, receipts, the page and the admin.

Time is frozen inside Ramadan 1448 AH (1 Shawwal 1448 is 9 March 2027)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts import services as accounts_services
from accounts.models import LedgerAccount, LedgerTransaction
from accounts.selectors import wallet_for
from config.errors import NotAllowed
from staff.models import AuditEvent
from tests.factories import UserFactory, fund_wallet
from tests.staff.factories import staff_with
from tests.zakat.factories import ZakatRecordFactory
from zakat import selectors, services
from zakat.dates import fitr_deadline
from zakat.models import FitrPayment, FitrRate

pytestmark = pytest.mark.django_db

FITR = "/api/v1/zakat/fitr"
RATES = "/api/v1/zakat/fitr/rates"
PAY = "/api/v1/zakat/fitr/payments"
IN_RAMADAN = "2027-02-20 10:00:00"
EID_1448 = datetime(2027, 3, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _in_ramadan_1448():
    with freeze_time(IN_RAMADAN):
        yield


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def set_rate(amount: str = "12.50", year: int = 1448) -> FitrRate:
    return services.fitr_rate_set(
        hijri_year=year, amount_per_person=Decimal(amount), by=staff_with("zakat_officer")
    )


@pytest.fixture
def payer(db):
    user = UserFactory()
    fund_wallet(user, "200.00")
    return user


# --- the season ---------------------------------------------------------------------


def test_the_deadline_is_the_start_of_1_shawwal_umm_al_qura():
    assert fitr_deadline(1448) == EID_1448
    assert fitr_deadline(1447) == datetime(2026, 3, 20, tzinfo=UTC)


def test_anyone_reads_the_season_with_a_null_amount_until_set():
    unset = APIClient().get(FITR)
    set_rate("12.50")
    later = APIClient().get(FITR)

    assert unset.status_code == 200
    assert unset.json() == {
        "hijri_year": 1448,
        "amount_per_person": None,
        "currency": "USD",
        "deadline": "2027-03-09T00:00:00Z",
    }
    assert later.json()["amount_per_person"] == "12.50"


def test_after_eid_the_season_stays_this_year_until_the_new_hijri_year():
    with freeze_time("2027-05-01 12:00:00"):  # Dhu al-Qadah 1448
        season = selectors.fitr_season()
        assert (season.hijri_year, season.is_open) == (1448, False)
    with freeze_time("2027-06-08 12:00:00"):  # 2 Muharram 1449
        season = selectors.fitr_season()
        assert (season.hijri_year, season.is_open) == (1449, True)
        assert season.deadline == fitr_deadline(1449)


# --- rates --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["finance", "zakat_officer"])
def test_finance_and_zakat_officers_set_the_rate(role):
    officer = staff_with(role)

    response = client_for(officer).post(
        RATES, {"hijri_year": 1448, "amount_per_person": "12.50"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["hijri_year"], body["amount_per_person"], body["currency"]) == (
        1448,
        "12.50",
        "USD",
    )
    rate = FitrRate.objects.get()
    assert rate.set_by == officer
    event = AuditEvent.objects.get(action="fitr_rate.set")
    assert (event.actor_id, event.subject_id) == (officer.pk, str(rate.pk))


@pytest.mark.parametrize(
    ("who", "status"),
    [("anon", 401), ("user", 403), ("campaign_manager", 403), ("no_role", 403)],
)
def test_others_may_not_set_the_rate(who, status):
    client = APIClient()
    if who == "user":
        client.force_authenticate(UserFactory())
    elif who == "no_role":
        client.force_authenticate(UserFactory(is_staff=True, roles=[]))
    elif who != "anon":
        client.force_authenticate(staff_with(who))

    response = client.post(RATES, {"hijri_year": 1448, "amount_per_person": "10.00"}, format="json")

    assert response.status_code == status
    assert not FitrRate.objects.exists()
    with pytest.raises(NotAllowed):
        services.fitr_rate_set(hijri_year=1448, amount_per_person=Decimal("1.00"), by=UserFactory())


def test_one_rate_per_year_a_second_is_refused_and_a_correction_is_audited():
    officer = staff_with("finance")
    client = client_for(officer)
    first = client.post(RATES, {"hijri_year": 1448, "amount_per_person": "10.00"}, format="json")

    second = client.post(RATES, {"hijri_year": 1448, "amount_per_person": "11.00"}, format="json")
    corrected = services.fitr_rate_set(
        hijri_year=1448, amount_per_person=Decimal("11.00"), by=officer, replace=True
    )

    assert first.status_code == 201
    assert second.status_code == 400
    assert second.json()["error"] == "fitr_rate_exists"
    assert corrected.amount_per_person == Decimal("11.00")
    assert FitrRate.objects.count() == 1
    event = AuditEvent.objects.get(action="fitr_rate.updated")
    assert event.changes == {"amount_per_person": ["10.00", "11.00"]}


@pytest.mark.parametrize(
    "body",
    [
        {"hijri_year": 1447, "amount_per_person": "10.00"},  # a past year
        {"hijri_year": 1501, "amount_per_person": "10.00"},  # beyond the calendar
        {"hijri_year": 1448, "amount_per_person": "0"},
        {"hijri_year": 1448, "amount_per_person": "10.005"},
        {"hijri_year": 1448},
    ],
)
def test_bad_rates_are_400(body):
    response = client_for(staff_with("finance")).post(RATES, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert not FitrRate.objects.exists()


def test_a_rate_for_next_year_may_be_set_ahead():
    rate = set_rate("13.00", year=1449)

    assert rate.hijri_year == 1449
    assert APIClient().get(FITR).json()["amount_per_person"] is None  # still 1448's season


# --- payments -----------------------------------------------------------------------


def test_paying_for_a_household_moves_the_money_into_the_fitr_fund(
    payer, django_capture_on_commit_callbacks
):
    set_rate("12.50")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(payer).post(PAY, {"people": 4}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["people"] == 4
    assert body["amount"] == "50.00"
    assert body["hijri_year"] == 1448
    assert body["receipt_number"] == "ZF-000001"
    assert body["paid_at"] == "2027-02-20T10:00:00Z"
    assert set(body) >= {"id", "people", "amount", "hijri_year", "receipt_number", "paid_at"}
    payment = FitrPayment.objects.get(pk=body["id"])
    txn = payment.ledger_transaction
    assert txn.kind == LedgerTransaction.Kind.FITR_PAYMENT
    legs = {e.account.key: e.amount for e in txn.entries.all()}
    assert legs == {f"wallet:{payer.pk}": Decimal("-50.00"), "fitr_fund": Decimal("50.00")}
    fund = accounts_services.fitr_fund_account()
    assert (fund.kind, fund.balance) == (LedgerAccount.Kind.FITR_FUND, Decimal("50.00"))
    assert wallet_for(user=payer).balance == Decimal("150.00")
    assert accounts_services.zakat_fund_account().balance == 0  # kept apart
    assert AuditEvent.objects.filter(action="ledger.fitr_payment", actor_id=payer.pk).count() == 1
    assert accounts_services.ledger_verify().problems == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your zakat al-fitr receipt ZF-000001"
    assert "ZAKAT AL-FITR RECEIPT ZF-000001" in mail.outbox[0].body
    assert "50.00" in mail.outbox[0].body


def test_without_a_rate_payment_is_refused(payer):
    set_rate("10.00", year=1449)  # next year's does not count

    response = client_for(payer).post(PAY, {"people": 2}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "fitr_rate_unset"
    assert not FitrPayment.objects.exists()
    assert wallet_for(user=payer).balance == Decimal("200.00")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2027-03-08 23:59:59", 201),  # the last second of Ramadan 1448
        ("2027-03-09 00:00:00", 400),  # 1 Shawwal 1448 has begun
        ("2027-03-09 08:00:00", 400),
        ("2027-04-20 12:00:00", 400),  # still 1448
    ],
)
def test_the_deadline_is_1_shawwal(payer, moment, expected):
    set_rate("10.00")

    with freeze_time(moment):
        response = client_for(payer).post(PAY, {"people": 1}, format="json")

    assert response.status_code == expected, response.content
    if expected == 400:
        assert response.json()["error"] == "fitr_deadline_passed"
        assert not FitrPayment.objects.exists()
        assert wallet_for(user=payer).balance == Decimal("200.00")


def test_a_short_wallet_is_402_and_uses_no_receipt_number(payer):
    set_rate("30.00")

    short = client_for(payer).post(PAY, {"people": 7}, format="json")
    paid = client_for(payer).post(PAY, {"people": 6}, format="json")

    assert short.status_code == 402
    assert short.json()["error"] == "insufficient_funds"
    assert short.json()["available_amount"] == "200.00"
    assert short.json()["required_amount"] == "210.00"
    assert paid.status_code == 201
    assert paid.json()["receipt_number"] == "ZF-000001"


@pytest.mark.parametrize("people", [0, 51, -1, "two", 2.5, None, True])
def test_people_must_be_1_to_50(payer, people):
    set_rate("10.00")

    response = client_for(payer).post(PAY, {"people": people}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert not FitrPayment.objects.exists()


def test_the_service_checks_people_too(payer):
    set_rate("10.00")
    for people in (0, 51, "3", True):
        with pytest.raises(ValidationError):
            services.fitr_payment_create(payer=payer, people=people)


def test_idempotent_replay_and_conflict(payer, django_capture_on_commit_callbacks):
    set_rate("10.00")
    client = client_for(payer)
    headers = {"HTTP_IDEMPOTENCY_KEY": "fitr-key-1"}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(PAY, {"people": 3}, format="json", **headers)
        second = client.post(PAY, {"people": 3}, format="json", **headers)
    conflict = client.post(PAY, {"people": 4}, format="json", **headers)

    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "idempotency_conflict"
    assert FitrPayment.objects.count() == 1
    assert len(mail.outbox) == 1
    assert wallet_for(user=payer).balance == Decimal("170.00")


def test_receipt_numbers_are_sequential_and_their_own(payer):
    set_rate("5.00")
    fund_wallet(payer, "500.00")
    services.zakat_payment_create(record=ZakatRecordFactory(payer=payer), payer=payer)

    payments = [services.fitr_payment_create(payer=payer, people=n) for n in (1, 2, 3)]

    assert [p.receipt_number for p in payments] == [1, 2, 3]
    assert [p.receipt_label for p in payments] == ["ZF-000001", "ZF-000002", "ZF-000003"]
    assert [p.amount for p in payments] == [Decimal("5.00"), Decimal("10.00"), Decimal("15.00")]


def test_the_receipt_task_sends_only_once(payer):
    from zakat.tasks import send_fitr_receipt

    set_rate("10.00")
    payment = services.fitr_payment_create(payer=payer, people=1)
    mail.outbox.clear()

    assert send_fitr_receipt.call(str(payment.pk)) is True
    assert send_fitr_receipt.call(str(payment.pk)) is False
    assert len(mail.outbox) == 1


def test_the_list_shows_my_payments_and_staff_see_all(payer):
    set_rate("10.00")
    other = UserFactory()
    fund_wallet(other, "100.00")
    mine = services.fitr_payment_create(payer=payer, people=2)
    services.fitr_payment_create(payer=other, people=1)

    own = client_for(payer).get(PAY)
    everyone = client_for(staff_with("auditor")).get(PAY)
    anon = APIClient().get(PAY)

    assert own.status_code == 200
    assert [p["id"] for p in own.json()["items"]] == [str(mine.pk)]
    assert own.json()["has_more"] is False
    assert len(everyone.json()["items"]) == 2
    assert anon.status_code == 401
    assert client_for(payer).get(f"{PAY}?limit=0").status_code == 400


# --- the page, the receipt and the admin --------------------------------------------


def test_the_page_shows_the_rate_and_deadline_to_anyone(client):
    set_rate("12.50")

    page = client.get("/zakat/fitr/").content.decode()

    assert "12.50" in page
    assert "9 March 2027" in page
    assert "Sign in" in page


def test_paying_on_the_page(client, payer):
    set_rate("12.50")
    client.force_login(payer)

    response = client.post("/zakat/fitr/", {"people": "3"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/zakat/fitr/"
    assert "Paid 37.50" in html
    assert "ZF-000001" in html
    payment = FitrPayment.objects.get()
    assert payment.people == 3
    receipt = client.get(f"/zakat/fitr/receipts/{payment.pk}/")
    assert receipt.status_code == 200
    assert "ZF-000001" in receipt.content.decode()
    client.force_login(UserFactory())
    assert client.get(f"/zakat/fitr/receipts/{payment.pk}/").status_code == 403


def test_the_page_shows_errors_inline(client, payer):
    set_rate("150.00")
    client.force_login(payer)

    short = client.post("/zakat/fitr/", {"people": "2"}).content.decode()
    bad = client.post("/zakat/fitr/", {"people": "99"}).content.decode()

    assert "Top up your wallet first" in short
    assert "less than or equal to 50" in bad
    assert not FitrPayment.objects.exists()


def test_the_page_says_when_the_deadline_has_passed(client, payer):
    set_rate("10.00")
    client.force_login(payer)

    with freeze_time("2027-03-10 09:00:00"):
        page = client.get("/zakat/fitr/").content.decode()
        client.post("/zakat/fitr/", {"people": "1"})

    assert "The deadline has passed" in page
    assert not FitrPayment.objects.exists()


def test_an_anonymous_post_goes_to_sign_in(client):
    set_rate("10.00")

    response = client.post("/zakat/fitr/", {"people": "1"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_zakat_officers_set_and_correct_rates_in_the_admin(client):
    officer = staff_with("zakat_officer")
    client.force_login(officer)

    added = client.post(
        "/admin/zakat/fitrrate/add/", {"hijri_year": "1448", "amount_per_person": "9.00"}
    )
    rate = FitrRate.objects.get()
    changed = client.post(
        f"/admin/zakat/fitrrate/{rate.pk}/change/",
        {"hijri_year": "1448", "amount_per_person": "9.50"},
    )
    past = client.post(
        "/admin/zakat/fitrrate/add/", {"hijri_year": "1447", "amount_per_person": "9.00"}
    )

    assert added.status_code == changed.status_code == 302
    rate.refresh_from_db()
    assert rate.amount_per_person == Decimal("9.50")
    assert AuditEvent.objects.filter(action__startswith="fitr_rate.").count() == 2
    assert past.status_code == 200  # the form again, with its error
    assert FitrRate.objects.count() == 1
    assert client.get("/admin/zakat/fitrrate/").status_code == 200
    assert client.get("/admin/zakat/fitrpayment/?hijri_year=1448").status_code == 200
    client.force_login(staff_with("loan_officer"))
    assert client.get("/admin/zakat/fitrrate/add/").status_code == 403


def test_the_deadline_is_midnight_where_the_institution_distributes(settings):
    settings.FITR_TIME_ZONE = "Asia/Riyadh"

    assert fitr_deadline(1448) == datetime(2027, 3, 8, 21, 0, tzinfo=UTC)
    with freeze_time("2027-03-08 21:30:00"):  # 00:30 on Eid day in Mecca
        assert not selectors.fitr_season().is_open
        body = APIClient().get(FITR).json()
    assert body["deadline"] == "2027-03-08T21:00:00Z"
