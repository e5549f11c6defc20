from django.core.management.base import BaseCommand

from payouts.tasks import check_stuck_payouts


class Command(BaseCommand):
    help = "Log and e-mail finance the payouts in transit longer than a day (run daily)."

    def handle(self, *args, **options) -> None:
        count = check_stuck_payouts.call()
        self.stdout.write(f"{count} payout(s) stuck in transit.")
