from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payouts import services


class Command(BaseCommand):
    help = (
        "Settle bank-file payouts from the bank's camt.054 (or camt.053) statement, matched "
        "by end-to-end id: booked ones paid, returned ones failed and their money given back. "
        "Importing the same statement again changes nothing. Exits non-zero on any problem."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("statement", help="path of the camt.053/camt.054 XML")

    def handle(self, *args, statement: str, **options) -> None:
        try:
            with open(statement, "rb") as handle:
                document = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {statement}: {exc.strerror}") from None
        try:
            report = services.bank_statement_import(document=document, by=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        for line in report.lines():
            self.stdout.write(line)
        if report.problems:
            raise CommandError("Some lines of the statement settled nothing; see above.")
        self.stdout.write(self.style.SUCCESS("The statement is applied."))
