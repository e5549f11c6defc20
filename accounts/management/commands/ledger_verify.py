"""Check every ledger invariant; exit 1 with a report when one is broken."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = (
        "Verify the ledger: every transaction balances, every cached balance equals "
        "the sum of its entries, running balances are consistent and no wallet or "
        "fund is below zero. Exits 1 and lists each problem when one is found."
    )

    def handle(self, *args, **options) -> None:
        report = services.ledger_verify()
        self.stdout.write(
            f"Checked {report.accounts} accounts, {report.transactions} transactions, "
            f"{report.entries} entries."
        )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(f"The ledger is inconsistent: {len(report.problems)} problem(s).")
        self.stdout.write(self.style.SUCCESS("The ledger is consistent."))
