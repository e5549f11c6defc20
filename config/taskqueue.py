"""Enqueue a task so that it exists exactly when the surrounding transaction commits.

With the database backend (TASK_BACKEND=database, production) the task row is
written inside the caller's transaction: it commits with the money movement, or
rolls back with it, and no crash between "committed" and "enqueued" can lose
it. With any other backend (the immediate one in development and tests, which
would run the task at once) it is enqueued from `transaction.on_commit`, so
rolled-back work never sends anything. Either way the worker only ever sees
committed work.

    from config.taskqueue import enqueue_with_transaction
    enqueue_with_transaction(tasks.send_donation_receipt, str(donation.pk))
"""

import contextvars
from typing import Any

from django.db import transaction
from django.tasks import Task, TaskResultStatus, task_backends
from django.tasks.signals import task_finished, task_started

from config.logging import request_id_var

# The kwarg a queued task carries the request id in; never a task's own argument.
REQUEST_ID_KWARG = "_ose_request_id"
_carried: contextvars.ContextVar[bool] = contextvars.ContextVar("task_request_id", default=False)


def _joins_transactions(task: Task) -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[task.backend], DatabaseBackend)


def enqueue_with_transaction(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` as part of the current transaction (see the module docstring)."""
    queued = _joins_transactions(task)
    request_id = request_id_var.get()
    if queued and request_id != "-":
        # The worker's log lines for this task say which request started it: the
        # worker takes the id out of the kwargs before the call (carry_request_id).
        kwargs = {**kwargs, REQUEST_ID_KWARG: request_id}
    if queued and transaction.get_connection().in_atomic_block:
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs), robust=True)


def carry_request_id(sender, task_result, **kwargs) -> None:
    """task_started: set the id of the request that queued the task as this
    worker's log context (and keep it out of the task function's arguments)."""
    if REQUEST_ID_KWARG not in task_result.kwargs:
        return
    request_id = task_result.kwargs.pop(REQUEST_ID_KWARG)
    request_id_var.set(request_id if isinstance(request_id, str) and request_id else "-")
    _carried.set(True)


def forget_request_id(sender, task_result, **kwargs) -> None:
    """task_finished: the worker's next lines must not carry this task's id."""
    if _carried.get():
        request_id_var.set("-")
        _carried.set(False)


def connect_task_signals() -> None:
    """Ours first on task_started, so Django's own "Task ... started" line carries
    the id too (receivers run in the order they were connected)."""
    from django.tasks.signals import log_task_started

    task_started.disconnect(log_task_started)
    task_started.connect(carry_request_id, dispatch_uid="ose.carry_request_id")
    task_started.connect(log_task_started)
    task_finished.connect(forget_request_id, dispatch_uid="ose.forget_request_id")


def deferred(task: Task, seconds: float) -> Task:
    """`task`, to run no sooner than `seconds` from now where its backend can wait
    (the database queue); unchanged where it cannot (the immediate backend runs it
    after the commit, as always)."""
    if seconds <= 0 or not task_backends[task.backend].supports_defer:
        return task
    from datetime import timedelta

    from django.utils import timezone

    return task.using(run_after=timezone.now() + timedelta(seconds=seconds))


def complete_queued(task: Task, *, first_args: list[str]) -> int:
    """Mark the queued (not yet started) runs of `task` whose first argument is in
    `first_args` as finished, and return how many: the caller has done their work
    already, in a batch (the receipt task mails every waiting receipt at once, so
    the runs queued by the other donations have nothing left to do).

    Only with the database backend; rows a worker has claimed meanwhile are left to
    it (skipped, never waited for), and their run finds nothing left to do."""
    if not first_args or not _joins_transactions(task):
        return 0
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        queued = list(
            DBTaskResult.objects.filter(
                task_path=task.module_path,
                status=TaskResultStatus.READY,
                args_kwargs__args__0__in=first_args,
            )
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        return DBTaskResult.objects.filter(pk__in=queued).update(
            status=TaskResultStatus.SUCCESSFUL, started_at=now, finished_at=now
        )
