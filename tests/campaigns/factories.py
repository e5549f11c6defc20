from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from tests.factories import UserFactory, fund_wallet


def make_campaign(
    *,
    organizer=None,
    status: str = "active",
    name: str = "Winter blankets",
    target: str = "1000.00",
    start_offset: int = -1,
    end_offset: int = 30,
    description: str = "Warm blankets for families.",
) -> Campaign:
    """A campaign made through the services, in the requested state."""
    today = timezone.localdate()
    campaign = services.campaign_create(
        organizer=organizer or UserFactory(),
        name=name,
        description=description,
        target_amount=Decimal(target),
        start_date=today + timedelta(days=start_offset),
        end_date=today + timedelta(days=end_offset),
    )
    if status in ("active", "completed"):
        campaign = services.campaign_activate(campaign=campaign, by=None)
    if status == "completed":
        campaign = services.campaign_complete(campaign=campaign, by=None)
    if status == "cancelled":
        campaign = services.campaign_cancel(campaign=campaign, by=None)
    return campaign


def funded_donor(amount: str = "500.00"):
    donor = UserFactory()
    fund_wallet(donor, amount)
    return donor
