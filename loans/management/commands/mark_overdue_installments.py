from django.core.management.base import BaseCommand

from loans.services import installments_mark_overdue


class Command(BaseCommand):
    help = "Mark late installments overdue and e-mail one gentle reminder per installment (daily)."

    def handle(self, *args, **options) -> None:
        marked, reminded = installments_mark_overdue()
        self.stdout.write(f"Marked {marked} installment(s) overdue; sent {reminded} reminder(s).")
