"""Donations and refunds under concurrent writers, on PostgreSQL: real threads,
one database connection each. SQLite runs one writer at a time, so these prove
nothing there and are skipped with that reason."""

import random
from collections import Counter
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import LedgerAccount
from accounts.services import ledger_verify
from campaigns import services
from campaigns.models import Campaign, Donation
from campaigns.selectors import campaign_fund_balance, campaign_fund_parts
from tests.campaigns.factories import make_campaign
from tests.concurrency import run_together
from tests.factories import UserFactory, fund_wallet

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
ROUNDS = 10


def test_many_donors_at_once_add_up_exactly():
    """50 threads, each its own donor and connection, donate to one campaign at
    the same instant, 10 rounds. Some wallets are too short on purpose."""
    campaign = make_campaign(target="100000.00")
    rng = random.Random(2026)
    donors = [UserFactory() for _ in range(THREADS)]
    for donor in donors:
        fund_wallet(donor, "60.00")
    clients = []
    for donor in donors:
        client = APIClient()
        client.force_authenticate(donor)
        clients.append(client)

    expected_total = Decimal("0.00")
    successful_donors: set = set()
    statuses: Counter = Counter()
    for _round in range(ROUNDS):
        amounts = [Decimal(rng.randint(100, 900)) / 100 for _ in range(THREADS)]

        def donate(index, amounts=amounts):
            response = clients[index].post(
                f"/api/v1/campaigns/{campaign.pk}/donations",
                {"amount": str(amounts[index])},
                format="json",
            )
            return response.status_code

        results = run_together(THREADS, donate)
        assert all(isinstance(r, int) for r in results), results
        statuses.update(results)
        for index, code in enumerate(results):
            if code == 201:
                expected_total += amounts[index]
                successful_donors.add(donors[index].pk)

    assert set(statuses) <= {201, 402}, statuses
    assert statuses[402] > 0, "some wallets should have run short"
    campaign.refresh_from_db()
    donations = Donation.objects.filter(campaign=campaign, status="completed")
    assert donations.count() == statuses[201]
    assert campaign.current_amount == expected_total
    assert campaign.current_amount == sum(d.amount for d in donations)
    assert campaign.donor_count == len(successful_donors)
    # Gifts arriving together spilled into parts of the fund; the fund is their sum.
    parts = campaign_fund_parts(campaign=campaign)
    assert len(parts) > 1
    assert parts[0].key == campaign.fund_key
    assert campaign_fund_balance(campaign=campaign) == campaign.current_amount
    assert not LedgerAccount.objects.filter(kind="wallet", balance__lt=0).exists()
    assert ledger_verify().problems == []


def test_concurrent_refunds_happen_once(staff_user):
    campaign = make_campaign()
    donor = UserFactory()
    fund_wallet(donor, "100.00")
    donation = services.donation_create(donor=donor, campaign=campaign, amount=Decimal("40.00"))
    client = APIClient()
    client.force_authenticate(staff_user)

    def refund(_):
        response = client.post(f"/api/v1/donations/{donation.pk}/refund")
        return response.status_code, response.json().get("error")

    results = run_together(10, refund)

    assert Counter(results) == {(200, None): 1, (400, "already_refunded"): 9}, results
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.current_amount == 0
    assert campaign.donor_count == 0
    assert LedgerAccount.objects.get(kind="wallet", owner=donor).balance == Decimal("100.00")
    assert ledger_verify().problems == []


def test_donations_and_refunds_interleaved(staff_user):
    """Refunds of earlier donations race new donations: the totals still match."""
    campaign = make_campaign()
    donors = [UserFactory() for _ in range(20)]
    for donor in donors:
        fund_wallet(donor, "50.00")
    earlier = [
        services.donation_create(donor=d, campaign=campaign, amount=Decimal("10.00"))
        for d in donors[:10]
    ]

    def work(index):
        if index < 10:
            return services.donation_refund(donation=earlier[index], by=staff_user)
        return services.donation_create(
            donor=donors[index], campaign=campaign, amount=Decimal("7.00")
        )

    results = run_together(20, work)

    assert all(isinstance(r, Donation) for r in results), results
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("70.00")
    assert campaign.donor_count == 10
    assert campaign_fund_balance(campaign=campaign) == Decimal("70.00")
    assert ledger_verify().problems == []
