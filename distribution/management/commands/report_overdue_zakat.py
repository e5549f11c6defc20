"""E-mail zakat officers the zakat undistributed for over a lunar year (run daily)."""

from django.core.management.base import BaseCommand

from distribution.services import zakat_overdue_report_send


class Command(BaseCommand):
    help = "E-mail zakat officers the fund's overdue figures (zakat older than a lunar year)."

    def handle(self, *args, **options) -> None:
        sent = zakat_overdue_report_send()
        self.stdout.write(f"Overdue report sent to {sent} zakat officer(s).")
