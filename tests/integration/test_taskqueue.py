"""The database task queue: a task exists exactly when its transaction commits."""

import pytest
from django.db import transaction
from django.tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from config import tasks as platform_tasks
from config.taskqueue import enqueue_with_transaction

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_queue(settings):
    # Django resets its task backends whenever TASKS changes (and back after the test).
    settings.TASKS = DB_TASKS


def _enqueue_then_fail() -> None:
    with transaction.atomic():
        enqueue_with_transaction(platform_tasks.purge_idempotency_keys)
        raise RuntimeError("the money movement failed")


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_inside_a_committed_transaction_is_queued_once(database_queue):
    with transaction.atomic():
        enqueue_with_transaction(platform_tasks.purge_idempotency_keys)
        # Written inside the transaction itself, not after it.
        assert DBTaskResult.objects.count() == 1
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "config.tasks.purge_idempotency_keys"
    assert queued.status == "READY"


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_inside_a_rolled_back_transaction_never_exists(database_queue):
    with pytest.raises(RuntimeError):
        _enqueue_then_fail()
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_queued_tasks(database_queue):
    from django.core.management import call_command

    with transaction.atomic():
        enqueue_with_transaction(platform_tasks.purge_idempotency_keys)
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_with_the_immediate_backend_a_task_runs_only_after_commit():
    finished = []

    def record(sender, task_result, **kwargs):
        finished.append(task_result.task.module_path)

    task_finished.connect(record)
    try:
        with transaction.atomic():
            enqueue_with_transaction(platform_tasks.purge_idempotency_keys)
            assert finished == []  # not while the transaction may still roll back
        assert finished == ["config.tasks.purge_idempotency_keys"]
        with pytest.raises(RuntimeError):
            _enqueue_then_fail()
        assert finished == ["config.tasks.purge_idempotency_keys"]
    finally:
        task_finished.disconnect(record)
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_donation_and_its_receipt_commit_together(database_queue):
    from decimal import Decimal

    from accounts.services import InsufficientFunds
    from campaigns import services as campaign_services
    from tests.campaigns.factories import funded_donor, make_campaign

    donor = funded_donor("10.00")
    campaign = make_campaign()

    with transaction.atomic():
        donation = campaign_services.donation_create(
            donor=donor, campaign=campaign, amount=Decimal("4.00")
        )
        # Queued by the donation's own transaction, not after its commit.
        assert DBTaskResult.objects.filter(task_path__endswith="send_donation_receipt").exists()
    with pytest.raises(InsufficientFunds):
        campaign_services.donation_create(donor=donor, campaign=campaign, amount=Decimal("7.00"))

    queued = DBTaskResult.objects.get()  # one receipt: the refused gift queued nothing
    assert queued.task_path == "campaigns.tasks.send_donation_receipt"
    assert queued.args_kwargs["args"] == [str(donation.pk)]
