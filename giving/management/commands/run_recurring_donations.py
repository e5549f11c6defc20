from django.core.management.base import BaseCommand

from giving.services import recurring_run_due


class Command(BaseCommand):
    help = "Give every recurring gift due today (run daily; running it twice is safe)."

    def handle(self, *args, **options) -> None:
        counts = recurring_run_due()
        self.stdout.write(
            self.style.SUCCESS(
                f"Recurring gifts: {counts['succeeded']} given, {counts['failed']} failed."
            )
        )
