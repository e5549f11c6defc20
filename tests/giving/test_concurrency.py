"""Two runs of the daily task at once give each due gift once (PostgreSQL's row locks)."""

import pytest
from django.utils import timezone

from campaigns.models import Donation
from giving import services
from giving.models import RecurringRun
from tests.campaigns.factories import funded_donor, make_campaign
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_task_runs_at_once_give_one_donation_per_gift():
    campaign = make_campaign()
    donors = [funded_donor("100.00") for _ in range(3)]
    gifts = [
        services.recurring_donation_create(
            donor=donor, campaign=campaign, amount="10.00", frequency="daily"
        )
        for donor in donors
    ]

    results = run_together(2, lambda _: services.recurring_run_due())

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["succeeded"] for r in results) == len(gifts)
    assert Donation.objects.filter(campaign=campaign).count() == len(gifts)
    assert RecurringRun.objects.filter(run_on=timezone.localdate()).count() == len(gifts)
    campaign.refresh_from_db()
    assert campaign.current_amount == 30


def test_two_runs_of_one_gift_at_once_give_once():
    gift = services.recurring_donation_create(
        donor=funded_donor("100.00"), campaign=make_campaign(), amount="10.00", frequency="daily"
    )
    today = timezone.localdate()

    results = run_together(4, lambda _: services.recurring_run_one(gift_id=gift.pk, today=today))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len([r for r in results if r is not None]) == 1
    assert Donation.objects.count() == 1


def test_duplicate_webhooks_at_once_make_one_donation(settings):
    from accounts import services as accounts_services
    from giving.models import Checkout
    from tests.factories import UserFactory

    settings.PAYMENT_GATEWAY = "tests.accounts.gateways.DeferredGateway"
    campaign = make_campaign()
    checkout = services.checkout_start(donor=UserFactory(), campaign=campaign, amount="40.00")

    results = run_together(
        3,
        lambda _: accounts_services.top_up_settle(top_up=checkout.top_up, succeeded=True),
    )

    refused = [r for r in results if isinstance(r, accounts_services.TopUpNotPending)]
    assert len(refused) == 2, results
    assert Donation.objects.filter(campaign=campaign).count() == 1
    assert Checkout.objects.get(pk=checkout.pk).status == Checkout.Status.COMPLETED
    campaign.refresh_from_db()
    assert campaign.current_amount == 40
