"""Fault injection: a crash in the middle of a money service leaves nothing behind.

For each service that moves money, a dry run counts the writes it makes
(INSERT/UPDATE/DELETE statements). Then, for every n, the n-th write is let
through and an exception is raised right after it, from inside the database
layer, so the service dies with some of its writes done. Every row of the
accounts, zakat, campaigns and loans tables must be exactly as before (compared
by count and a hash of the values, with a readable diff on failure), no
on_commit callback may be left to run, no e-mail may go out and no live
campaign update may be broadcast.

The one designed exception is top_up_create: it records the TopUp before
calling the payment gateway and outside the lock (an external call must never
hold one), so a crash after that may leave the pending TopUp, and a gateway
that fails leaves it marked failed. Either way no money moves.
"""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import override_settings

from accounts import payments
from accounts import services as accounts
from accounts.models import LedgerTransaction, TopUp
from campaigns import services as campaigns
from loans import services as loans
from payouts import services as payouts
from staff.models import Approval
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory, fund_wallet
from tests.helpers import db_digest, db_rows, describe_changes
from tests.loans.factories import (
    active_contract,
    active_loan,
    offered_contract,
    pending_loan,
    purchase,
    requested_contract,
)
from zakat import services as zakat

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")
D = Decimal


class Fault(Exception):
    """The injected crash."""


def is_write(sql: str) -> bool:
    """An INSERT, UPDATE or DELETE, or the PostgreSQL ledger posting, which writes
    a whole transaction from one SELECT of accounts_ledger_post()."""
    statement = sql.lstrip().upper()
    return statement.startswith(WRITES) or "ACCOUNTS_LEDGER_POST(" in statement


class CrashAfterWrite:
    """A database execute wrapper: lets the n-th write run, then raises Fault
    (n = 0 only counts)."""

    def __init__(self, n: int = 0) -> None:
        self.n = n
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if is_write(sql):
            self.writes += 1
            if self.writes == self.n:
                raise Fault(f"injected after write {self.n}: {sql[:80]}")
        return result


# --- the scenarios: each prepares the rows and returns the call under test ------------


def staff():
    return UserFactory(is_staff=True)


def funded(amount: str = "2000.00"):
    user = UserFactory()
    fund_wallet(user, amount)
    return user


def s_top_up_create() -> Callable:
    user = funded("10.00")
    return lambda: accounts.top_up_create(user=user, amount=D("125.00"))


def s_top_up_settle() -> Callable:
    user = funded("10.00")
    with override_settings(PAYMENT_GATEWAY="tests.accounts.gateways.DeferredGateway"):
        top_up = accounts.top_up_create(user=user, amount=D("125.00"))
    return lambda: accounts.top_up_settle(top_up=top_up, succeeded=True)


def s_wallet_adjust_credit() -> Callable:
    user, by = UserFactory(), funded()  # the user has no wallet yet: it is opened here
    return lambda: accounts.wallet_adjust(user=user, amount=D("40.00"), reason="goodwill", by=by)


def s_wallet_adjust_debit() -> Callable:
    user, by = funded("100.00"), staff()
    return lambda: accounts.wallet_adjust(user=user, amount=D("-40.00"), reason="error", by=by)


def s_ledger_reverse() -> Callable:
    user, by = funded("100.00"), staff()
    original = LedgerTransaction.objects.get(top_up__user=user)
    return lambda: accounts.ledger_reverse(original=original, reason="charged back", by=by)


def s_donation_create() -> Callable:
    donor, campaign = funded(), make_campaign()
    return lambda: campaigns.donation_create(
        donor=donor, campaign=campaign, amount=D("75.00"), message="Go!"
    )


def s_donation_refund() -> Callable:
    donor, campaign, by = funded(), make_campaign(), staff()
    donation = campaigns.donation_create(donor=donor, campaign=campaign, amount=D("75.00"))
    campaigns.donation_create(donor=funded(), campaign=campaign, amount=D("5.00"))
    return lambda: campaigns.donation_refund(donation=donation, by=by, reason="asked")


def s_zakat_payment() -> Callable:
    payer = funded()
    record = zakat.zakat_record_create(
        payer=payer, payer_id="payer-001", wealth_amount=D("10000.00"), nisab_threshold=D("5000")
    )
    return lambda: zakat.zakat_payment_create(record=record, payer=payer)


def s_zakat_donation() -> Callable:
    donor, campaign = funded(), make_campaign()
    campaigns.campaign_update(campaign=campaign, by=staff(), zakat_eligible=True)
    return lambda: campaigns.donation_create(
        donor=donor, campaign=campaign, amount=D("75.00"), designation="zakat"
    )


def s_fitr_payment() -> Callable:
    from freezegun import freeze_time

    from zakat import selectors as zakat_selectors

    payer, season = funded(), zakat_selectors.fitr_season()
    zakat.fitr_rate_set(hijri_year=season.hijri_year, amount_per_person=D("12.50"), by=staff())

    def pay():
        if season.is_open:
            return zakat.fitr_payment_create(payer=payer, people=4)
        with freeze_time(season.deadline - timedelta(hours=1)):  # after Eid: just before it
            return zakat.fitr_payment_create(payer=payer, people=4)

    return pay


def s_loan_disburse() -> Callable:
    by = staff()
    loan = pending_loan(funded(), principal="1200.00", months=12)
    loans.loan_approve(loan=loan, by=by)
    return lambda: loans.loan_disburse(loan=loan, by=by)


def s_loan_repay_wallet() -> Callable:
    borrower = funded()
    loan = active_loan(borrower, principal="1200.00", months=12)
    return lambda: loans.loan_repay(loan=loan, amount=D("150.00"), by=borrower)


def s_loan_repay_in_full() -> Callable:
    borrower = funded()
    loan = active_loan(borrower, principal="300.00", months=3)
    return lambda: loans.loan_repay(loan=loan, amount=D("300.00"), by=borrower)


def s_loan_repay_external() -> Callable:
    loan, by = active_loan(UserFactory(), principal="1200.00", months=12), staff()
    return lambda: loans.loan_repay(loan=loan, amount=D("150.00"), by=by, source="external")


def s_loan_mark_defaulted() -> Callable:
    borrower, by = funded(), staff()
    loan = active_loan(borrower, principal="1200.00", months=12)
    loans.loan_repay(loan=loan, amount=D("250.00"), by=borrower)
    return lambda: loans.loan_mark_defaulted(loan=loan, by=by)


def s_murabaha_acquire() -> Callable:
    contract, by = requested_contract(UserFactory()), staff()
    return lambda: loans.murabaha_acquire(contract=contract, by=by, **purchase())


def s_murabaha_accept() -> Callable:
    customer = funded()
    contract = offered_contract(customer, markup="200.00")
    return lambda: loans.murabaha_accept(contract=contract, by=customer)


def s_murabaha_pay() -> Callable:
    customer = UserFactory()
    contract = active_contract(customer, markup="200.00")
    return lambda: loans.murabaha_pay(contract=contract, amount=D("400.00"), by=customer)


def s_murabaha_pay_in_full() -> Callable:
    customer = funded()
    contract = active_contract(customer, markup="200.00")
    return lambda: loans.murabaha_pay(contract=contract, amount=D("1100.00"), by=customer)


def _withdrawal(amount: str, gateway: str = "sandbox"):
    from tests.payouts.factories import funded_user

    user, account = funded_user("3000.00")
    with override_settings(PAYOUT_GATEWAY=gateway):
        payout = payouts.withdrawal_create(user=user, amount=amount, payout_account=account)
        payouts.payout_send(payout_id=payout.pk)
    return user, account, payout


def s_withdrawal_create() -> Callable:
    from tests.payouts.factories import funded_user

    user, account = funded_user("500.00")
    return lambda: payouts.withdrawal_create(user=user, amount=D("120.00"), payout_account=account)


def s_withdrawal_create_above_the_limit() -> Callable:
    from tests.payouts.factories import funded_user

    user, account = funded_user("3000.00")
    return lambda: payouts.withdrawal_create(user=user, amount=D("1500.00"), payout_account=account)


def s_withdrawal_approve() -> Callable:
    from staff.services import approval_approve
    from tests.staff.factories import staff_with

    _, _, payout = _withdrawal("1500.00")
    approval, finance = Approval.objects.get(pk=payout.approval_id), staff_with("finance")
    return lambda: approval_approve(approval=approval, by=finance)


def s_withdrawal_reject() -> Callable:
    from staff.services import approval_reject
    from tests.staff.factories import staff_with

    _, _, payout = _withdrawal("1500.00")
    approval, finance = Approval.objects.get(pk=payout.approval_id), staff_with("finance")
    return lambda: approval_reject(approval=approval, by=finance, reason="Too much at once")


def s_payout_settle_paid() -> Callable:
    _, _, payout = _withdrawal("100.00", "tests.payouts.gateways.DeferredPayoutGateway")
    return lambda: payouts.payout_settle(payout=payout, paid=True)


def s_payout_settle_failed() -> Callable:
    _, _, payout = _withdrawal("100.00", "tests.payouts.gateways.DeferredPayoutGateway")
    return lambda: payouts.payout_settle(payout=payout, paid=False, failure_reason="closed")


def s_campaign_payout_approve() -> Callable:
    from staff.services import approval_approve
    from tests.staff.factories import staff_with

    organizer = UserFactory()
    campaign = make_campaign(organizer=organizer)
    campaigns.donation_create(donor=funded(), campaign=campaign, amount=D("400.00"))
    outcome = payouts.campaign_payout_request(
        campaign=campaign, by=organizer, amount=D("300.00"), payee_name="Builders"
    )
    finance = staff_with("finance")
    return lambda: approval_approve(approval=outcome.approval, by=finance)


SCENARIOS = {name.removeprefix("s_"): fn for name, fn in globals().items() if name.startswith("s_")}


def is_designed_counter_leftover(before: dict, after: dict, name: str = "zakat_receipt") -> bool:
    """zakat_payment_create makes the receipt counter row (at 0, no number used)
    before it takes its locks, on purpose: the only thing a crash may leave."""
    label = "zakat.ReceiptCounter"
    others_equal = all(before[k] == after[k] for k in before if k != label)
    return others_equal and before[label] == [] and after[label] == [(name, 0)]


def is_designed_top_up_leftover(before: dict, after: dict) -> bool:
    """top_up_create records the TopUp before the gateway call: a crash after that
    may leave it pending, never with money, and nothing else may differ."""
    label = TopUp._meta.label
    others_equal = all(before[k] == after[k] for k in before if k != label)
    new = TopUp.objects.exclude(pk__in=[row[0] for row in before[label]])
    return (
        others_equal
        and set(map(repr, before[label])) <= set(map(repr, after[label]))
        and all(t.status == TopUp.Status.PENDING and t.ledger_transaction_id is None for t in new)
    )


DESIGNED_LEFTOVERS = {
    "top_up_create": is_designed_top_up_leftover,
    "zakat_payment": is_designed_counter_leftover,
    # fitr_payment_create does the same with its own counter.
    "fitr_payment": lambda before, after: is_designed_counter_leftover(
        before, after, "fitr_receipt"
    ),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_crash_after_any_write_leaves_nothing_partial(
    scenario, monkeypatch, django_capture_on_commit_callbacks
):
    broadcasts = []
    monkeypatch.setattr(campaigns, "_broadcast", lambda *args: broadcasts.append(args))
    prepare = SCENARIOS[scenario]

    with transaction.atomic():  # a dry run, to count the service's writes
        call = prepare()
        counter = CrashAfterWrite()
        with connection.execute_wrapper(counter):
            call()
        transaction.set_rollback(True)
    # On PostgreSQL a bare posting (a reversal, an adjustment) is one statement,
    # accounts_ledger_post(): nothing can be left half-written between its writes.
    fewest = 1 if connection.vendor == "postgresql" else 2
    assert counter.writes >= fewest, f"{scenario} wrote only {counter.writes} time(s)"
    mail.outbox.clear()
    broadcasts.clear()

    for n in range(1, counter.writes + 1):
        with transaction.atomic():
            call = prepare()
            before = db_rows()
            with (
                django_capture_on_commit_callbacks(execute=True) as callbacks,
                pytest.raises(Fault),
                connection.execute_wrapper(CrashAfterWrite(n)),
            ):
                call()
            if connection.needs_rollback:
                # The crash escaped a write made outside any atomic block of the
                # service; without our test transaction it would have been committed
                # at once (autocommit), so look at the rows as they are.
                transaction.set_rollback(False)
            after = db_rows()
            designed = DESIGNED_LEFTOVERS.get(scenario)
            if designed is None or not designed(before, after):
                assert db_digest(after) == db_digest(before), (
                    f"{scenario}: a crash after write {n} of {counter.writes} left:\n"
                    + describe_changes(before, after)
                )
            assert callbacks == [], f"{scenario}: on_commit callbacks survived write {n}"
            transaction.set_rollback(True)
    assert mail.outbox == []
    assert broadcasts == []


def test_a_failing_gateway_leaves_only_a_failed_top_up(monkeypatch):
    user = funded("10.00")

    def broken(self, *, top_up):
        raise ConnectionError("provider unreachable")

    monkeypatch.setattr(payments.SandboxGateway, "start", broken)
    before = db_rows()

    with pytest.raises(accounts.PaymentUnavailable):
        accounts.top_up_create(user=user, amount=D("50.00"))

    after = db_rows()
    label = TopUp._meta.label
    assert {k: v for k, v in after.items() if k != label} == {
        k: v for k, v in before.items() if k != label
    }, describe_changes(before, after)
    top_up = TopUp.objects.exclude(pk__in=[row[0] for row in before[label]]).get()
    assert top_up.status == TopUp.Status.FAILED
    assert top_up.completed_at is not None
    assert top_up.ledger_transaction_id is None
    assert top_up.amount == D("50.00")
    assert accounts.wallet_get_or_create(user=user).balance == D("10.00")
