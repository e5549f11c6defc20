from datetime import timedelta

from django.core.management.base import BaseCommand

from accounts.services import top_ups_sync_pending


class Command(BaseCommand):
    help = (
        "Ask the payment provider about top-ups still pending after --minutes (a webhook "
        "lost or never sent) and settle those it has decided, and about top-ups failed in "
        "the last day that were paid after all. Safe beside the webhooks."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--minutes", type=int, default=15)

    def handle(self, *args, minutes: int, **options) -> None:
        settled = top_ups_sync_pending(older_than=timedelta(minutes=max(minutes, 0)))
        for top_up in settled:
            self.stdout.write(f"{top_up.pk} {top_up.amount} {top_up.status}")
        self.stdout.write(f"{len(settled)} pending top-up(s) settled.")
