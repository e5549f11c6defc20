"""A campaign's sadaqah fund in parts (campaigns.services): gifts arriving while
another gift holds the main account spill into campaign:<id>:<n>; the fund is the
sum of its parts, payouts draw from them, refunds even them out first."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from accounts.models import LedgerEntry, LedgerTransaction
from accounts.services import ledger_verify
from campaigns import selectors, services
from campaigns.models import Campaign, Donation
from payouts import services as payouts
from staff.services import approval_approve
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory
from tests.staff.factories import staff_with


def _fund_key_of(donation: Donation) -> str:
    entry = LedgerEntry.objects.select_related("account").get(
        transaction_id=donation.ledger_transaction_id, amount__gt=0
    )
    return entry.account.key


def _give(campaign, amount, *, part, monkeypatch):
    monkeypatch.setattr(services, "_free_fund_part", lambda _campaign_id: part)
    return services.donation_create(
        donor=funded_donor(amount), campaign=campaign, amount=Decimal(amount)
    )


@pytest.mark.django_db
def test_a_quiet_campaign_keeps_one_fund_account():
    campaign = make_campaign()
    for _ in range(3):
        donation = services.donation_create(
            donor=funded_donor("10.00"), campaign=campaign, amount=Decimal("10.00")
        )
        assert _fund_key_of(donation) == campaign.fund_key
    assert [a.key for a in selectors.campaign_fund_parts(campaign=campaign)] == [campaign.fund_key]
    assert selectors.campaign_fund_balance(campaign=campaign) == Decimal("30.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_gift_arriving_while_another_holds_the_fund_goes_to_a_part():
    campaign = make_campaign()
    holding, release = threading.Event(), threading.Event()

    def gift_in_flight():
        try:
            with transaction.atomic():
                assert services._free_fund_part(campaign.pk) == 0  # holds the main account
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=gift_in_flight)
    other.start()
    try:
        assert holding.wait(10)
        donation = services.donation_create(
            donor=funded_donor("5.00"), campaign=campaign, amount=Decimal("5.00")
        )
    finally:
        release.set()
        other.join()
    assert _fund_key_of(donation) == f"{campaign.fund_key}:1"
    # Once nothing is in flight, the main account is free again.
    later = services.donation_create(
        donor=funded_donor("5.00"), campaign=campaign, amount=Decimal("5.00")
    )
    assert _fund_key_of(later) == campaign.fund_key
    campaign.refresh_from_db()
    assert (
        campaign.current_amount
        == Decimal("10.00")
        == selectors.campaign_fund_balance(campaign=campaign)
    )
    assert ledger_verify().problems == []


@pytest.mark.django_db
def test_a_payout_draws_the_main_account_first_then_the_parts(
    monkeypatch, django_capture_on_commit_callbacks
):
    organizer = UserFactory()
    campaign = make_campaign(organizer=organizer)
    _give(campaign, "50.00", part=0, monkeypatch=monkeypatch)
    _give(campaign, "30.00", part=1, monkeypatch=monkeypatch)
    _give(campaign, "40.00", part=2, monkeypatch=monkeypatch)

    outcome = payouts.campaign_payout_request(
        campaign=campaign, by=organizer, amount="70.00", payee_name="Well builders Ltd"
    )
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=outcome.approval, by=staff_with("finance"))

    balances = {a.key: a.balance for a in selectors.campaign_fund_parts(campaign=campaign)}
    assert balances == {
        campaign.fund_key: Decimal("0.00"),
        f"{campaign.fund_key}:1": Decimal("10.00"),
        f"{campaign.fund_key}:2": Decimal("40.00"),
    }
    assert selectors.campaign_fund_balance(campaign=campaign) == Decimal("50.00")
    assert ledger_verify().problems == []


@pytest.mark.django_db
def test_more_than_the_parts_hold_together_is_refused():
    campaign = make_campaign()
    with pytest.raises(services.ledger.InsufficientFunds):
        services.campaign_fund_draw_legs(campaign=campaign, amount=Decimal("0.01"))


@pytest.mark.django_db
def test_a_refund_evens_the_parts_out_when_payouts_drew_its_part(
    monkeypatch, django_capture_on_commit_callbacks
):
    organizer = UserFactory()
    campaign = make_campaign(organizer=organizer)
    _give(campaign, "50.00", part=0, monkeypatch=monkeypatch)
    refunded = _give(campaign, "30.00", part=1, monkeypatch=monkeypatch)
    _give(campaign, "40.00", part=2, monkeypatch=monkeypatch)
    outcome = payouts.campaign_payout_request(
        campaign=campaign, by=organizer, amount="70.00", payee_name="Well builders Ltd"
    )
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(approval=outcome.approval, by=staff_with("finance"))
    # Part 1 now holds 10.00 of the 30.00 given into it; the fund holds 50.00.

    services.donation_refund(donation=refunded, by=staff_with("finance", "campaign_manager"))

    transfer = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.FUND_TRANSFER)
    assert sorted(e.amount for e in transfer.entries.all()) == [Decimal("-20.00"), Decimal("20.00")]
    balances = {a.key: a.balance for a in selectors.campaign_fund_parts(campaign=campaign)}
    assert balances[f"{campaign.fund_key}:1"] == Decimal("0.00")
    assert balances[f"{campaign.fund_key}:2"] == Decimal("20.00")
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.current_amount == Decimal("90.00")
    assert campaign.donor_count == 2
    assert ledger_verify().problems == []


@pytest.mark.django_db
def test_a_campaign_closed_while_a_gift_is_in_flight_takes_nothing(monkeypatch):
    """The campaign is read unlocked; the totals' update checks again that it is
    open, and a cancel committed in between rolls the whole gift back."""
    campaign = make_campaign()
    donor = funded_donor("10.00")
    post = services.ledger.ledger_post

    def post_then_cancel(**kwargs):
        txn = post(**kwargs)
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CANCELLED)
        return txn

    monkeypatch.setattr(services.ledger, "ledger_post", post_then_cancel)
    with pytest.raises(services.CampaignNotActive):
        services.donation_create(donor=donor, campaign=campaign, amount=Decimal("4.00"))

    assert not Donation.objects.exists()
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DONATION).exists()
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("0.00")
    # Here the cancel ran inside the gift's own transaction, so it was undone with it.
    assert campaign.status == Campaign.Status.ACTIVE
