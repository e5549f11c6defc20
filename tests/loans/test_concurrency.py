"""Repayments and lifecycle moves under concurrent writers, on PostgreSQL."""

from collections import Counter
from decimal import Decimal

import pytest

from accounts import selectors as account_selectors
from accounts.services import Leg, ledger_post, ledger_verify, wallet_get_or_create
from loans import services
from loans.models import Installment, Loan
from tests.concurrency import run_together
from tests.factories import UserFactory
from tests.loans.factories import active_loan, pending_loan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_repayments_never_overpay(user):
    loan = active_loan(user, principal="100.00", months=4)

    results = run_together(
        20,
        lambda _: services.loan_repay(
            loan=Loan.objects.get(pk=loan.pk), amount=Decimal("30.00"), by=user
        ),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Loan": 3, "Overpayment": 17}, outcomes
    loan.refresh_from_db()
    assert loan.repaid_amount == Decimal("90.00")
    assert loan.remaining_balance == Decimal("10.00")
    assert loan.repaid_amount + loan.remaining_balance == loan.principal_amount
    assert account_selectors.wallet_balance(user=user) == Decimal("10.00")
    assert sum(Installment.objects.filter(loan=loan).values_list("paid_amount", flat=True)) == (
        Decimal("90.00")
    )
    assert ledger_verify().problems == []


def test_concurrent_wallet_shortage_never_goes_negative(user, other_user):
    loan = active_loan(user, principal="100.00", months=4)
    ledger_post(  # the borrower spends most of the disbursement elsewhere first
        kind="donation",
        legs=[
            Leg(wallet_get_or_create(user=user), Decimal("-60.00")),
            Leg(wallet_get_or_create(user=other_user), Decimal("60.00")),
        ],
        reference="spent",
    )

    results = run_together(
        24,
        lambda _: services.loan_repay(
            loan=Loan.objects.get(pk=loan.pk), amount=Decimal("7.00"), by=user
        ),
    )

    # 40.00 in the wallet pays five times 7.00; 65.00 is still owed, so every
    # refusal is the short wallet, never an overpayment.
    assert Counter(type(r).__name__ for r in results) == {"Loan": 5, "InsufficientFunds": 19}
    loan.refresh_from_db()
    assert loan.repaid_amount == Decimal("35.00")
    assert loan.remaining_balance == Decimal("65.00")
    assert account_selectors.wallet_for(user=user).balance == Decimal("5.00")
    assert ledger_verify().problems == []


def test_concurrent_approve_and_disburse_take_effect_once(user):
    staff = [UserFactory(is_staff=True) for _ in range(4)]
    loan = pending_loan(user, principal="100.00", months=2)

    approvals = run_together(
        20, lambda i: services.loan_approve(loan=Loan.objects.get(pk=loan.pk), by=staff[i % 4])
    )
    assert Counter(type(r).__name__ for r in approvals) == {"Loan": 1, "InvalidTransition": 19}

    disbursals = run_together(
        20, lambda i: services.loan_disburse(loan=Loan.objects.get(pk=loan.pk), by=staff[i % 4])
    )
    assert Counter(type(r).__name__ for r in disbursals) == {"Loan": 1, "InvalidTransition": 19}
    assert account_selectors.wallet_balance(user=user) == Decimal("100.00")
    assert Installment.objects.filter(loan=loan).count() == 2
    assert ledger_verify().problems == []
