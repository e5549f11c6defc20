"""Demo data of giving for `make run` (called by seed_demo; must be idempotent).

Uses the demo donors made by seed_demo: Amina gives 5.00 every week to the first
active campaign, set up but not yet run (the daily task gives it)."""

from decimal import Decimal

from accounts.models import User
from campaigns.models import Campaign
from giving import services
from giving.models import RecurringDonation


def seed(*, stdout) -> None:
    amina = User.objects.filter(email="amina@ose.example").first()
    campaign = Campaign.objects.active().order_by("end_date").first()
    if amina is None or campaign is None:
        return
    if RecurringDonation.objects.filter(donor=amina).exists():
        return
    services.recurring_donation_create(
        donor=amina, campaign=campaign, amount=Decimal("5.00"), frequency="weekly"
    )
    stdout.write("  Giving: Amina's weekly gift of 5.00 (run by run_recurring_donations).")
