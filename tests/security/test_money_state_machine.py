"""Money under stress: a hypothesis state machine over the whole platform.

Users top up (at once, or pending and settled later), staff adjust wallets and
reverse ledger transactions, people run campaigns and donate (sadaqah, or zakat to
campaigns staff made zakat-eligible), staff refund; zakat records are saved and
paid; staff set the zakat al-fitr rate and people pay it for their households; qard hasan loans are applied for, approved,
rejected, disbursed, repaid from the wallet or in cash, and marked defaulted;
murabaha contracts are requested, acquired, offered, accepted, paid and
cancelled. Every call goes through the real services. A refusal (a DomainError
or a ValidationError) is a legal outcome, but it must leave every row of the
money apps exactly as it was. After every step the invariants below are checked
against the database.

The run is derandomized (a fixed seed), so CI sees the same sequences every time.
`MONEY_EXAMPLES=500 MONEY_STEPS=60 pytest tests/security/test_money_state_machine.py`
runs a longer search.
"""

import os
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from accounts import money
from accounts import services as accounts
from accounts.models import LedgerAccount, LedgerEntry, LedgerTransaction, TopUp
from campaigns import services as campaigns
from campaigns.models import Campaign, Donation
from config.errors import DomainError
from loans import services as loans
from loans.models import Installment, Loan, MurabahaContract, Payment
from staff.models import AuditEvent
from tests.factories import UserFactory
from tests.helpers import db_rows, describe_changes
from zakat import selectors as zakat_selectors
from zakat import services as zakat
from zakat.models import FitrPayment, ReceiptCounter, ZakatPayment, ZakatRecord

EXAMPLES = int(os.environ.get("MONEY_EXAMPLES") or 12)
STEPS = int(os.environ.get("MONEY_STEPS") or 50)
DEFERRED_GATEWAY = "tests.accounts.gateways.DeferredGateway"
ZERO = Decimal("0.00")

cents = st.integers(min_value=1, max_value=150_000).map(lambda c: Decimal(c).scaleb(-2))
small_cents = st.integers(min_value=1, max_value=30_000).map(lambda c: Decimal(c).scaleb(-2))
odd_amounts = st.sampled_from(
    [Decimal("0"), Decimal("0.00"), Decimal("-5.00"), Decimal("0.001"), Decimal("12.345")]
)
amounts = st.one_of(cents, cents, small_cents, odd_amounts)
# A payment: everything still owed, half of it, or any amount (maybe too much).
payment_amounts = st.one_of(st.sampled_from(["all", "half"]), small_cents, odd_amounts)
person = st.integers(min_value=0, max_value=4)
staff_member = st.integers(min_value=0, max_value=1)

# Operations that must have succeeded at least once over the default run, so the
# invariants are seen to hold in the interesting states, not only the empty ones.
MUST_SUCCEED = {
    "top_up_create",
    "wallet_adjust",
    "ledger_reverse",
    "donation_create",
    "donation_create_zakat",
    "donation_refund",
    "zakat_payment_create",
    "fitr_rate_set",
    "loan_repay",
    "loan_mark_defaulted",
    "murabaha_pay",
}
# What the machine did over the run: name -> Counter({"ok": n, "refused": m}).
TALLY: dict[str, Counter] = {}


def cents_of(value) -> Decimal:
    """An aggregate as exact cents (SQLite sums decimals as floats)."""
    return money.quantize(value or 0)


def total(queryset, field: str = "amount") -> Decimal:
    return cents_of(queryset.aggregate(total=Sum(field))["total"])


class MoneyMachine(RuleBasedStateMachine):
    people = Bundle("people")
    campaigns = Bundle("campaigns")
    donations = Bundle("donations")
    records = Bundle("zakat_records")
    loans = Bundle("loans")
    contracts = Bundle("contracts")
    pending_top_ups = Bundle("pending_top_ups")

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint that teardown rolls back: the next one
        # starts from the same empty books.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.staff = [UserFactory(is_staff=True), UserFactory(is_staff=True)]
        # Everyone may borrow, donate and pay zakat, one staff member included.
        self.everyone = [*UserFactory.create_batch(4), self.staff[0]]
        for user in [*self.everyone, self.staff[1]]:
            accounts.wallet_get_or_create(user=user)
        for user in self.everyone:
            accounts.top_up_create(user=user, amount=Decimal("3000.00"))
        accounts.external_account()
        accounts.zakat_fund_account()
        accounts.fitr_fund_account()
        # zakat_payment_create makes the counter row before its lock (by design).
        ReceiptCounter.objects.get_or_create(name=zakat.RECEIPT_COUNTER)
        ReceiptCounter.objects.get_or_create(name=zakat.FITR_RECEIPT_COUNTER)
        # This year's zakat al-fitr rate, so payments can go through from the first step.
        zakat.fitr_rate_set(
            hijri_year=zakat_selectors.fitr_current_year(),
            amount_per_person=Decimal("12.50"),
            by=self.staff[1],
        )

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- calling a service --------------------------------------------------------------

    def attempt(self, name: str, service, /, **kwargs):
        """Call `service`; a refusal is fine but must leave no row changed."""
        tally = TALLY.setdefault(name, Counter())
        before = db_rows()
        try:
            result = service(**kwargs)
        except (DomainError, ValidationError) as exc:
            refusal = exc
        else:
            tally["ok"] += 1
            return result
        after = db_rows()
        assert after == before, (
            f"{name} was refused ({refusal!r}) but changed rows:\n"
            + describe_changes(before, after)
        )
        tally["refused"] += 1
        tally[getattr(refusal, "code", None) or "validation"] += 1
        return None

    def who(self, index: int):
        return self.everyone[index]

    @staticmethod
    def fresh(obj):
        return type(obj).objects.get(pk=obj.pk)

    @staticmethod
    def payment(choice, remaining: Decimal):
        if choice == "all":
            return remaining
        if choice == "half":
            return (remaining / 2).quantize(Decimal("0.01")) if remaining > 0 else Decimal("1.00")
        return choice

    @initialize(target=people)
    def the_people(self):
        return multiple(*range(len(self.everyone)))

    # One object of each kind already in its working state, so every example can
    # pay, refund, complete and default from its first step.

    @initialize(target=campaigns)
    def an_active_campaign(self):
        today = timezone.localdate()
        campaign = campaigns.campaign_create(
            organizer=self.everyone[1],
            name="School books",
            target_amount=Decimal("800.00"),
            start_date=today - timedelta(days=1),
            end_date=today + timedelta(days=30),
        )
        # It takes zakat too, so zakat donations and their refunds are reached.
        campaigns.campaign_update(campaign=campaign, by=self.staff[1], zakat_eligible=True)
        return campaigns.campaign_activate(campaign=campaign, by=self.staff[1])

    @initialize(target=donations)
    def a_donation(self):
        campaign = self.an_active_campaign()
        return campaigns.donation_create(
            donor=self.everyone[2], campaign=campaign, amount=Decimal("60.00")
        )

    @initialize()
    def a_day_of_business(self):
        """One of each movement the search must see succeed, through `attempt` (so
        the invariants are checked after it): the random rules then start from
        books that already hold a top-up, an adjustment, a reversal, a donation, a
        refunded zakat donation, a zakat payment, a repaid and written-off loan, a
        murabaha installment, next year's fitr rate and a fitr payment, whatever
        the draw."""
        self.attempt(
            "wallet_adjust",
            accounts.wallet_adjust,
            user=self.everyone[3],
            amount=Decimal("25.00"),
            reason="opening correction",
            by=self.staff[1],
        )
        top_up = accounts.top_up_create(user=self.everyone[2], amount=Decimal("40.00"))
        self.attempt(
            "ledger_reverse",
            accounts.ledger_reverse,
            original=top_up.ledger_transaction,
            reason="charged back",
            by=self.staff[1],
        )
        campaign = self.an_active_campaign()
        self.attempt(
            "donation_create",
            campaigns.donation_create,
            donor=self.everyone[1],
            campaign=campaign,
            amount=Decimal("20.00"),
        )
        donation = self.attempt(
            "donation_create_zakat",
            campaigns.donation_create,
            donor=self.everyone[0],
            campaign=campaign,
            amount=Decimal("30.00"),
            designation="zakat",
        )
        self.attempt(
            "donation_refund", campaigns.donation_refund, donation=donation, by=self.staff[1]
        )
        self.attempt(
            "top_up_create", accounts.top_up_create, user=self.everyone[4], amount=Decimal("10.00")
        )
        record = zakat.zakat_record_create(
            payer=self.everyone[0],
            payer_id="payer-opening",
            wealth_amount=Decimal("6000.00"),
            nisab_threshold=Decimal("5000.00"),
        )
        self.attempt(
            "zakat_payment_create", zakat.zakat_payment_create, record=record, payer=record.payer
        )
        loan = loans.loan_apply(
            borrower=self.everyone[3],
            principal_amount=Decimal("300.00"),
            purpose="Seeds for the season",
            repayment_months=3,
        )
        loans.loan_approve(loan=loan, by=self.staff[1])
        loan = loans.loan_disburse(loan=loan, by=self.staff[1])
        self.attempt(
            "loan_repay", loans.loan_repay, loan=loan, amount=Decimal("100.00"), by=loan.borrower
        )
        self.attempt("loan_mark_defaulted", loans.loan_mark_defaulted, loan=loan, by=self.staff[1])
        contract = loans.murabaha_request(
            customer=self.everyone[2],
            asset_description="A sewing machine",
            cost_price=Decimal("400.00"),
            installments_count=4,
            down_payment=Decimal("0.00"),
        )
        loans.murabaha_acquire(contract=contract, by=self.staff[1])
        loans.murabaha_offer(contract=contract, markup_amount=Decimal("40.00"), by=self.staff[1])
        contract = loans.murabaha_accept(contract=contract, by=contract.customer)
        self.attempt(
            "murabaha_pay",
            loans.murabaha_pay,
            contract=contract,
            amount=Decimal("110.00"),
            by=contract.customer,
        )
        self.attempt(
            "fitr_rate_set",
            zakat.fitr_rate_set,
            hijri_year=zakat_selectors.fitr_current_year() + 1,
            amount_per_person=Decimal("13.00"),
            by=self.staff[0],
        )
        if zakat_selectors.fitr_season().is_open:
            self.attempt(
                "fitr_payment_create", zakat.fitr_payment_create, payer=self.everyone[4], people=3
            )

    @initialize(target=records)
    def a_zakat_record(self):
        return zakat.zakat_record_create(
            payer=self.everyone[0],
            payer_id="payer-0",
            wealth_amount=Decimal("8000.00"),
            nisab_threshold=Decimal("5000.00"),
        )

    @initialize(target=loans)
    def an_active_loan(self):
        loan = loans.loan_apply(
            borrower=self.everyone[3],
            principal_amount=Decimal("900.00"),
            purpose="Stock for my shop",
            repayment_months=6,
        )
        loans.loan_approve(loan=loan, by=self.staff[1])
        return loans.loan_disburse(loan=loan, by=self.staff[1])

    @initialize(target=contracts)
    def murabaha_contracts(self):
        made = []
        for customer, accept in ((self.everyone[2], True), (self.everyone[4], False)):
            contract = loans.murabaha_request(
                customer=customer,
                asset_description="A delivery bicycle",
                cost_price=Decimal("700.00"),
                installments_count=5,
                down_payment=Decimal("50.00"),
            )
            loans.murabaha_acquire(contract=contract, by=self.staff[1])
            loans.murabaha_offer(
                contract=contract, markup_amount=Decimal("70.00"), by=self.staff[1]
            )
            if accept:
                loans.murabaha_accept(contract=contract, by=customer)
            made.append(contract)
        return multiple(*made)

    # --- wallets and the ledger ---------------------------------------------------------

    @rule(who=people, amount=amounts)
    def top_up(self, who, amount):
        self.attempt("top_up_create", accounts.top_up_create, user=self.who(who), amount=amount)

    @rule(target=pending_top_ups, who=people, amount=cents)
    def top_up_pending(self, who, amount):
        with override_settings(PAYMENT_GATEWAY=DEFERRED_GATEWAY):
            top_up = self.attempt(
                "top_up_create", accounts.top_up_create, user=self.who(who), amount=amount
            )
        return multiple() if top_up is None else top_up

    @rule(top_up=pending_top_ups, succeeded=st.booleans())
    def settle(self, top_up, succeeded):
        self.attempt("top_up_settle", accounts.top_up_settle, top_up=top_up, succeeded=succeeded)

    @rule(who=people, amount=amounts, credit=st.booleans(), by=staff_member)
    def adjust(self, who, amount, credit, by):
        self.attempt(
            "wallet_adjust",
            accounts.wallet_adjust,
            user=self.who(who),
            amount=amount if credit else -amount,
            reason="state machine correction",
            by=self.staff[by],
        )

    @rule(
        pick=st.integers(min_value=0, max_value=10_000),
        by=staff_member,
        any_at_all=st.sampled_from([False, False, True]),
    )
    def reverse(self, pick, by, any_at_all):
        """Staff may pick any transaction in the admin and ask for a reversal."""
        transactions = LedgerTransaction.objects.order_by("created_at", "id")
        if not any_at_all:
            transactions = transactions.filter(reverses__isnull=True, reversed_by__isnull=True)
        transactions = list(transactions)
        if transactions:
            self.attempt(
                "ledger_reverse",
                accounts.ledger_reverse,
                original=transactions[pick % len(transactions)],
                reason="state machine reversal",
                by=self.staff[by],
            )

    # --- campaigns ----------------------------------------------------------------------

    @rule(target=campaigns, who=people, target_amount=cents, activate=st.sampled_from([1, 1, 0]))
    def campaign_create(self, who, target_amount, activate):
        today = timezone.localdate()
        campaign = self.attempt(
            "campaign_create",
            campaigns.campaign_create,
            organizer=self.who(who),
            name="Water for the village",
            target_amount=target_amount,
            start_date=today - timedelta(days=1),
            end_date=today + timedelta(days=30),
        )
        if campaign is None:
            return multiple()
        if activate:
            self.attempt(
                "campaign_activate",
                campaigns.campaign_activate,
                campaign=campaign,
                by=self.staff[1],
            )
        return campaign

    @rule(
        campaign=campaigns,
        move=st.sampled_from(["activate", "complete", "complete", "cancel", "zakat", "no_zakat"]),
        by=st.sampled_from(["staff", "organizer"]),
    )
    def campaign_move(self, campaign, move, by):
        actor = self.staff[0] if by == "staff" else campaign.organizer
        if move in ("zakat", "no_zakat"):
            # Staff (never on their own campaign) set zakat_eligible; an organizer's
            # value is ignored.
            actor = self.staff[1] if by == "staff" else campaign.organizer
            self.attempt(
                "campaign_update",
                campaigns.campaign_update,
                campaign=campaign,
                by=actor,
                zakat_eligible=move == "zakat",
            )
            return
        service = getattr(campaigns, f"campaign_{move}")
        self.attempt(f"campaign_{move}", service, campaign=campaign, by=actor)

    @rule(
        target=donations,
        campaign=campaigns,
        who=people,
        amount=amounts,
        anonymous=st.booleans(),
        designation=st.sampled_from(["sadaqah", "sadaqah", "zakat", "waqf"]),
    )
    def donate(self, campaign, who, amount, anonymous, designation):
        donation = self.attempt(
            "donation_create_zakat" if designation == "zakat" else "donation_create",
            campaigns.donation_create,
            donor=self.who(who),
            campaign=campaign,
            amount=amount,
            message="For the well",
            is_anonymous=anonymous,
            designation=designation,
        )
        return multiple() if donation is None else donation

    @rule(target=donations, campaign=campaigns, who=people, amount=amounts)
    def give_zakat(self, campaign, who, amount):
        donation = self.attempt(
            "donation_create_zakat",
            campaigns.donation_create,
            donor=self.who(who),
            campaign=campaign,
            amount=amount,
            designation="zakat",
        )
        return multiple() if donation is None else donation

    @rule(donation=donations, by=st.sampled_from(["staff", "donor"]))
    def refund(self, donation, by):
        actor = self.staff[1] if by == "staff" else donation.donor
        self.attempt(
            "donation_refund", campaigns.donation_refund, donation=donation, by=actor, reason=""
        )

    # --- zakat --------------------------------------------------------------------------

    @rule(target=records, who=people, wealth=cents, nisab=small_cents)
    def zakat_record(self, who, wealth, nisab):
        record = self.attempt(
            "zakat_record_create",
            zakat.zakat_record_create,
            payer=self.who(who),
            payer_id=f"payer-{who}",
            wealth_amount=wealth,
            nisab_threshold=nisab,
        )
        return multiple() if record is None else record

    @rule(record=records, by=st.sampled_from(["payer", "payer", "someone"]), other=people)
    def zakat_pay(self, record, by, other):
        payer = record.payer if by == "payer" else self.who(other)
        self.attempt("zakat_payment_create", zakat.zakat_payment_create, record=record, payer=payer)

    @rule(
        who=people,
        household=st.sampled_from([1, 2, 4, 7, 50, 0, 51, -1]),
        set_rate=st.sampled_from([False, False, True]),
        amount=st.one_of(small_cents, odd_amounts),
        by=st.sampled_from(["staff0", "staff1", "someone"]),
        next_year=st.booleans(),
    )
    def fitr(self, who, household, set_rate, amount, by, next_year):
        """Pay zakat al-fitr for a household, or (less often) set or correct a rate:
        staff of either kind, or someone without the permission."""
        if not set_rate:
            self.attempt(
                "fitr_payment_create",
                zakat.fitr_payment_create,
                payer=self.who(who),
                people=household,
            )
            return
        actor = {"staff0": self.staff[0], "staff1": self.staff[1]}.get(by) or self.who(who)
        self.attempt(
            "fitr_rate_set",
            zakat.fitr_rate_set,
            hijri_year=zakat_selectors.fitr_current_year() + int(next_year),
            amount_per_person=amount,
            by=actor,
            replace=True,
        )

    # --- qard hasan ---------------------------------------------------------------------
    #
    # `*_advance` walks an object along its usual path, several steps at a time, so
    # the deep states (repaid, defaulted, completed) are reached; `*_any` tries any
    # move with any actor, in any order, which is mostly refused.

    @rule(target=loans, who=people, principal=cents, months=st.integers(0, 13))
    def loan_apply(self, who, principal, months):
        loan = self.attempt(
            "loan_apply",
            loans.loan_apply,
            borrower=self.who(who),
            principal_amount=principal,
            purpose="A sewing machine",
            repayment_months=months,
        )
        return multiple() if loan is None else loan

    @rule(
        loan=loans,
        steps=st.integers(1, 4),
        choice=payment_amounts,
        give_up=st.sampled_from([False, False, False, True]),
    )
    def loan_advance(self, loan, steps, choice, give_up):
        for _ in range(steps):
            loan = self.fresh(loan)
            staff = self.staff[1]  # never a borrower, so never approving their own loan
            if loan.status == Loan.Status.PENDING:
                self.attempt("loan_approve", loans.loan_approve, loan=loan, by=staff)
            elif loan.status == Loan.Status.APPROVED:
                self.attempt("loan_disburse", loans.loan_disburse, loan=loan, by=staff)
            elif loan.status == Loan.Status.ACTIVE and give_up:
                self.attempt("loan_mark_defaulted", loans.loan_mark_defaulted, loan=loan, by=staff)
            elif loan.status == Loan.Status.ACTIVE:
                self.attempt(
                    "loan_repay",
                    loans.loan_repay,
                    loan=loan,
                    amount=self.payment(choice, loan.remaining_balance),
                    by=loan.borrower,
                )

    @rule(
        loan=loans,
        move=st.sampled_from(["approve", "reject", "disburse", "default", "repay", "repay"]),
        actor=st.sampled_from(["staff0", "staff1", "borrower", "someone"]),
        other=people,
        choice=payment_amounts,
        source=st.sampled_from(["wallet", "external", "cheque"]),
    )
    def loan_any(self, loan, move, actor, other, choice, source):
        loan = self.fresh(loan)
        by = {
            "staff0": self.staff[0],  # also a borrower: approving their own loan is refused
            "staff1": self.staff[1],
            "borrower": loan.borrower,
            "someone": self.who(other),
        }[actor]
        if move == "repay":
            self.attempt(
                "loan_repay",
                loans.loan_repay,
                loan=loan,
                amount=self.payment(choice, loan.remaining_balance),
                by=by,
                source=source,
            )
        elif move == "reject":
            self.attempt("loan_reject", loans.loan_reject, loan=loan, by=by, reason="No.")
        else:
            name = {"approve": "loan_approve", "disburse": "loan_disburse"}.get(
                move, "loan_mark_defaulted"
            )
            if by.is_staff:  # the views let staff only reach these services
                self.attempt(name, getattr(loans, name), loan=loan, by=by)

    # --- murabaha -----------------------------------------------------------------------

    @rule(
        target=contracts,
        who=people,
        cost=st.one_of(small_cents, cents),
        down=st.one_of(st.just(ZERO), small_cents),
        count=st.integers(0, 13),
    )
    def murabaha_request(self, who, cost, down, count):
        contract = self.attempt(
            "murabaha_request",
            loans.murabaha_request,
            customer=self.who(who),
            asset_description="A delivery bicycle",
            cost_price=cost,
            installments_count=count,
            down_payment=down,
        )
        return multiple() if contract is None else contract

    @rule(
        contract=contracts,
        steps=st.integers(1, 4),
        markup=st.one_of(st.just(ZERO), small_cents),
        choice=payment_amounts,
    )
    def murabaha_advance(self, contract, steps, markup, choice):
        status, staff = MurabahaContract.Status, self.staff[1]
        for _ in range(steps):
            contract = self.fresh(contract)
            if contract.status == status.REQUESTED:
                self.attempt(
                    "murabaha_acquire", loans.murabaha_acquire, contract=contract, by=staff
                )
            elif contract.status == status.ASSET_ACQUIRED:
                self.attempt(
                    "murabaha_offer",
                    loans.murabaha_offer,
                    contract=contract,
                    markup_amount=markup,
                    by=staff,
                )
            elif contract.status == status.OFFERED:
                self.attempt(
                    "murabaha_accept",
                    loans.murabaha_accept,
                    contract=contract,
                    by=contract.customer,
                )
            elif contract.status == status.ACTIVE:
                self.attempt(
                    "murabaha_pay",
                    loans.murabaha_pay,
                    contract=contract,
                    amount=self.payment(choice, contract.remaining_balance),
                    by=contract.customer,
                )

    @rule(
        contract=contracts,
        move=st.sampled_from(["acquire", "offer", "accept", "pay", "pay", "cancel"]),
        actor=st.sampled_from(["staff", "customer", "someone"]),
        other=people,
        markup=st.one_of(st.just(ZERO), small_cents, odd_amounts),
        choice=payment_amounts,
        source=st.sampled_from(["wallet", "external"]),
    )
    def murabaha_any(self, contract, move, actor, other, markup, choice, source):
        contract = self.fresh(contract)
        by = {"staff": self.staff[0], "customer": contract.customer, "someone": self.who(other)}[
            actor
        ]
        if move == "pay":
            self.attempt(
                "murabaha_pay",
                loans.murabaha_pay,
                contract=contract,
                amount=self.payment(choice, contract.remaining_balance),
                by=by,
                source=source,
            )
        elif move == "offer" and by.is_staff:
            self.attempt(
                "murabaha_offer",
                loans.murabaha_offer,
                contract=contract,
                markup_amount=markup,
                by=by,
            )
        elif move == "acquire" and by.is_staff:
            self.attempt("murabaha_acquire", loans.murabaha_acquire, contract=contract, by=by)
        elif move == "accept":
            self.attempt("murabaha_accept", loans.murabaha_accept, contract=contract, by=by)
        elif move == "cancel":
            self.attempt("murabaha_cancel", loans.murabaha_cancel, contract=contract, by=by)

    # --- invariants, checked after every step -------------------------------------------
    #
    # Each reads whole tables in a handful of queries (no query per row), so the
    # machine can afford to check everything after every step.

    @invariant()
    def ledger_balances(self):
        # Summed here, exactly: SQLite's SUM() of decimals is a float sum.
        assert sum(LedgerEntry.objects.values_list("amount", flat=True), ZERO) == 0
        report = accounts.ledger_verify()
        assert report.problems == [], report.problems
        overdrawn = LedgerAccount.objects.filter(
            kind__in=LedgerAccount.NON_NEGATIVE_KINDS, balance__lt=0
        )
        assert not overdrawn.exists(), list(overdrawn.values_list("key", "balance"))

    @invariant()
    def every_money_movement_is_audited_once_naming_its_actor(self):
        movements = dict(LedgerTransaction.objects.values_list("pk", "created_by_id"))
        events = list(
            AuditEvent.objects.filter(action__startswith="ledger.").values_list(
                "subject_id", "actor_id"
            )
        )
        assert Counter(subject for subject, _ in events) == Counter(str(pk) for pk in movements), (
            "a movement without exactly one audit event"
        )
        named = dict(events)
        for pk, created_by in movements.items():
            assert created_by is not None, f"movement {pk} names no one"
            assert named[str(pk)] == created_by

    @invariant()
    def the_books_match_every_record(self):
        balances = dict(LedgerAccount.objects.values_list("key", "balance"))
        legs = {
            (txn, key): amount
            for txn, key, amount in LedgerEntry.objects.values_list(
                "transaction_id", "account__key", "amount"
            )
        }
        reversal_of = dict(
            LedgerTransaction.objects.filter(reverses__isnull=False).values_list(
                "pk", "reverses_id"
            )
        )
        self.check_top_ups(legs)
        self.check_campaigns(balances, legs, reversal_of)
        self.check_zakat(balances, legs)
        self.check_fitr(balances, legs)
        self.check_loans(balances)
        self.check_contracts(balances)

    @staticmethod
    def check_top_ups(legs) -> None:
        for user_id, amount, status, txn in TopUp.objects.values_list(
            "user_id", "amount", "status", "ledger_transaction_id"
        ):
            if status == TopUp.Status.SUCCEEDED:
                assert legs[(txn, f"wallet:{user_id}")] == amount
            else:
                assert txn is None, "an unsettled top-up has a ledger transaction"

    @staticmethod
    def check_campaigns(balances, legs, reversal_of) -> None:
        completed = Q(donations__status=Donation.Status.COMPLETED)
        # What donations (and their refunds) put into each campaign account: the
        # fund for sadaqah, the zakat account for zakat; payouts do not count.
        inflows = {
            key: cents_of(value)
            for key, value in LedgerEntry.objects.filter(
                transaction__kind=LedgerTransaction.Kind.DONATION,
                account__kind__in=[
                    LedgerAccount.Kind.CAMPAIGN_FUND,
                    LedgerAccount.Kind.CAMPAIGN_ZAKAT_FUND,
                ],
            )
            .values("account__key")
            .annotate(total=Sum("amount"))
            .values_list("account__key", "total")
        }
        for pk, current, donor_count, given, zakat_given, donors in Campaign.objects.annotate(
            given=Sum("donations__amount", filter=completed),
            zakat_given=Sum(
                "donations__amount", filter=completed & Q(donations__designation="zakat")
            ),
            donors=Count("donations__donor", filter=completed, distinct=True),
        ).values_list("pk", "current_amount", "donor_count", "given", "zakat_given", "donors"):
            fund = inflows.get(f"campaign:{pk}", ZERO)
            zakat_held = inflows.get(f"campaign_zakat:{pk}", ZERO)
            # current_amount counts both; the zakat is held apart, in its own account.
            assert current == cents_of(given) == fund + zakat_held, (current, given, fund)
            assert zakat_held == cents_of(zakat_given), (zakat_held, zakat_given)
            assert (
                balances[f"campaign:{pk}"] + balances.get(f"campaign_zakat:{pk}", ZERO) == current
            )
            assert donor_count == donors, (donor_count, donors)
        for campaign_id, amount, status, txn, refund, designation in Donation.objects.values_list(
            "campaign_id",
            "amount",
            "status",
            "ledger_transaction_id",
            "refund_transaction_id",
            "designation",
        ):
            into = "campaign_zakat" if designation == Donation.Designation.ZAKAT else "campaign"
            assert legs[(txn, f"{into}:{campaign_id}")] == amount
            if status == Donation.Status.REFUNDED:
                assert reversal_of[refund] == txn
            else:
                assert refund is None

    @staticmethod
    def check_zakat(balances, legs) -> None:
        payments = {
            record: (amount, payer, txn)
            for record, amount, payer, txn in ZakatPayment.objects.values_list(
                "record_id", "amount", "payer_id", "ledger_transaction_id"
            )
        }
        for pk, status, due, payer in ZakatRecord.objects.values_list(
            "pk", "payment_status", "zakat_amount", "payer_id"
        ):
            if status == ZakatRecord.PaymentStatus.COMPLETED:
                # ZakatPayment.record is one-to-one: one payment at most, so one exactly.
                amount, paid_by, txn = payments.pop(pk)
                assert amount == due > 0
                assert paid_by == payer
                assert legs[(txn, "zakat_fund")] == due
            else:
                assert pk not in payments, "a pending record has a payment"
        assert payments == {}, "a payment without its record"
        assert balances["zakat_fund"] == total(ZakatPayment.objects)
        numbers = sorted(ZakatPayment.objects.values_list("receipt_number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), numbers  # unique and gap-free
        assert ReceiptCounter.objects.get(name=zakat.RECEIPT_COUNTER).value == len(numbers)

    @staticmethod
    def check_fitr(balances, legs) -> None:
        rates = dict(
            zakat_selectors.fitr_rate_list().values_list("hijri_year", "amount_per_person")
        )
        payments = list(
            FitrPayment.objects.values_list(
                "payer_id", "hijri_year", "people", "amount_per_person", "amount",
                "ledger_transaction_id",
            )
        )  # fmt: skip
        for payer, year, household, rate, amount, txn in payments:
            assert 1 <= household <= 50
            assert amount == money.quantize(rate * household) > 0
            assert year in rates  # paid at a rate that was set for its year
            assert legs[(txn, "fitr_fund")] == amount
            assert legs[(txn, f"wallet:{payer}")] == -amount
        assert balances["fitr_fund"] == total(FitrPayment.objects)  # nothing else comes in
        numbers = sorted(FitrPayment.objects.values_list("receipt_number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), numbers  # unique and gap-free
        counter = ReceiptCounter.objects.get(name=zakat.FITR_RECEIPT_COUNTER)
        assert counter.value == len(numbers)

    @staticmethod
    def schedules(parent: str) -> tuple[dict, dict]:
        paid = dict(
            Payment.objects.filter(**{f"{parent}__isnull": False})
            .values(parent)
            .annotate(total=Sum("amount"))
            .values_list(parent, "total")
        )
        paid = {pk: cents_of(value) for pk, value in paid.items()}
        installments = {
            row[parent]: row
            for row in Installment.objects.filter(**{f"{parent}__isnull": False})
            .values(parent)
            .annotate(owed=Sum("amount"), paid=Sum("paid_amount"), count=Count("id"))
        }
        return paid, installments

    def check_loans(self, balances) -> None:
        paid, installments = self.schedules("loan")
        written_off = ZERO
        for loan in Loan.objects.all():
            principal, repaid = loan.principal_amount, loan.repaid_amount
            assert ZERO <= repaid <= principal
            assert repaid + loan.remaining_balance == principal
            assert repaid == paid.get(loan.pk, ZERO)
            schedule = installments.get(loan.pk)
            receivable = balances.get(loan.ledger_key)
            if loan.status in (Loan.Status.PENDING, Loan.Status.APPROVED, Loan.Status.REJECTED):
                assert schedule is None
                assert repaid == 0
                assert receivable in (None, ZERO)
                continue
            assert schedule["count"] == loan.repayment_months
            assert cents_of(schedule["owed"]) == principal
            assert cents_of(schedule["paid"]) == repaid
            # The receivable is what is still owed, less anything written off.
            assert receivable == -(principal - repaid - loan.written_off_amount)
            if loan.status == Loan.Status.FULLY_REPAID:
                assert repaid == principal
            if loan.status == Loan.Status.DEFAULTED:
                assert loan.written_off_amount == principal - repaid
            else:
                assert loan.written_off_amount == 0
            written_off += loan.written_off_amount
        assert balances.get("write_off", ZERO) == -written_off

    def check_contracts(self, balances) -> None:
        paid, installments = self.schedules("contract")
        markups = ZERO
        for contract in MurabahaContract.objects.all():
            assert contract.paid_amount == paid.get(contract.pk, ZERO)
            schedule = installments.get(contract.pk)
            receivable = balances.get(contract.ledger_key)
            inventory = balances.get(f"{contract.ledger_key}:asset")
            if contract.status in (
                MurabahaContract.Status.ACTIVE,
                MurabahaContract.Status.COMPLETED,
            ):
                financed = contract.sale_price - contract.down_payment
                assert ZERO <= contract.paid_amount <= financed
                assert contract.paid_amount + contract.remaining_balance == financed
                assert schedule["count"] == contract.installments_count
                assert cents_of(schedule["owed"]) == financed
                assert cents_of(schedule["paid"]) == contract.paid_amount
                assert receivable == -(financed - contract.paid_amount)
                assert inventory == 0  # sold to the customer
                markups += contract.markup_amount
                if contract.status == MurabahaContract.Status.COMPLETED:
                    assert contract.remaining_balance == 0
            else:
                assert contract.paid_amount == 0
                assert schedule is None
                assert receivable in (None, ZERO)
                if contract.acquired_at is not None:
                    # Bought and not sold (on offer or cancelled): the institution holds it.
                    assert inventory == -contract.cost_price
                else:
                    assert inventory in (None, ZERO)
        assert balances.get("income:murabaha", ZERO) == markups


# Shrinking a long stateful run can take many minutes; CI reports the failing
# sequence as found, and MONEY_SHRINK=1 asks for the shortest one.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
if os.environ.get("MONEY_SHRINK"):
    PHASES.append(Phase.shrink)

MONEY_SETTINGS = settings(
    phases=PHASES,
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.django_db
def test_money_invariants_hold_under_any_sequence_of_operations():
    TALLY.clear()
    run_state_machine_as_test(MoneyMachine, settings=MONEY_SETTINGS)
    must = set(MUST_SUCCEED)
    if zakat_selectors.fitr_season().is_open:  # after 1 Shawwal every fitr payment is refused
        must.add("fitr_payment_create")
    never = sorted(name for name in must if not TALLY.get(name, {}).get("ok"))
    assert not never, f"the machine never completed: {never}; tally: {TALLY}"


# --- regressions: the defects the machine found, pinned one by one ------------------------


@pytest.mark.django_db
def test_ledger_reverse_refuses_a_transaction_that_belongs_to_a_record():
    """The admin's Reverse button took any transaction: reversing a donation's left
    the campaign's total above its fund (and a loan's, a repayment the receivable
    no longer had). Only top-ups and adjustments reverse on their own."""
    donor, staff = UserFactory(), UserFactory(is_staff=True)
    accounts.top_up_create(user=donor, amount=Decimal("100.00"))
    today = timezone.localdate()
    campaign = campaigns.campaign_create(
        organizer=staff,
        name="Clean water",
        target_amount=Decimal("500.00"),
        start_date=today - timedelta(days=1),
        end_date=today + timedelta(days=9),
    )
    campaigns.campaign_activate(campaign=campaign, by=staff)
    donation = campaigns.donation_create(donor=donor, campaign=campaign, amount=Decimal("40.00"))
    before = db_rows()

    with pytest.raises(accounts.NotReversible):
        accounts.ledger_reverse(original=donation.ledger_transaction, reason="oops", by=staff)

    assert db_rows() == before
    refunded = campaigns.donation_refund(donation=donation, by=staff)  # the way to undo it
    assert refunded.campaign.current_amount == 0


@pytest.mark.django_db
def test_ledger_verify_accepts_balanced_legs_that_floats_cannot_add():
    """SQLite sums decimals as floats: 0.10 + 0.20 - 0.30 is not 0 there, and
    ledger_verify reported a balanced three-leg murabaha sale as unbalanced."""
    accounts_ = [
        LedgerAccount.objects.create(key=f"income:test{i}", kind="income", name="t", currency="USD")
        for i in range(3)
    ]
    accounts.ledger_post(
        kind="murabaha_payment",
        legs=[
            accounts.Leg(accounts_[0], Decimal("0.10")),
            accounts.Leg(accounts_[1], Decimal("0.20")),
            accounts.Leg(accounts_[2], Decimal("-0.30")),
        ],
        reference="three legs",
    )
    assert accounts.ledger_verify().problems == []


@pytest.mark.django_db
def test_cent_amounts_that_floats_cannot_add_pass_the_financing_constraints():
    """SQLite evaluated `sale = cost + markup` and `written_off <= principal - repaid`
    in floats and refused correct rows with an IntegrityError (a 500)."""
    customer, staff = UserFactory(), UserFactory(is_staff=True)
    accounts.top_up_create(user=customer, amount=Decimal("10.00"))
    contract = loans.murabaha_request(
        customer=customer, asset_description="A kettle", cost_price="0.10", installments_count=1
    )
    loans.murabaha_acquire(contract=contract, by=staff)
    loans.murabaha_offer(contract=contract, markup_amount="0.20", by=staff)
    loans.murabaha_accept(contract=contract, by=customer)
    contract = loans.murabaha_pay(contract=contract, amount="0.30", by=customer)
    assert contract.status == MurabahaContract.Status.COMPLETED

    loan = loans.loan_apply(
        borrower=customer, principal_amount="1.97", purpose="Seeds", repayment_months=1
    )
    loans.loan_approve(loan=loan, by=staff)
    loans.loan_disburse(loan=loan, by=staff)
    loans.loan_repay(loan=loan, amount="1.85", by=customer)
    loan = loans.loan_mark_defaulted(loan=loan, by=staff)
    assert loan.written_off_amount == Decimal("0.12")


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "0.001", "-5.00"])
def test_top_up_create_refuses_an_amount_below_a_cent(amount):
    """It rounded 0.001 to 0.00 and left the refusal to a CHECK constraint (a 500)."""
    user = UserFactory()
    with pytest.raises(ValidationError):
        accounts.top_up_create(user=user, amount=Decimal(amount))
    assert not TopUp.objects.exists()
