from django.core.management.base import BaseCommand, CommandError

from payouts.reconciliation import reconcile


class Command(BaseCommand):
    help = (
        "Compare a payout provider's settlement report (CSV: reference, amount, status[, date]) "
        "with our payouts. Exits non-zero on any difference."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("report", help="path of the provider's CSV settlement report")

    def handle(self, *args, report: str, **options) -> None:
        try:
            with open(report, encoding="utf-8-sig") as handle:
                text = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {report}: {exc.strerror}") from None
        result = reconcile(text)
        for line in result.lines():
            self.stdout.write(line)
        if not result.clean:
            raise CommandError("The settlement report and the ledger disagree.")
        self.stdout.write(self.style.SUCCESS("The settlement report matches."))
