"""Check every ledger invariant; exit 1 with a report when one is broken."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = (
        "Verify the ledger: every transaction balances, every cached balance equals "
        "the sum of its entries, running balances are consistent and no wallet or "
        "fund is below zero, and every account's hash chain is intact. Exits 1 and "
        "lists each problem when one is found."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="Continue each account's chain from the last stored checkpoint "
            "instead of reading the whole ledger.",
        )
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="When the ledger is consistent, store where this run ended.",
        )

    def handle(self, *args, **options) -> None:
        report = services.ledger_verify(
            incremental=options["incremental"], checkpoint=options["checkpoint"]
        )
        self.stdout.write(
            f"Checked {report.accounts} accounts, {report.transactions} transactions, "
            f"{report.entries} entries."
        )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(f"The ledger is inconsistent: {len(report.problems)} problem(s).")
        self.stdout.write(self.style.SUCCESS("The ledger is consistent."))
