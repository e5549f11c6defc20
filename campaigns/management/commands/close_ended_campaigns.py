from django.core.management.base import BaseCommand

from campaigns.services import campaigns_close_ended


class Command(BaseCommand):
    help = "Complete every active campaign whose end date has passed (run daily)."

    def handle(self, *args, **options) -> None:
        closed = campaigns_close_ended()
        self.stdout.write(self.style.SUCCESS(f"Completed {closed} ended campaign(s)."))
