"""Demo data for `make run`: a staff user and a few donors with money in their
wallets. Safe to run again: it only adds what is missing."""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import selectors
from accounts import services as accounts_services
from accounts.models import User
from campaigns import demo as campaigns_demo
from distribution import demo as distribution_demo
from giving import demo as giving_demo
from loans import demo as loans_demo
from payouts import demo as payouts_demo
from staff import demo as staff_demo
from zakat import demo as zakat_demo

STAFF = ("staff@ose.example", "Demo Staff", "staff-demo-pass-2026")
DONORS = [
    ("amina@ose.example", "Amina Yusuf"),
    ("bilal@ose.example", "Bilal Rahman"),
    ("khadija@ose.example", "Khadija Omar"),
]
DONOR_PASSWORD = "donor-demo-pass-2026"  # noqa: S105 - demo data, printed for the developer
DONOR_OPENING_BALANCE = Decimal("1000.00")


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
            donor = User.objects.filter(email=donor_email).first()
            if donor is None:
                donor = accounts_services.user_create(
                    email=donor_email, name=donor_name, password=DONOR_PASSWORD
                )
            wallet = selectors.wallet_for(user=donor)
            if wallet is None or not wallet.entries.exists():
                accounts_services.top_up_create(user=donor, amount=DONOR_OPENING_BALANCE)
        for app_seed in (
            staff_demo.seed,
            zakat_demo.seed,
            campaigns_demo.seed,
            loans_demo.seed,
            distribution_demo.seed,
            payouts_demo.seed,
            giving_demo.seed,
        ):
            app_seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Staff (admin at /admin/): {email} / {password}")
        for donor_email, _ in DONORS:
            self.stdout.write(
                f"  Donor: {donor_email} / {DONOR_PASSWORD} (wallet topped up once with "
                f"{DONOR_OPENING_BALANCE})"
            )
