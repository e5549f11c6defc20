"""Background housekeeping for the platform plumbing."""

from django.tasks import task

from config.idempotency import idempotency_purge


@task
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Key answers older than 24 hours (run hourly)."""
    return idempotency_purge()
