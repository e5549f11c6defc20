"""Recurring gifts: the API, the daily task (idempotent), failures and pausing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time

from campaigns import services as campaign_services
from campaigns.models import Donation
from giving import schedule, services, tasks
from giving.models import RecurringDonation, RecurringRun
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory, fund_wallet

pytestmark = pytest.mark.django_db


def create(client, campaign, **overrides):
    body = {"campaign_id": str(campaign.pk), "amount": "10.00", "frequency": "daily"}
    return client.post("/api/v1/recurring-donations", {**body, **overrides}, format="json")


# --- API ----------------------------------------------------------------------------


def test_create_answers_the_contract_shape(auth_client):
    campaign = make_campaign()
    response = create(auth_client, campaign, amount="25.50", frequency="monthly")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["campaign_id"] == str(campaign.pk)
    assert body["amount"] == "25.50"
    assert body["frequency"] == "monthly"
    assert body["designation"] == "sadaqah"
    assert body["status"] == "active"
    assert body["next_run_on"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"frequency": "yearly"}, "frequency"),
        ({"designation": "waqf"}, "designation"),
        ({"campaign_id": "not-a-uuid"}, "campaign_id"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(auth_client, overrides, field):
    response = create(auth_client, make_campaign(), **overrides)

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert field in response.json()["details"]


def test_unknown_campaign_is_404(auth_client):
    campaign = make_campaign()
    response = create(auth_client, campaign, campaign_id="00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404


def test_closed_campaign_is_campaign_not_active(auth_client):
    response = create(auth_client, make_campaign(status="completed"))
    assert response.status_code == 400
    assert response.json()["error"] == "campaign_not_active"


def test_zakat_only_to_zakat_eligible_campaigns(auth_client):
    response = create(auth_client, make_campaign(), designation="zakat")
    assert response.status_code == 400
    assert response.json()["error"] == "not_zakat_eligible"


def test_anonymous_is_401(api_client):
    assert api_client.get("/api/v1/recurring-donations").status_code == 401


def test_list_shows_only_my_gifts(auth_client, other_user):
    campaign = make_campaign()
    mine = services.recurring_donation_create(
        donor=auth_client.user, campaign=campaign, amount="5", frequency="weekly"
    )
    services.recurring_donation_create(
        donor=other_user, campaign=campaign, amount="5", frequency="weekly"
    )

    body = auth_client.get("/api/v1/recurring-donations").json()

    assert [item["id"] for item in body["items"]] == [str(mine.pk)]
    assert body["has_more"] is False


def test_pause_resume_change_amount_and_cancel(auth_client):
    gift = services.recurring_donation_create(
        donor=auth_client.user, campaign=make_campaign(), amount="5", frequency="weekly"
    )
    url = f"/api/v1/recurring-donations/{gift.pk}"

    paused = auth_client.patch(url, {"paused": True, "amount": "7.50"}, format="json")
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    assert paused.json()["amount"] == "7.50"

    resumed = auth_client.patch(url, {"paused": False}, format="json")
    assert resumed.json()["status"] == "active"

    assert auth_client.delete(url).status_code == 204
    gift.refresh_from_db()
    assert gift.status == RecurringDonation.Status.CANCELLED
    assert gift.next_run_on is None

    again = auth_client.patch(url, {"paused": False}, format="json")
    assert again.status_code == 400
    assert again.json()["error"] == "recurring_cancelled"


def test_patch_ignores_read_only_fields_and_refuses_bad_amounts(auth_client):
    gift = services.recurring_donation_create(
        donor=auth_client.user, campaign=make_campaign(), amount="5", frequency="weekly"
    )
    url = f"/api/v1/recurring-donations/{gift.pk}"

    ignored = auth_client.patch(url, {"status": "cancelled"}, format="json")
    assert ignored.status_code == 200
    assert ignored.json()["status"] == "active"
    bad = auth_client.patch(url, {"amount": "-3"}, format="json")
    assert bad.status_code == 400
    assert "amount" in bad.json()["details"]


def test_someone_elses_gift_is_403_and_unknown_404(auth_client, other_user):
    gift = services.recurring_donation_create(
        donor=other_user, campaign=make_campaign(), amount="5", frequency="daily"
    )
    url = f"/api/v1/recurring-donations/{gift.pk}"

    assert auth_client.patch(url, {"paused": True}, format="json").status_code == 403
    assert auth_client.delete(url).status_code == 403
    assert auth_client.get(f"{url}/runs").status_code == 403
    missing = "/api/v1/recurring-donations/00000000-0000-4000-8000-000000000000"
    assert auth_client.delete(missing).status_code == 404
    gift.refresh_from_db()
    assert gift.status == RecurringDonation.Status.ACTIVE


def test_staff_read_runs_but_never_change_a_donors_gift(staff_client, other_user):
    gift = services.recurring_donation_create(
        donor=other_user, campaign=make_campaign(), amount="5", frequency="daily"
    )
    url = f"/api/v1/recurring-donations/{gift.pk}"

    assert staff_client.get(f"{url}/runs").status_code == 200
    assert staff_client.delete(url).status_code == 403


# --- The daily task -----------------------------------------------------------------


def test_task_run_twice_gives_once_per_due_gift(auth_client):
    fund_wallet(auth_client.user, "100.00")
    campaign = make_campaign()
    daily = services.recurring_donation_create(
        donor=auth_client.user, campaign=campaign, amount="10.00", frequency="daily"
    )
    later = services.recurring_donation_create(
        donor=auth_client.user, campaign=campaign, amount="3.00", frequency="last_ten_nights"
    )

    first = tasks.run_recurring_donations.call()
    second = tasks.run_recurring_donations.call()

    expected_due = 1 + (later.next_run_on == timezone.localdate())
    assert first == {"succeeded": expected_due, "failed": 0}
    assert second == {"succeeded": 0, "failed": 0}
    assert Donation.objects.filter(donor=auth_client.user).count() == expected_due
    daily.refresh_from_db()
    assert daily.next_run_on == timezone.localdate() + timedelta(days=1)
    runs = auth_client.get(f"/api/v1/recurring-donations/{daily.pk}/runs").json()["items"]
    assert len(runs) == 1
    assert runs[0]["status"] == "succeeded"
    donation = Donation.objects.get(pk=runs[0]["donation_id"])
    assert donation.amount == Decimal("10.00")
    campaign_services.donation_receipts_issue()  # as its receipt task does
    donation.refresh_from_db()
    assert donation.receipt_label.startswith("DN-")


def test_one_run_per_gift_and_day_is_a_database_rule(auth_client):
    fund_wallet(auth_client.user, "100.00")
    gift = services.recurring_donation_create(
        donor=auth_client.user, campaign=make_campaign(), amount="10.00", frequency="daily"
    )
    today = timezone.localdate()
    run = services.recurring_run_one(gift_id=gift.pk, today=today)
    # Even if the gift were made due again the same day, the day's run exists.
    RecurringDonation.objects.filter(pk=gift.pk).update(next_run_on=today)

    assert run.status == RecurringRun.Status.SUCCEEDED
    assert services.recurring_run_one(gift_id=gift.pk, today=today) is None
    assert RecurringRun.objects.filter(gift=gift).count() == 1


def test_a_short_wallet_fails_emails_and_three_in_a_row_pause(
    django_capture_on_commit_callbacks,
):
    donor = UserFactory()
    gift = services.recurring_donation_create(
        donor=donor, campaign=make_campaign(), amount="10.00", frequency="daily"
    )
    today = timezone.localdate()

    for offset in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.recurring_run_one(gift_id=gift.pk, today=today + timedelta(days=offset))

    gift.refresh_from_db()
    runs = list(RecurringRun.objects.filter(gift=gift).order_by("run_on"))
    assert [r.status for r in runs] == ["failed"] * 3
    assert all(r.donation_id is None and r.error for r in runs)
    assert gift.status == RecurringDonation.Status.PAUSED
    assert gift.failures_in_a_row == 3
    assert len(mail.outbox) == 3
    assert donor.email in mail.outbox[0].to
    assert "low" in mail.outbox[0].body
    assert not Donation.objects.filter(donor=donor).exists()


def test_a_success_clears_the_failures():
    donor = UserFactory()
    gift = services.recurring_donation_create(
        donor=donor, campaign=make_campaign(), amount="10.00", frequency="daily"
    )
    today = timezone.localdate()
    services.recurring_run_one(gift_id=gift.pk, today=today)
    fund_wallet(donor, "10.00")
    services.recurring_run_one(gift_id=gift.pk, today=today + timedelta(days=1))

    gift.refresh_from_db()
    assert gift.failures_in_a_row == 0
    assert gift.status == RecurringDonation.Status.ACTIVE


def test_a_closed_campaign_fails_and_pauses_at_once():
    donor = funded_donor()
    campaign = make_campaign()
    gift = services.recurring_donation_create(
        donor=donor, campaign=campaign, amount="10.00", frequency="daily"
    )
    campaign_services.campaign_complete(campaign=campaign, by=None)

    run = services.recurring_run_one(gift_id=gift.pk, today=timezone.localdate())

    gift.refresh_from_db()
    assert run.status == RecurringRun.Status.FAILED
    assert "completed" in run.error
    assert gift.status == RecurringDonation.Status.PAUSED


def test_paused_and_cancelled_gifts_do_not_run():
    donor = funded_donor()
    campaign = make_campaign()
    paused = services.recurring_donation_create(
        donor=donor, campaign=campaign, amount="1", frequency="daily"
    )
    cancelled = services.recurring_donation_create(
        donor=donor, campaign=campaign, amount="1", frequency="daily"
    )
    services.recurring_donation_update(gift=paused, by=donor, paused=True)
    services.recurring_donation_cancel(gift=cancelled, by=donor)

    assert services.recurring_run_due() == {"succeeded": 0, "failed": 0}


def test_the_management_command_runs_the_due_gifts(capsys):
    from django.core.management import call_command

    donor = funded_donor()
    services.recurring_donation_create(
        donor=donor, campaign=make_campaign(), amount="2", frequency="weekly"
    )
    call_command("run_recurring_donations")
    assert "1 given" in capsys.readouterr().out


# --- The schedule -------------------------------------------------------------------


def test_last_ten_nights_are_ramadan_21_to_its_end_umm_al_qura():
    # Ramadan 1447 AH: 1 Ramadan = 18 Feb 2026, 1 Shawwal = 20 Mar 2026 (Umm al-Qura).
    first, last = schedule.last_ten_nights(1447)
    assert first == date(2026, 3, 10)
    assert last == date(2026, 3, 19)
    assert schedule.next_last_ten_night(date(2026, 1, 1)) == date(2026, 3, 10)
    assert schedule.next_run_after("last_ten_nights", date(2026, 3, 10)) == date(2026, 3, 11)
    # After the last night it waits for next year's Ramadan.
    following = schedule.next_run_after("last_ten_nights", date(2026, 3, 19))
    assert following == schedule.last_ten_nights(1448)[0]
    assert following.year == 2027


def test_monthly_keeps_its_day_and_clamps_short_months():
    assert schedule.next_run_after("monthly", date(2027, 1, 31)) == date(2027, 2, 28)
    assert schedule.next_run_after("monthly", date(2027, 2, 28), 31) == date(2027, 3, 31)
    assert schedule.next_run_after("weekly", date(2027, 1, 1)) == date(2027, 1, 8)


def test_a_ramadan_gift_runs_only_on_the_last_ten_nights():
    donor = funded_donor()
    with freeze_time("2026-03-01"):
        gift = services.recurring_donation_create(
            donor=donor,
            campaign=make_campaign(end_offset=60),
            amount="1",
            frequency="last_ten_nights",
        )
        assert gift.next_run_on == date(2026, 3, 10)
        assert services.recurring_run_due() == {"succeeded": 0, "failed": 0}
    with freeze_time("2026-03-10"):
        assert services.recurring_run_due() == {"succeeded": 1, "failed": 0}
    gift.refresh_from_db()
    assert gift.next_run_on == date(2026, 3, 11)
