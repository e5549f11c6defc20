"""The zakat funds lose money only to an approved case's disbursement.

ledger_post refuses every other outflow from an account of ZAKAT_FUND_KINDS, so
every money-moving service path aimed at a zakat fund is refused; ledger_verify
reports an outflow that does not belong to a disbursement of an approved case."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import ZAKAT_FUND_KINDS, LedgerAccount, LedgerEntry, LedgerTransaction
from accounts.services import (
    Leg,
    ZakatFundRestricted,
    campaign_zakat_account,
    external_account,
    fitr_fund_account,
    ledger_post,
    ledger_reverse,
    ledger_verify,
    wallet_adjust,
    zakat_fund_account,
)
from accounts.services import ledger as ledger_module
from distribution import services
from tests.distribution.factories import approved_case, fund_fitr, fund_zakat, officer
from tests.factories import UserFactory, fund_wallet
from tests.staff.factories import staff_with
from zakat.models import ZakatPayment

pytestmark = pytest.mark.django_db

OTHER_KINDS = [k for k in LedgerTransaction.Kind.values if k != "zakat_disbursement"]


def _funded(kind: str) -> LedgerAccount:
    """A zakat account of `kind` holding 100.00 (paid in the ordinary way)."""
    if kind == "zakat_fund":
        fund_zakat("100.00")
        return zakat_fund_account()
    if kind == "fitr_fund":
        fund_fitr("100.00")
        return fitr_fund_account()
    account = campaign_zakat_account("c0ffee00-0000-4000-8000-000000000001", "Iftar")
    payer = UserFactory()
    fund_wallet(payer, "100.00")
    from accounts.services import wallet_get_or_create

    ledger_post(
        kind=LedgerTransaction.Kind.DONATION,
        legs=[Leg(wallet_get_or_create(user=payer), Decimal("-100.00")), Leg(account, 100)],
        reference="Zakat to a campaign",
    )
    return account


def test_the_shared_zakat_kinds_are_the_three_funds():
    assert ZAKAT_FUND_KINDS == ("zakat_fund", "fitr_fund", "campaign_zakat_fund")
    assert all(kind in LedgerAccount.NON_NEGATIVE_KINDS for kind in ZAKAT_FUND_KINDS)


@pytest.mark.parametrize("fund_kind", ZAKAT_FUND_KINDS)
@pytest.mark.parametrize("txn_kind", OTHER_KINDS)
def test_no_other_kind_of_posting_takes_money_out_of_a_zakat_fund(fund_kind, txn_kind):
    fund = _funded(fund_kind)
    before = LedgerTransaction.objects.count()
    with pytest.raises(ZakatFundRestricted):
        ledger_post(
            kind=txn_kind,
            legs=[Leg(fund, Decimal("-10.00")), Leg(external_account(), Decimal("10.00"))],
            reference="Taking zakat elsewhere",
        )
    fund.refresh_from_db()
    assert fund.balance == Decimal("100.00")
    assert LedgerTransaction.objects.count() == before


def test_money_still_comes_in_to_the_zakat_funds():
    fund_zakat("10.00")
    fund_fitr("5.00")
    assert zakat_fund_account().balance == Decimal("10.00")
    assert fitr_fund_account().balance == Decimal("5.00")


# --- Every other service path aimed at a zakat fund ----------------------------------------


def test_a_wallet_adjustment_cannot_be_paid_from_zakat(monkeypatch):
    fund_zakat("100.00")
    monkeypatch.setattr(ledger_module, "external_account", zakat_fund_account)
    with pytest.raises(ZakatFundRestricted):
        wallet_adjust(
            user=UserFactory(), amount=Decimal("10.00"), reason="Goodwill", by=staff_with("finance")
        )


def test_a_zakat_payment_cannot_be_reversed_out_of_the_fund():
    fund_zakat("100.00")
    payment = ZakatPayment.objects.get()
    with pytest.raises(ZakatFundRestricted):
        ledger_reverse(
            original=payment.ledger_transaction, reason="Refund", by=None, by_record_owner=True
        )
    from accounts.services import NotReversible

    with pytest.raises(NotReversible):
        ledger_reverse(
            original=payment.ledger_transaction, reason="Refund", by=staff_with("finance")
        )
    assert zakat_fund_account().balance == Decimal("100.00")


def test_a_donation_cannot_be_paid_from_zakat(monkeypatch):
    from campaigns import services as campaign_services

    fund_zakat("100.00")
    today = timezone.localdate()
    campaign = campaign_services.campaign_activate(
        campaign=campaign_services.campaign_create(
            organizer=UserFactory(),
            name="Clean water",
            description="Wells",
            target_amount=Decimal("1000.00"),
            start_date=today - timedelta(days=1),
            end_date=today + timedelta(days=30),
        ),
        by=staff_with("campaign_manager"),
    )
    real = campaign_services._donation_accounts
    monkeypatch.setattr(
        campaign_services,
        "_donation_accounts",
        lambda *, donor, campaign, **kw: (
            zakat_fund_account(),
            real(donor=donor, campaign=campaign, **kw)[1],
        ),
    )
    with pytest.raises(ZakatFundRestricted):
        campaign_services.donation_create(
            donor=UserFactory(), campaign=campaign, amount=Decimal("10.00")
        )


def test_a_loan_cannot_be_disbursed_from_zakat(monkeypatch):
    from loans import services as loan_services
    from tests.loans.factories import pending_loan

    fund_zakat("2000.00")
    officer_ = staff_with("loan_officer")
    loan = loan_services.loan_approve(loan=pending_loan(UserFactory()), by=officer_)
    monkeypatch.setattr(loan_services, "loan_receivable_account", lambda loan: zakat_fund_account())
    with pytest.raises(ZakatFundRestricted):
        loan_services.loan_disburse(loan=loan, by=officer_)
    loan.refresh_from_db()
    assert loan.status == "approved"


def test_a_murabaha_purchase_cannot_be_paid_from_zakat(monkeypatch):
    from loans import services as loan_services
    from tests.loans.factories import purchase, requested_contract

    fund_zakat("2000.00")
    monkeypatch.setattr(
        loan_services, "murabaha_inventory_account", lambda contract: zakat_fund_account()
    )
    with pytest.raises(ZakatFundRestricted):
        loan_services.murabaha_acquire(
            contract=requested_contract(UserFactory()),
            by=staff_with("loan_officer"),
            **purchase(),
        )


def test_the_api_answers_a_refused_outflow_as_a_400(monkeypatch, settings):
    from rest_framework.test import APIClient

    settings.FOUR_EYES = []
    fund_zakat("100.00")
    monkeypatch.setattr(ledger_module, "external_account", zakat_fund_account)
    client = APIClient()
    client.force_authenticate(staff_with("finance"))
    person = UserFactory()
    response = client.post(
        "/api/v1/wallet-adjustments",
        {"user_id": str(person.pk), "amount": "10.00", "reason": "Goodwill"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "zakat_fund_restricted"


# --- ledger_verify -------------------------------------------------------------------------


def test_ledger_verify_accepts_a_disbursement_of_an_approved_case(settings):
    settings.FOUR_EYES = []
    fund_zakat("100.00")
    services.zakat_disbursement_request(
        case=approved_case(approved="40.00"), by=officer(), amount="40.00", method="wallet"
    )
    assert ledger_verify().problems == []


def test_ledger_verify_flags_a_forged_outflow_posted_as_a_disbursement():
    fund_zakat("100.00")
    forged = ledger_post(
        kind=LedgerTransaction.Kind.ZAKAT_DISBURSEMENT,
        legs=[Leg(zakat_fund_account(), Decimal("-30.00")), Leg(external_account(), 30)],
        reference="Looks like a disbursement",
    )
    problems = ledger_verify().problems
    assert len(problems) == 1
    assert str(forged.pk) in problems[0]
    assert "zakat" in problems[0]
    with pytest.raises(CommandError):
        call_command("ledger_verify")


def test_ledger_verify_flags_an_outflow_written_behind_the_ledgers_back():
    fund_zakat("100.00")
    txn = LedgerTransaction.objects.create(kind="adjustment", reference="Raw rows")
    fund, outside = zakat_fund_account(), external_account()
    LedgerEntry.objects.create(transaction=txn, account=fund, amount=-5, balance_after=95)
    LedgerEntry.objects.create(transaction=txn, account=outside, amount=5, balance_after=0)
    assert any(str(txn.pk) in problem for problem in ledger_verify().problems)
