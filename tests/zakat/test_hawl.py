"""Hawl by the Hijri calendar: the due date, the API, the page and the reminder."""

from datetime import date, timedelta

import hijridate
import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import UserFactory
from zakat import calculation, services
from zakat.models import HawlDate

HAWL = "/api/v1/zakat/hawl"

ALL_DAYS = [date(2024, 1, 1) + timedelta(days=n) for n in range(1096)]


def expected_due(start: date) -> date:
    """(Hijri year + 1, same month, same day clamped to that month's length) in
    Gregorian, by hijridate's own conversion."""
    hijri = hijridate.Gregorian(start.year, start.month, start.day).to_hijri()
    length = hijridate.Hijri(hijri.year + 1, hijri.month, 1).month_length()
    due = hijridate.Hijri(hijri.year + 1, hijri.month, min(hijri.day, length)).to_gregorian()
    return date(due.year, due.month, due.day)


# --- The due date (pure) ----------------------------------------------------------------


def test_hawl_due_is_the_same_hijri_day_a_year_later_for_every_day_2024_to_2026():
    assert ALL_DAYS[0] == date(2024, 1, 1)
    assert ALL_DAYS[-1] == date(2026, 12, 31)

    wrong = [day for day in ALL_DAYS if calculation.hawl_next_due(day) != expected_due(day)]

    assert wrong == []


def test_hawl_due_is_not_a_fixed_354_days():
    differ = [
        day for day in ALL_DAYS if calculation.hawl_next_due(day) != day + timedelta(days=354)
    ]

    assert len(differ) == 435
    # e.g. 11 Feb 2024 is 1 Sha'ban 1445; 1 Sha'ban 1446 is 31 Jan 2025, 355 days later.
    assert calculation.hawl_next_due(date(2024, 2, 11)) == date(2025, 1, 31)
    assert date(2024, 2, 11) in differ


def test_hawl_due_clamps_the_30th_to_a_29_day_month():
    # 30 Ramadan 1445 exists (9 Apr 2024); Ramadan 1446 has 29 days.
    start = hijridate.Hijri(1445, 9, 30).to_gregorian()
    assert hijridate.Hijri(1446, 9, 1).month_length() == 29

    due = calculation.hawl_next_due(date(start.year, start.month, start.day))

    hijri_due = hijridate.Gregorian(due.year, due.month, due.day).to_hijri()
    assert (hijri_due.year, hijri_due.month, hijri_due.day) == (1446, 9, 29)


def test_hawl_due_outside_the_calendar_is_refused():
    with pytest.raises(ValueError, match="Umm al-Qura"):
        calculation.hawl_next_due(date(1900, 1, 1))


# --- API --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hawl_put_then_get(auth_client, user):
    response = auth_client.put(HAWL, {"start_date": "2024-01-01"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "start_date": "2024-01-01",
        "start_hijri": "1445-06-19",
        "next_due_date": "2024-12-20",
        "next_due_hijri": "1446-06-19",
    }
    assert auth_client.get(HAWL).json() == response.json()
    assert HawlDate.objects.get(user=user).started_on == date(2024, 1, 1)


@pytest.mark.django_db
def test_hawl_put_again_replaces_the_date(auth_client, user):
    auth_client.put(HAWL, {"start_date": "2024-01-01"}, format="json")
    auth_client.put(HAWL, {"start_date": "2025-03-01"}, format="json")

    assert HawlDate.objects.filter(user=user).count() == 1
    assert auth_client.get(HAWL).json()["start_date"] == "2025-03-01"


@pytest.mark.django_db
def test_hawl_get_before_any_is_set_is_404(auth_client):
    response = auth_client.get(HAWL)

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"start_date": "2070-01-01"},  # in the future
        {"start_date": "1900-01-01"},
        {"start_date": "01/02/2024"},
        {"start_date": ""},
        {},
    ],
)
def test_hawl_put_bad_dates_are_400(auth_client, payload):
    response = auth_client.put(HAWL, payload, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert "start_date" in body["details"]
    assert not HawlDate.objects.exists()


@pytest.mark.django_db
def test_hawl_is_per_user_and_needs_sign_in(api_client, auth_client, other_user):
    services.hawl_set(user=other_user, start_date=date(2025, 1, 1))

    assert auth_client.get(HAWL).status_code == 404
    assert api_client.get(HAWL).status_code == 401
    assert api_client.put(HAWL, {"start_date": "2025-01-01"}, format="json").status_code == 401


# --- Page -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_records_page_shows_the_hijri_due_date_and_sets_it(client, user):
    client.force_login(user)

    page = client.get("/zakat/records/").content.decode()
    assert 'name="started_on"' in page
    response = client.post("/zakat/hawl/", {"started_on": "2024-02-11"}, follow=True)
    html = response.content.decode()

    assert "11 February 2024" in html
    assert "31 January 2025" in html  # 1 Sha'ban 1446: 355 days later
    assert "30 January 2025" not in html  # + 354 days
    assert "1 Sha&#x27;ban 1446 AH" in html  # (the apostrophe HTML-escaped)


@pytest.mark.django_db
def test_records_page_shows_hawl_errors_inline(client, user):
    client.force_login(user)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()

    response = client.post("/zakat/hawl/", {"started_on": future})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field has-error"' in html
    assert "cannot be in the future" in html
    assert not HawlDate.objects.exists()


# --- Reminder ---------------------------------------------------------------------------


def _hawl_due_on(due: date, **user_fields) -> HawlDate:
    """A hawl whose next due date is `due` (its start one Hijri year earlier)."""
    return HawlDate.objects.create(user=UserFactory(**user_fields), started_on=_start_for(due))


def _start_for(due: date) -> date:
    for back in range(352, 357):
        start = due - timedelta(days=back)
        if calculation.hawl_next_due(start) == due:
            return start
    raise AssertionError(f"no start date is due on {due}")


@pytest.mark.django_db
def test_reminder_goes_once_a_week_before_and_not_to_others(
    mailoutbox, django_capture_on_commit_callbacks
):
    run_day = date(2026, 3, 13)
    due = _hawl_due_on(run_day + timedelta(days=7), email="due@example.org")
    _hawl_due_on(run_day + timedelta(days=8), email="later@example.org")
    _hawl_due_on(run_day, email="today@example.org")
    _hawl_due_on(run_day - timedelta(days=23), email="past@example.org")

    with freeze_time(run_day), django_capture_on_commit_callbacks(execute=True):
        first = services.hawl_reminders_send()
        again = services.hawl_reminders_send()

    assert (first, again) == (1, 0)
    assert [m.to for m in mailoutbox] == [["due@example.org"]]
    assert "20 March 2026" in mailoutbox[0].subject
    assert "1 Shawwal 1447" in mailoutbox[0].body
    due.refresh_from_db()
    assert due.reminder_sent_for == date(2026, 3, 20)


@pytest.mark.django_db
def test_daily_runs_remind_each_person_once_seven_days_before(
    mailoutbox, django_capture_on_commit_callbacks
):
    dues = {f"p{n}@example.org": date(2026, 5, 1) + timedelta(days=3 * n) for n in range(6)}
    for email, due in dues.items():
        _hawl_due_on(due, email=email)
    sent_on: dict[str, list[date]] = {}

    day = date(2026, 4, 1)
    while day <= date(2026, 6, 1):
        before = len(mailoutbox)
        with freeze_time(day), django_capture_on_commit_callbacks(execute=True):
            services.hawl_reminders_send()
        for message in mailoutbox[before:]:
            sent_on.setdefault(message.to[0], []).append(day)
        day += timedelta(days=1)

    assert sent_on == {email: [due - timedelta(days=7)] for email, due in dues.items()}


@pytest.mark.django_db
def test_a_new_start_date_gets_its_own_reminder(mailoutbox, django_capture_on_commit_callbacks):
    hawl = _hawl_due_on(date(2026, 3, 20))
    with freeze_time("2026-03-13"), django_capture_on_commit_callbacks(execute=True):
        services.hawl_reminders_send()
    with freeze_time("2026-03-13"), django_capture_on_commit_callbacks(execute=True):
        # The person corrects the start: a new due date, a new reminder.
        services.hawl_set(user=hawl.user, start_date=_start_for(date(2026, 3, 18)))
        assert services.hawl_reminders_send() == 1

    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_reminder_task_and_command_run_the_same_rule(
    mailoutbox, django_capture_on_commit_callbacks
):
    from zakat.tasks import send_hawl_reminders

    _hawl_due_on(date(2026, 3, 20), email="due@example.org")

    with freeze_time("2026-03-13"), django_capture_on_commit_callbacks(execute=True):
        result = send_hawl_reminders.enqueue()
        call_command("send_hawl_reminders")

    assert result.return_value == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_reminder_for_a_changed_hawl_is_not_sent(mailoutbox):
    from zakat.tasks import send_hawl_reminder

    hawl = _hawl_due_on(date(2026, 3, 20))
    hawl.started_on -= timedelta(days=3)
    hawl.save()

    assert send_hawl_reminder.call(hawl_id=hawl.pk, due="2026-03-20") is False
    assert send_hawl_reminder.call(hawl_id=999999, due="2026-03-20") is False
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_reminder_window_finds_every_start_date(django_capture_on_commit_callbacks):
    # Every 9th start date of 2024-26: a run a week before its due date finds it.
    hawls = [HawlDate.objects.create(user=UserFactory(), started_on=day) for day in ALL_DAYS[::9]]

    with django_capture_on_commit_callbacks():  # queued, not sent
        missed = [
            hawl.started_on
            for hawl in hawls
            if services.hawl_reminders_send(today=hawl.next_due - timedelta(days=7)) < 1
        ]

    assert missed == []
    assert HawlDate.objects.filter(reminder_sent_for__isnull=True).count() == 0
