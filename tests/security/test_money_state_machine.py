"""Money under stress: a hypothesis state machine over the whole platform.

Users top up (at once, or pending and settled later), staff adjust wallets and
reverse ledger transactions, people run campaigns and donate (sadaqah, or zakat to
campaigns staff made zakat-eligible), staff refund; zakat records are saved and
paid; staff set the zakat al-fitr rate and people pay it for their households;
qard hasan loans are applied for, approved, rejected, disbursed, repaid from the
wallet or in cash, rescheduled, marked defaulted and recovered; murabaha contracts
are requested, acquired from a supplier at an actual cost (or refused as a sale
back to the customer), offered (offers expire, some with a late-payment charity
undertaking), accepted, paid, rebated, rescheduled, defaulted, recovered and
cancelled, while time passes; zakat cases are submitted, approved under a category
or rejected, closed, and paid from the zakat fund (within the approved amount, the
fund and the amilin cap); people withdraw to their bank accounts and staff pay
campaigns out. Every call goes through the real services. A refusal (a DomainError
or a ValidationError) is a legal outcome, but it must leave every row of the
money apps exactly as it was. After every step the invariants below are checked
against the database.

The run is derandomized (a fixed seed), so CI sees the same sequences every time.
`make test` runs 4 sequences of 50 steps (every operation in MUST_SUCCEED succeeds
in them); `HYPOTHESIS_PROFILE=thorough` runs 25, and
`MONEY_EXAMPLES=500 MONEY_STEPS=60 pytest tests/security/test_money_state_machine.py`
a longer search still.
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
from distribution import services as distribution
from distribution.models import ZakatCase, ZakatDisbursement
from loans import services as loans
from loans.models import Installment, Loan, MurabahaContract, Payment
from loans.schedules import add_months
from payouts import services as payouts_services
from payouts.models import Payout
from reports.selectors import trial_balance
from staff.models import Approval, AuditEvent
from staff.services import approval_approve, approval_reject
from tests.factories import UserFactory
from tests.helpers import db_rows, describe_changes
from zakat import selectors as zakat_selectors
from zakat import services as zakat
from zakat.models import FitrPayment, ReceiptCounter, ZakatPayment, ZakatRecord

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
# Each sequence costs seconds (the invariants read every money table after every
# step), and the opening steps already reach every state worth checking.
EXAMPLES = int(os.environ.get("MONEY_EXAMPLES") or (25 if THOROUGH else 4))
STEPS = int(os.environ.get("MONEY_STEPS") or 50)
DEFERRED_GATEWAY = "tests.accounts.gateways.DeferredGateway"
PAYOUT_DEFERRED = "tests.payouts.gateways.DeferredPayoutGateway"
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
    "zakat_disbursement_execute",
    "withdrawal_create",
    "payout_settle",
    "campaign_payout",
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
    cases = Bundle("zakat_cases")
    payouts = Bundle("payouts")

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
        # Everyone has a bank account to withdraw to (payouts).
        self.bank = {
            user.pk: payouts_services.payout_account_create(
                owner=user, holder_name=user.name, iban_value="DE89370400440532013000"
            )
            for user in self.everyone
        }
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

    @staticmethod
    def bought(cost, supplier: str = "Bicycle Wholesale Ltd") -> dict:
        return {
            "supplier_name": supplier,
            "actual_cost": cost,
            "invoice_reference": "INV-1",
            "possession_date": timezone.localdate(),
        }

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
        books that already hold a top-up, an adjustment, a reversal, a refunded donation,
        a zakat donation, a campaign payout, a settled withdrawal, a zakat payment, a repaid and written-off loan, a
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
        donation = self.attempt(
            "donation_create",
            campaigns.donation_create,
            donor=self.everyone[1],
            campaign=campaign,
            amount=Decimal("20.00"),
        )
        self.attempt(
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
            "donation_create",
            campaigns.donation_create,
            donor=self.everyone[1],
            campaign=campaign,
            amount=Decimal("15.00"),
        )
        with override_settings(FOUR_EYES=[], PAYOUT_GATEWAY="sandbox"):
            outcome = self.attempt(
                "campaign_payout",
                payouts_services.campaign_payout_request,
                campaign=self.fresh(campaign),
                by=self.staff[0],
                amount=Decimal("5.00"),
                payee_name="Suppliers",
            )
            if outcome is not None:
                payouts_services.payout_send(payout_id=outcome.result.pk)
        with override_settings(PAYOUT_GATEWAY=PAYOUT_DEFERRED):
            payout = self.attempt(
                "withdrawal_create",
                payouts_services.withdrawal_create,
                user=self.everyone[3],
                amount=Decimal("5.00"),
                payout_account=self.bank[self.everyone[3].pk],
            )
            if payout is not None:
                payouts_services.payout_send(payout_id=payout.pk)
        if payout is not None:
            self.attempt("payout_settle", payouts_services.payout_settle, payout=payout, paid=True)
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
        loans.murabaha_acquire(
            contract=contract, by=self.staff[1], **self.bought(Decimal("400.00"))
        )
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

    @initialize(target=cases)
    def approved_zakat_cases(self):
        """Zakat in the fund (a paid record) and two approved cases to pay from it, one
        of them for the collectors (amilin, capped)."""
        record = zakat.zakat_record_create(
            payer=self.everyone[4],
            payer_id="payer-4",
            wealth_amount=Decimal("20000.00"),
            nisab_threshold=Decimal("5000.00"),
        )
        zakat.zakat_payment_create(record=record, payer=self.everyone[4])  # 500.00
        made = []
        for applicant, category in ((self.everyone[1], "fuqara"), (self.everyone[2], "amilin")):
            case = distribution.zakat_case_submit(
                by=applicant,
                household_size=3,
                monthly_income=Decimal("100.00"),
                need_description="Food and rent",
                amount_requested=Decimal("120.00"),
            )
            made.append(
                distribution.zakat_case_approve(
                    case=case,
                    by=self.staff[1],
                    asnaf_category=category,
                    approved_amount=Decimal("80.00"),
                )
            )
        # One payment whatever the draw, so the cases' invariants always see one.
        self.attempt(
            "zakat_disbursement_execute",
            distribution.zakat_disbursement_execute,
            case=made[0],
            by=self.staff[0],
            amount=Decimal("30.00"),
            method="wallet",
        )
        return multiple(*made)

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
            loans.murabaha_acquire(contract=contract, by=self.staff[1], **self.bought("690.00"))
            loans.murabaha_offer(
                contract=contract,
                markup_amount=Decimal("70.00"),
                by=self.staff[1],
                late_charity_percent="2.00",
            )
            if accept:
                loans.murabaha_accept(contract=contract, by=customer)
            made.append(contract)
        return multiple(*made)

    # --- payouts: withdrawals, campaign payouts, the provider's verdicts ----------------

    @rule(target=payouts, who=people, amount=amounts, whose=st.sampled_from(["own", "own", "other"]), other=people)  # fmt: skip
    def withdraw(self, who, amount, whose, other):
        account = self.bank[self.who(who if whose == "own" else other).pk]
        with override_settings(PAYOUT_GATEWAY=PAYOUT_DEFERRED):
            payout = self.attempt(
                "withdrawal_create",
                payouts_services.withdrawal_create,
                user=self.who(who),
                amount=amount,
                payout_account=account,
            )
            if payout is not None:
                payouts_services.payout_send(payout_id=payout.pk)  # on_commit, live
        return multiple() if payout is None else payout

    @rule(
        payout=payouts,
        move=st.sampled_from(["paid", "failed", "approve", "reject"]),
        by=staff_member,
    )
    def payout_move(self, payout, move, by):
        """The provider's verdict, or finance deciding a withdrawal above the limit."""
        if move in ("paid", "failed"):
            self.attempt(
                "payout_settle", payouts_services.payout_settle, payout=payout, paid=move == "paid"
            )
            return
        approval = Approval.objects.filter(pk=payout.approval_id).first()
        if approval is None:
            return
        if move == "approve":
            self.attempt(
                "withdrawal_approve", approval_approve, approval=approval, by=self.staff[by]
            )
        else:
            self.attempt(
                "withdrawal_reject",
                approval_reject,
                approval=approval,
                by=self.staff[by],
                reason="No",
            )

    @rule(
        target=payouts,
        campaign=campaigns,
        amount=st.one_of(st.sampled_from([Decimal("10.00"), Decimal("45.00")]), small_cents),
        by=staff_member,
        fail=st.booleans(),
    )
    def campaign_payout(self, campaign, amount, by, fail):
        gateway = "tests.payouts.gateways.FailingPayoutGateway" if fail else "sandbox"
        with override_settings(FOUR_EYES=[], PAYOUT_GATEWAY=gateway):
            outcome = self.attempt(
                "campaign_payout",
                payouts_services.campaign_payout_request,
                campaign=self.fresh(campaign),
                by=self.staff[by],
                amount=amount,
                payee_name="Suppliers",
            )
            if outcome is None:
                return multiple()
            payouts_services.payout_send(payout_id=outcome.result.pk)
        return outcome.result

    @initialize(target=contracts)
    def relieved_contracts(self):
        """Contracts in the deep states from the start: rebated and rescheduled, and
        defaulted with a recovery under way."""
        made = []
        for customer in (self.everyone[0], self.everyone[1]):
            contract = loans.murabaha_request(
                customer=customer,
                asset_description="A sewing machine",
                cost_price=Decimal("400.00"),
                installments_count=4,
            )
            loans.murabaha_acquire(contract=contract, by=self.staff[1], **self.bought("395.50"))
            loans.murabaha_offer(
                contract=contract, markup_amount=Decimal("41.30"), by=self.staff[1]
            )
            loans.murabaha_accept(contract=contract, by=customer)
            loans.murabaha_pay(contract=contract, amount=Decimal("100.00"), by=customer)
            made.append(contract)
        loans.murabaha_rebate(contract=made[0], amount=Decimal("10.00"), by=self.staff[1])
        loans.murabaha_reschedule(contract=made[0], by=self.staff[1], installments_count=5)
        loans.murabaha_mark_defaulted(contract=made[1], by=self.staff[1])
        loans.murabaha_pay(contract=made[1], amount=Decimal("50.00"), by=self.everyone[1])
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

    # --- zakat distribution ---------------------------------------------------------------

    @rule(target=cases, who=people, amount=amounts)
    def case_submit(self, who, amount):
        case = self.attempt(
            "zakat_case_submit",
            distribution.zakat_case_submit,
            by=self.who(who),
            household_size=2,
            monthly_income=Decimal("50.00"),
            need_description="Medicine",
            amount_requested=amount,
        )
        return multiple() if case is None else case

    @rule(
        case=cases,
        move=st.sampled_from(["approve", "approve", "reject", "close"]),
        category=st.sampled_from(["fuqara", "masakin", "amilin", "gharimin", "ibn_sabil"]),
        amount=amounts,
        actor=st.sampled_from(["staff0", "staff1", "person"]),
        other=people,
    )
    def case_decide(self, case, move, category, amount, actor, other):
        by = {"staff0": self.staff[0], "staff1": self.staff[1]}.get(actor) or self.who(other)
        if move == "approve":
            self.attempt(
                "zakat_case_approve",
                distribution.zakat_case_approve,
                case=case,
                by=by,
                asnaf_category=category,
                approved_amount=amount,
            )
        elif move == "reject":
            self.attempt(
                "zakat_case_reject", distribution.zakat_case_reject, case=case, by=by, reason="No"
            )
        else:
            self.attempt("zakat_case_close", distribution.zakat_case_close, case=case, by=by)

    @rule(
        case=cases,
        choice=payment_amounts,
        method=st.sampled_from(["wallet", "wallet", "external"]),
        by=staff_member,
    )
    def case_pay(self, case, choice, method, by):
        case = self.fresh(case)
        remaining = (case.approved_amount or ZERO) - case.disbursed_amount
        self.attempt(
            "zakat_disbursement_execute",
            distribution.zakat_disbursement_execute,
            case=case,
            by=self.staff[by],
            amount=self.payment(choice, remaining),
            method=method,
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
            elif loan.status in (Loan.Status.ACTIVE, Loan.Status.DEFAULTED):  # or a recovery
                self.attempt(
                    "loan_repay",
                    loans.loan_repay,
                    loan=loan,
                    amount=self.payment(choice, loan.remaining_balance),
                    by=loan.borrower,
                )

    @rule(
        loan=loans,
        move=st.sampled_from(
            ["approve", "reject", "disburse", "default", "repay", "repay", "reschedule"]
        ),
        actor=st.sampled_from(["staff0", "staff1", "borrower", "someone"]),
        other=people,
        choice=payment_amounts,
        source=st.sampled_from(["wallet", "external", "cheque"]),
        months=st.integers(0, 14),
    )
    def loan_any(self, loan, move, actor, other, choice, source, months):
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
        elif move == "reschedule":
            self.attempt(
                "loan_reschedule",
                loans.loan_reschedule,
                loan=loan,
                by=by,
                repayment_months=months,
            )
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
        actual=st.sampled_from(["estimate", "estimate", "less", "more", "customer"]),
        charity=st.sampled_from(["0", "0", "2.5", "10", "10.01"]),
        then=st.sampled_from(["pay", "pay", "pay", "rebate", "reschedule", "default"]),
        count=st.integers(0, 8),
    )
    def murabaha_advance(self, contract, steps, markup, choice, actual, charity, then, count):
        status, staff = MurabahaContract.Status, self.staff[1]
        for _ in range(steps):
            contract = self.fresh(contract)
            if contract.status == status.REQUESTED:
                cost = {
                    "less": contract.cost_price - Decimal("0.50"),
                    "more": contract.cost_price + Decimal("25.00"),
                }.get(actual, contract.cost_price)
                supplier = contract.customer.name if actual == "customer" else "Bikes Ltd"
                self.attempt(
                    "murabaha_acquire",
                    loans.murabaha_acquire,
                    contract=contract,
                    by=staff,
                    **self.bought(cost, supplier),
                )
            elif contract.status == status.ASSET_ACQUIRED:
                self.attempt(
                    "murabaha_offer",
                    loans.murabaha_offer,
                    contract=contract,
                    markup_amount=markup,
                    by=staff,
                    late_charity_percent=charity,
                )
            elif contract.status == status.ACTIVE and then == "rebate":
                self.attempt(
                    "murabaha_rebate",
                    loans.murabaha_rebate,
                    contract=contract,
                    amount=self.payment(choice, contract.profit_deferred),
                    by=staff,
                )
            elif contract.status == status.ACTIVE and then == "reschedule":
                self.attempt(
                    "murabaha_reschedule",
                    loans.murabaha_reschedule,
                    contract=contract,
                    by=staff,
                    installments_count=count,
                )
            elif contract.status == status.ACTIVE and then == "default":
                self.attempt(
                    "murabaha_mark_defaulted",
                    loans.murabaha_mark_defaulted,
                    contract=contract,
                    by=staff,
                )
            elif contract.status == status.OFFERED:
                self.attempt(
                    "murabaha_accept",
                    loans.murabaha_accept,
                    contract=contract,
                    by=contract.customer,
                )
            elif contract.status in (status.ACTIVE, status.DEFAULTED):  # or a recovery
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
            self.attempt(
                "murabaha_acquire",
                loans.murabaha_acquire,
                contract=contract,
                by=by,
                **self.bought(contract.cost_price),
            )
        elif move == "accept":
            self.attempt("murabaha_accept", loans.murabaha_accept, contract=contract, by=by)
        elif move == "cancel":
            self.attempt("murabaha_cancel", loans.murabaha_cancel, contract=contract, by=by)

    @rule(
        loan=loans,
        contract=contracts,
        move=st.sampled_from(["rebate", "reschedule", "default", "loan_reschedule"]),
        choice=st.sampled_from(["half", "all", Decimal("0.01"), Decimal("9999.00")]),
        count=st.integers(0, 8),
    )
    def relief(self, loan, contract, move, choice, count):
        """What staff grant (or decide) on an active debt: a rebate (ibra'), a respite,
        a default; a rebate above the deferred profit is refused."""
        contract, loan, staff = self.fresh(contract), self.fresh(loan), self.staff[1]
        if move == "rebate":
            self.attempt(
                "murabaha_rebate",
                loans.murabaha_rebate,
                contract=contract,
                amount=self.payment(choice, contract.profit_deferred),
                by=staff,
            )
        elif move == "reschedule":
            self.attempt(
                "murabaha_reschedule",
                loans.murabaha_reschedule,
                contract=contract,
                by=staff,
                installments_count=count,
            )
        elif move == "default":
            self.attempt(
                "murabaha_mark_defaulted",
                loans.murabaha_mark_defaulted,
                contract=contract,
                by=staff,
            )
        else:
            self.attempt(
                "loan_reschedule",
                loans.loan_reschedule,
                loan=loan,
                by=staff,
                repayment_months=count,
            )

    @rule(months=st.integers(1, 3), choice=st.sampled_from(["all", "half", Decimal("1.00")]))
    def time_passes(self, months, choice):
        """Months go by: installments fall due (late ones pledge charity, never add to a
        debt) and offers run out (dates move back instead of the clock forward); then
        customers keep their late-payment charity pledges."""
        for row in Installment.objects.all():
            row.due_date = add_months(row.due_date, -months)
            row.save(update_fields=["due_date"])
        for contract in MurabahaContract.objects.filter(offer_valid_until__isnull=False):
            contract.offer_valid_until = add_months(contract.offer_valid_until, -months)
            contract.save(update_fields=["offer_valid_until"])
        for contract in MurabahaContract.objects.filter(late_charity_percent__gt=0):
            self.attempt(
                "murabaha_charity_pay",
                loans.murabaha_charity_pay,
                contract=contract,
                amount=self.payment(choice, contract.charity_pledge_due),
                by=contract.customer,
            )

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
    def the_trial_balance_is_zero_and_agrees_with_every_account(self):
        # The report staff read (reports.selectors.trial_balance), not only the raw sum.
        report = trial_balance(as_of=timezone.localdate())
        assert report.total == Decimal("0.00"), report
        assert sum((line["balance"] for line in report.accounts), ZERO) == report.total
        by_kind = {
            row["kind"]: row["total"]
            for row in LedgerAccount.objects.values("kind").annotate(total=Sum("balance"))
        }
        for line in report.accounts:
            assert line["balance"] == by_kind[line["kind"]], (line, by_kind)

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
        self.check_cases(balances, legs)
        self.check_fitr(balances, legs)
        self.check_loans(balances)
        self.check_contracts(balances)
        written_off = self.loan_write_offs + self.contract_write_offs
        assert balances.get("write_off", ZERO) == -written_off
        self.check_payouts(legs)

    @staticmethod
    def check_payouts(legs) -> None:
        for payout in Payout.objects.all():
            assert legs[(payout.hold_transaction_id, "payouts_in_transit_fund")] == payout.amount
            source = (
                f"wallet:{payout.owner_id}"
                if payout.source == Payout.Source.WALLET
                else f"campaign:{payout.campaign_id}"
            )
            assert legs[(payout.hold_transaction_id, source)] == -payout.amount
            if payout.status in Payout.IN_TRANSIT:
                assert payout.settle_transaction_id is None
            elif payout.status == Payout.Status.PAID:
                assert legs[(payout.settle_transaction_id, "external")] == payout.amount
            else:  # failed or rejected: back where it came from, once
                assert legs[(payout.settle_transaction_id, source)] == payout.amount

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
            # What was paid out (or is on its way) has left the fund, not the total raised.
            out = total(Payout.objects.filter(campaign_id=pk, status__in=["processing", "paid"]))
            assert (
                balances[f"campaign:{pk}"] + balances.get(f"campaign_zakat:{pk}", ZERO)
                == current - out
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
        # What came in, less what was paid to cases: nothing else leaves the fund.
        paid_out = total(ZakatDisbursement.objects.filter(source="zakat"))
        assert balances["zakat_fund"] == total(ZakatPayment.objects) - paid_out
        numbers = sorted(ZakatPayment.objects.values_list("receipt_number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), numbers  # unique and gap-free
        assert ReceiptCounter.objects.get(name=zakat.RECEIPT_COUNTER).value == len(numbers)

    @staticmethod
    def check_cases(balances, legs) -> None:
        paid = {
            case: cents_of(value)
            for case, value in ZakatDisbursement.objects.values("case")
            .annotate(total=Sum("amount"))
            .values_list("case", "total")
        }
        for pk, status, approved, disbursed, category in ZakatCase.objects.values_list(
            "pk", "status", "approved_amount", "disbursed_amount", "asnaf_category"
        ):
            assert disbursed == paid.get(pk, ZERO), (pk, disbursed, paid.get(pk))
            if status in ("submitted", "rejected"):
                assert disbursed == 0
            else:
                assert category is not None
                assert approved is not None
                assert disbursed <= approved
                assert (status == "disbursed") == (disbursed == approved), (status, disbursed)
        for txn, amount, applicant, method in ZakatDisbursement.objects.values_list(
            "transaction_id", "amount", "case__applicant_id", "method"
        ):
            assert legs[(txn, "zakat_fund")] == -amount
            where = f"wallet:{applicant}" if method == "wallet" else "external"
            assert legs[(txn, where)] == amount
        # The collectors' share stays within ZAKAT_AMIL_SHARE of what was collected.
        amilin = total(ZakatDisbursement.objects.filter(category="amilin"))
        assert amilin <= money.quantize(total(ZakatPayment.objects) * Decimal("12.5") / 100)

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
        self.loan_write_offs = written_off

    def check_contracts(self, balances) -> None:
        paid, installments = self.schedules("contract")
        recognized = deferred = charity = written_off = ZERO
        status = MurabahaContract.Status
        for contract in MurabahaContract.objects.all():
            assert contract.paid_amount == paid.get(contract.pk, ZERO)
            schedule = installments.get(contract.pk)
            receivable = balances.get(contract.ledger_key)
            inventory = balances.get(f"{contract.ledger_key}:asset")
            if contract.acquired_at is not None:  # a real purchase on record
                assert contract.supplier_name
                assert contract.invoice_reference
                assert contract.possession_date <= timezone.localdate()
                assert contract.supplier_name != contract.customer.name
            if contract.status in (status.ACTIVE, status.COMPLETED, status.DEFAULTED):
                financed = contract.sale_price - contract.down_payment
                owed = contract.remaining_balance
                assert contract.sale_price == contract.cost_price + contract.markup_amount
                assert ZERO <= contract.paid_amount <= financed
                assert contract.paid_amount + owed + contract.rebate_amount == financed
                # The schedule sums to what was paid plus what remains: nothing added.
                assert schedule["count"] == contract.installments_count
                assert cents_of(schedule["owed"]) == contract.paid_amount + owed
                assert cents_of(schedule["paid"]) == contract.paid_amount
                assert receivable == -(owed - contract.written_off_amount)
                assert inventory == 0  # sold to the customer
                # FAS 28: recognised + deferred (+ rebated + written off) = markup, and a
                # rebate never exceeded the profit not yet earned.
                assert contract.profit_deferred >= ZERO
                assert (
                    contract.profit_recognized
                    + contract.profit_deferred
                    + contract.rebate_amount
                    + contract.profit_written_off
                    == contract.markup_amount
                )
                assert contract.rebate_amount <= contract.markup_amount - contract.profit_recognized
                recognized += contract.profit_recognized
                deferred += contract.profit_deferred
                written_off += contract.written_off_amount - contract.profit_written_off
                if contract.status == status.COMPLETED:
                    assert owed == 0
                if contract.status != status.DEFAULTED:
                    assert contract.written_off_amount == contract.profit_written_off == 0
            else:
                assert contract.paid_amount == 0
                assert contract.profit_recognized == contract.rebate_amount == 0
                assert schedule is None
                assert receivable in (None, ZERO)
                if contract.acquired_at is not None:
                    # Bought and not sold (on offer or cancelled): the institution holds it.
                    assert inventory == -contract.cost_price
                else:
                    assert inventory in (None, ZERO)
            assert contract.charity_pledge_due >= ZERO
            charity += contract.charity_paid
        # Income is the markup earned by payments, never a late charge: lateness only
        # ever pledges to the charity fund.
        assert balances.get("income:murabaha", ZERO) == recognized
        assert balances.get("murabaha_deferred_profit", ZERO) == deferred
        assert balances.get("charity_fund", ZERO) == charity
        self.contract_write_offs = written_off


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
    loans.murabaha_acquire(contract=contract, by=staff, **MoneyMachine.bought("0.10"))
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
