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

from typing import Any

from django.db import transaction
from django.tasks import Task, task_backends


def _joins_transactions(task: Task) -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[task.backend], DatabaseBackend)


def enqueue_with_transaction(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` as part of the current transaction (see the module docstring)."""
    if _joins_transactions(task) and transaction.get_connection().in_atomic_block:
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs), robust=True)
