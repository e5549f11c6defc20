"""Demo data for `make run`: a staff user and a few donors. Safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as accounts_services
from accounts.models import User

STAFF = ("staff@ose.example", "Demo Staff", "staff-demo-pass-2026")
DONORS = [
    ("amina@ose.example", "Amina Yusuf"),
    ("bilal@ose.example", "Bilal Rahman"),
    ("khadija@ose.example", "Khadija Omar"),
]
DONOR_PASSWORD = "donor-demo-pass-2026"  # noqa: S105 - demo data, printed for the developer


class Command(BaseCommand):
    help = "Create demo users (idempotent). Prints the credentials to sign in with."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        email, name, password = STAFF
        if not User.objects.filter(email=email).exists():
            accounts_services.user_create(
                email=email, name=name, password=password, is_staff=True, is_superuser=True
            )
        for donor_email, donor_name in DONORS:
            if not User.objects.filter(email=donor_email).exists():
                accounts_services.user_create(
                    email=donor_email, name=donor_name, password=DONOR_PASSWORD
                )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Staff (admin at /admin/): {email} / {password}")
        for donor_email, _ in DONORS:
            self.stdout.write(f"  Donor: {donor_email} / {DONOR_PASSWORD}")
