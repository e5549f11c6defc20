"""Zakat al-fitr payments and zakat given to a campaign under concurrent requests,
on PostgreSQL: real threads, one database connection each."""

from collections import Counter
from decimal import Decimal

import pytest
from freezegun import freeze_time

from accounts import services as accounts_services
from accounts.services import InsufficientFunds
from campaigns import services as campaign_services
from campaigns.models import Donation
from tests.campaigns.factories import make_campaign
from tests.concurrency import run_together
from tests.factories import UserFactory, fund_wallet
from tests.staff.factories import staff_with
from zakat import services
from zakat.models import FitrPayment, ReceiptCounter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12
# Inside Ramadan 1448 AH, before its deadline (1 Shawwal 1448 = 9 March 2027).
IN_RAMADAN = "2027-02-20 10:00:00"


@pytest.fixture(autouse=True)
def _in_ramadan():
    # tick: time moves on, so the rows' timestamps and lock waits stay ordinary.
    with freeze_time(IN_RAMADAN, tick=True):
        services.fitr_rate_set(
            hijri_year=1448, amount_per_person=Decimal("10.00"), by=staff_with("finance")
        )
        yield


def test_fitr_payments_and_zakat_donations_from_one_wallet_never_overdraw_it():
    """Twelve requests of 10.00 each, half zakat al-fitr and half zakat to a campaign,
    all from one wallet holding 95.00: nine go through, three are 402, never below 0."""
    payer = UserFactory()
    fund_wallet(payer, "95.00")
    campaign = make_campaign(target="1000.00")
    campaign_services.campaign_update(
        campaign=campaign, by=staff_with("campaign_manager"), zakat_eligible=True
    )

    def pay(index):
        if index % 2:
            return services.fitr_payment_create(payer=payer, people=1)
        return campaign_services.donation_create(
            donor=payer, campaign=campaign.pk, amount=Decimal("10.00"), designation="zakat"
        )

    results = run_together(THREADS, pay)

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes["InsufficientFunds"] == 3, results
    assert outcomes["FitrPayment"] + outcomes["Donation"] == 9, results
    assert all(isinstance(r, FitrPayment | Donation | InsufficientFunds) for r in results), results
    wallet = accounts_services.wallet_get_or_create(user=payer)
    assert wallet.balance == Decimal("5.00")
    fitr_total = Decimal(outcomes["FitrPayment"]) * 10
    zakat_total = Decimal(outcomes["Donation"]) * 10
    assert accounts_services.fitr_fund_account().balance == fitr_total
    zakat_account = accounts_services.campaign_zakat_account(campaign.pk, campaign.name)
    assert zakat_account.balance == zakat_total
    campaign.refresh_from_db()
    assert campaign.current_amount == zakat_total
    numbers = sorted(FitrPayment.objects.values_list("receipt_number", flat=True))
    assert numbers == list(range(1, outcomes["FitrPayment"] + 1))
    assert accounts_services.ledger_verify().problems == []


def test_fitr_receipt_numbers_stay_unique_and_gap_free():
    payers = [UserFactory() for _ in range(4)]
    for payer in payers:
        fund_wallet(payer, "1000.00")

    def pay(index):
        return services.fitr_payment_create(payer=payers[index % 4], people=1 + index % 5)

    results = run_together(THREADS, pay)

    assert all(isinstance(r, FitrPayment) for r in results), results
    numbers = sorted(FitrPayment.objects.values_list("receipt_number", flat=True))
    assert numbers == list(range(1, THREADS + 1))
    assert ReceiptCounter.objects.get(name=services.FITR_RECEIPT_COUNTER).value == THREADS
    expected = sum(Decimal(10 * (1 + i % 5)) for i in range(THREADS))
    assert accounts_services.fitr_fund_account().balance == expected
    assert accounts_services.ledger_verify().problems == []
