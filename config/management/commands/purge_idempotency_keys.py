from django.core.management.base import BaseCommand

from config.idempotency import idempotency_purge


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key answers older than 24 hours (run it hourly)."

    def handle(self, *args, **options) -> None:
        deleted = idempotency_purge()
        self.stdout.write(f"Purged {deleted} idempotency key(s) older than 24 hours.")
