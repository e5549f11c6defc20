"""Donation receipts: numbers issued after the donation commits (gap-free, in the
order donations were made), e-mails mailed in batches by the receipt task, each
exactly once."""

import importlib
from decimal import Decimal
from unittest import mock

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.utils import timezone

from campaigns import services, tasks
from campaigns.models import Donation, DonationReceiptCounter
from tests.campaigns.factories import funded_donor, make_campaign
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def give(donor, campaign, amount="5.00"):
    return services.donation_create(donor=donor, campaign=campaign, amount=Decimal(amount))


def counter() -> int:
    """The last number issued (a flushed test database has no counter row: it starts at 0)."""
    return DonationReceiptCounter.objects.get_or_create(name=services.RECEIPT_COUNTER)[0].value


def numbers_of(donations) -> list[int | None]:
    return [Donation.objects.get(pk=d.pk).receipt_number for d in donations]


def test_a_donation_takes_no_counter_lock_and_the_issue_numbers_in_order():
    campaign, donor = make_campaign(), funded_donor()
    start = counter()
    donations = [give(donor, campaign) for _ in range(3)]
    assert numbers_of(donations) == [None, None, None]
    assert donations[0].receipt_label == ""
    assert counter() == start

    assert services.donation_receipts_issue() == 3
    assert services.donation_receipts_issue() == 0

    assert numbers_of(donations) == [start + 1, start + 2, start + 3]
    assert counter() == start + 3
    assert Donation.objects.get(pk=donations[2].pk).receipt_label == f"DN-{start + 3:06d}"


def test_issue_in_small_batches_leaves_no_gap():
    campaign, donor = make_campaign(), funded_donor()
    donations = [give(donor, campaign, "1.00") for _ in range(7)]

    assert services.donation_receipts_issue(batch=2) == 7

    numbers = numbers_of(donations)
    assert numbers == list(range(numbers[0], numbers[0] + 7))


def test_the_receipt_page_and_pdf_issue_a_missing_number(client):
    campaign, donor = make_campaign(), funded_donor()
    donation = give(donor, campaign)
    client.force_login(donor)

    page = client.get(f"/donations/{donation.pk}/receipt/")

    assert page.status_code == 200
    donation.refresh_from_db()
    assert donation.receipt_number is not None
    assert donation.receipt_label in page.content.decode()

    later = give(donor, campaign)
    pdf = client.get(f"/api/v1/donations/{later.pk}/receipt.pdf")

    assert pdf.status_code == 200
    later.refresh_from_db()
    assert later.receipt_number == donation.receipt_number + 1
    assert f'filename="receipt-{later.receipt_label}.pdf"' in pdf["Content-Disposition"]


def test_the_task_mails_every_waiting_receipt_once_with_its_number(
    django_capture_on_commit_callbacks,
):
    campaign, donor = make_campaign(), funded_donor()
    donations = [give(donor, campaign) for _ in range(3)]
    mail.outbox.clear()

    assert tasks.send_donation_receipt.call(str(donations[0].pk)) == 3
    assert tasks.send_donation_receipt.call(str(donations[1].pk)) == 0

    assert len(mail.outbox) == 3
    for donation, message in zip(donations, mail.outbox, strict=True):
        donation.refresh_from_db()
        assert donation.receipt_sent_at is not None
        assert donation.receipt_label in message.body
        assert message.to == [donor.email]


def test_the_task_runs_when_a_donation_commits(django_capture_on_commit_callbacks):
    campaign, donor = make_campaign(), funded_donor()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        donation = give(donor, campaign)

    donation.refresh_from_db()
    assert donation.receipt_number is not None
    assert donation.receipt_sent_at is not None
    assert [m.to for m in mail.outbox] == [[donor.email]]
    assert donation.receipt_label in mail.outbox[0].body


def test_a_failed_mail_gives_its_receipts_back_for_the_next_task():
    campaign, donor = make_campaign(), funded_donor()
    donations = [give(donor, campaign) for _ in range(3)]
    mail.outbox.clear()
    real = tasks._receipt
    calls = {"n": 0}

    def second_fails(donation):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("mail server went away")
        return real(donation)

    with (
        mock.patch.object(tasks, "_receipt", side_effect=second_fails),
        pytest.raises(ConnectionError),
    ):
        tasks.send_donation_receipt.call(str(donations[0].pk))

    assert len(mail.outbox) == 1
    sent = [Donation.objects.get(pk=d.pk).receipt_sent_at is not None for d in donations]
    assert sent == [True, False, False]

    assert tasks.send_donation_receipt.call(str(donations[1].pk)) == 2
    assert len(mail.outbox) == 3
    assert len({m.body for m in mail.outbox}) == 3  # each receipt once


def test_the_migration_leaves_queued_receipts_to_the_new_task():
    migration = importlib.import_module("campaigns.migrations.0006_donation_receipts_after_commit")
    campaign, donor = make_campaign(), funded_donor()
    mailed, queued = give(donor, campaign), give(donor, campaign)
    apps.get_model("django_tasks_database", "DBTaskResult").objects.create(
        status="READY",
        args_kwargs={"args": [str(queued.pk)], "kwargs": {}},
        priority=0,
        task_path=migration.RECEIPT_TASK,
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        enqueued_at=timezone.now(),
        exception_class_path="",
        traceback="",
        worker_ids=[],
    )
    Donation.objects.filter(pk__in=[mailed.pk, queued.pk]).update(receipt_sent_at=None)

    migration.mark_mailed(apps, mock.Mock(connection=connection))

    assert Donation.objects.get(pk=mailed.pk).receipt_sent_at is not None
    assert Donation.objects.get(pk=queued.pk).receipt_sent_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_donations_and_issuers_give_one_unbroken_series():
    """20 donors give at once while 4 issuers run: every donation ends with a
    number, none shared, none skipped."""
    campaign = make_campaign(target="100000.00")
    donors = [funded_donor("50.00") for _ in range(20)]
    start = counter()

    def work(index):
        if index < 20:
            for _ in range(3):
                give(donors[index], campaign, "1.00")
            return "gave"
        return services.donation_receipts_issue(batch=5)

    results = run_together(24, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    services.donation_receipts_issue()

    numbers = sorted(
        Donation.objects.filter(campaign=campaign).values_list("receipt_number", flat=True)
    )
    assert numbers == list(range(start + 1, start + 61))
    assert counter() == start + 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_receipt_tasks_mail_each_receipt_once():
    campaign, donor = make_campaign(), funded_donor()
    donations = [give(donor, campaign, "1.00") for _ in range(40)]
    # Each commit ran its task at once (the test settings' immediate backend): undo it.
    Donation.objects.filter(campaign=campaign).update(receipt_sent_at=None)
    mail.outbox.clear()

    results = run_together(
        6, lambda index: tasks.send_donation_receipt.call(str(donations[index].pk))
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 40
    assert len(mail.outbox) == 40
    assert len({m.body for m in mail.outbox}) == 40
    assert not Donation.objects.filter(campaign=campaign, receipt_sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_one_run_mails_the_batch_and_marks_the_other_queued_runs_done(settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    settings.RECEIPT_BATCH_SECONDS = 0  # due at once, for the worker's --batch run
    campaign, donor = make_campaign(), funded_donor()
    donations = [give(donor, campaign) for _ in range(4)]
    queued = DBTaskResult.objects.filter(task_path="campaigns.tasks.send_donation_receipt")
    assert queued.filter(status="READY").count() == 4  # one per donation, in its transaction
    mail.outbox.clear()

    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)

    assert len(mail.outbox) == 4
    assert queued.filter(status="SUCCESSFUL").count() == 4
    # The worker ran one of them, which mailed all four; the other three were marked done.
    assert sorted(queued.values_list("return_value", flat=True), key=str) == [4, None, None, None]
    labels = sorted(Donation.objects.get(pk=d.pk).receipt_label for d in donations)
    assert sorted(m.body.split("Receipt number: ")[1].split("\n")[0] for m in mail.outbox) == labels


@pytest.mark.django_db(transaction=True)
def test_on_the_database_queue_a_receipt_waits_for_the_gifts_made_meanwhile(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    settings.RECEIPT_BATCH_SECONDS = 1.5
    campaign, donor = make_campaign(), funded_donor()
    before = timezone.now()

    give(donor, campaign)

    queued = DBTaskResult.objects.get(task_path="campaigns.tasks.send_donation_receipt")
    wait = (queued.run_after - before).total_seconds()
    assert 1.4 < wait < 10
    assert not DBTaskResult.objects.ready().exists()  # the worker leaves it for now
