"""E-mail a reminder to everyone whose zakat falls due within a week (daily)."""

from django.core.management.base import BaseCommand

from zakat import services


class Command(BaseCommand):
    help = (
        "E-mail one reminder per due date to everyone whose hawl ends within "
        f"{services.HAWL_REMINDER_DAYS} days (run daily)."
    )

    def handle(self, *args, **options) -> None:
        sent = services.hawl_reminders_send()
        self.stdout.write(f"Sent {sent} hawl reminder(s).")
