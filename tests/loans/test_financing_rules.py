"""Financing rules as the scholars and auditors state them (issue 16), in the services.

Murabaha (AAOIFI SS 8, FAS 28): a real purchase from a third party before the
sale, no sale back to the customer ('inah), offers that expire, the markup
deferred and earned pro rata, a discretionary rebate (ibra') at most the
deferred profit, late payment never income (SS 3: a charity undertaking goes to
charity), default with recovery. Qard hasan and murabaha: respite by
rescheduling with nothing added (Qur'an 2:280); only the owner pays from a wallet.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import LedgerAccount
from accounts.services import ledger_verify
from config.errors import ConflictOfInterest, InvalidTransition, NotAllowed
from loans import services
from loans.models import Installment, Loan, MurabahaContract
from loans.schedules import profit_share
from staff.models import Approval, AuditEvent
from staff.services.approvals import approval_approve
from tests.factories import UserFactory, fund_wallet
from tests.helpers import db_rows
from tests.loans.factories import (
    acquired_contract,
    active_contract,
    active_loan,
    offered_contract,
    purchase,
    requested_contract,
)
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db
D = Decimal


def balance(key: str) -> Decimal:
    account = LedgerAccount.objects.filter(key=key).first()
    return account.balance if account else D("0.00")


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def officer(db):
    return staff_with("loan_officer")


@pytest.fixture
def finance(db):
    return staff_with("finance")


def schedule_total(parent) -> Decimal:
    return sum(parent.installments.values_list("amount", flat=True), D("0.00"))


def make_late(parent, days: int = 40) -> None:
    """The installments fell due `days` earlier than planned (as if time had passed)."""
    for row in parent.installments.all():
        row.due_date -= timedelta(days=days)
        row.save(update_fields=["due_date"])


# --- a real purchase before the sale -----------------------------------------------------


def test_the_purchase_is_recorded_and_the_offer_is_made_on_the_actual_cost(user, officer):
    contract = requested_contract(user, cost="1000.00", count=4, down="100.00")

    contract = services.murabaha_acquire(
        contract=contract,
        by=officer,
        **purchase("950.00", supplier="Cycle Wholesale Ltd", invoice_reference="CW-77"),
    )

    assert (contract.cost_price, contract.estimated_cost) == (D("950.00"), D("1000.00"))
    assert (contract.supplier_name, contract.invoice_reference) == ("Cycle Wholesale Ltd", "CW-77")
    assert contract.possession_date == timezone.localdate()
    assert balance(f"{contract.ledger_key}:asset") == D("-950.00")  # bought at the invoice
    offered = services.murabaha_offer(contract=contract, markup_amount="100.00", by=officer)
    assert offered.sale_price == D("1050.00")
    event = AuditEvent.objects.get(action="murabaha.acquired", subject_id=str(contract.pk))
    assert event.changes["supplier_name"] == "Cycle Wholesale Ltd"
    assert event.changes["estimated_cost"] == "1000.00"


@pytest.mark.parametrize(
    "facts",
    [
        {"supplier_name": "  KHADIJA   bint-Ali. "},
        {"supplier_name": "KHADIJA@example.org"},
        {"supplier_name": "Trading Co", "supplier_email": "Khadija@Example.org"},
    ],
)
def test_a_supplier_who_is_the_customer_is_a_sale_back_and_refused(officer, facts):
    customer = UserFactory(name="Khadija bint Ali", email="khadija@example.org")
    contract = requested_contract(customer)
    before = db_rows()

    with pytest.raises(services.SaleBackToCustomer) as refused:
        services.murabaha_acquire(contract=contract, by=officer, **purchase(**facts))

    assert refused.value.code == "sale_back_to_customer"
    assert db_rows() == before
    with pytest.raises(services.SaleBackToCustomer):
        services.murabaha_acquire_request(contract=contract, by=officer, **purchase(**facts))
    assert not Approval.objects.exists()


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"possession_date": timezone.localdate() + timedelta(days=1)}, "possession_date"),
        ({"possession_date": None}, "possession_date"),
        ({"supplier_name": "  "}, "supplier_name"),
        ({"invoice_reference": ""}, "invoice_reference"),
        ({"actual_cost": D("0")}, "actual_cost"),
        ({"actual_cost": D("100.00")}, "actual_cost"),  # not above the down payment
    ],
)
def test_a_purchase_needs_its_facts(user, officer, facts, field):
    contract = requested_contract(user, down="100.00")
    with pytest.raises(ValidationError) as refused:
        services.murabaha_acquire(contract=contract, by=officer, **purchase(**facts))
    assert field in refused.value.message_dict
    assert fresh(contract).status == MurabahaContract.Status.REQUESTED


def test_the_purchase_approval_carries_the_facts_and_its_executor_checks_them_again(
    officer, finance
):
    customer = UserFactory(name="Yusuf Ahmed", email="yusuf@example.org")
    contract = requested_contract(customer)
    outcome = services.murabaha_acquire_request(
        contract=contract, by=officer, **purchase("980.00", supplier="Ahmed Motors")
    )
    approval = outcome.approval
    assert approval.params["supplier_name"] == "Ahmed Motors"
    assert approval.params["actual_cost"] == "980.00"
    assert approval.amount == D("980.00")
    # Before the approval the customer turns out to be the supplier.
    customer.name = "Ahmed Motors"
    customer.save(update_fields=["name"])

    with pytest.raises(services.SaleBackToCustomer):
        approval_approve(approval=approval, by=finance)

    assert Approval.objects.get(pk=approval.pk).status == Approval.Status.PENDING
    assert fresh(contract).status == MurabahaContract.Status.REQUESTED


# --- offers expire -------------------------------------------------------------------------


def test_an_offer_stands_seven_days_by_default_and_cannot_expire_in_the_past(user, officer):
    contract = acquired_contract(user, staff=officer)
    with pytest.raises(ValidationError) as refused:
        services.murabaha_offer(
            contract=contract,
            markup_amount="10.00",
            by=officer,
            valid_until=timezone.localdate() - timedelta(days=1),
        )
    assert "valid_until" in refused.value.message_dict

    offered = services.murabaha_offer(contract=contract, markup_amount="10.00", by=officer)

    assert offered.offer_valid_until == timezone.localdate() + timedelta(days=7)


def test_accepting_after_the_offer_expired_is_refused(user, officer):
    contract = offered_contract(user, staff=officer)
    fund_wallet(user, "500.00")
    last_day = contract.offer_valid_until

    with freeze_time(last_day + timedelta(days=1)):
        before = db_rows()
        with pytest.raises(services.OfferExpired) as refused:
            services.murabaha_accept(contract=contract, by=user)
        assert refused.value.code == "offer_expired"
        assert db_rows() == before
    with freeze_time(last_day):
        assert services.murabaha_accept(contract=contract, by=user).status == "active"


# --- deferred profit (FAS 28) --------------------------------------------------------------


def test_the_markup_is_deferred_and_earned_pro_rata_to_the_cent(user):
    # cost 1000, markup 200, sale 1200, down 100, 4 installments of 275.
    contract = active_contract(user, markup="200.00")
    fund_wallet(user, "200.00")
    income, deferred = "income:murabaha", "murabaha_deferred_profit"

    assert (contract.profit_recognized, contract.profit_deferred) == (D("16.67"), D("183.33"))
    assert (balance(income), balance(deferred)) == (D("16.67"), D("183.33"))

    paid_so_far = D("100.00")
    for amount in (D("275.00"), D("0.01"), D("300.00"), D("524.99")):
        before = fresh(contract).profit_recognized
        contract = services.murabaha_pay(contract=contract, amount=amount, by=user)
        paid_so_far += amount
        earned = contract.profit_recognized - before
        if contract.remaining_balance:
            assert earned == (D("200.00") * amount / D("1200.00")).quantize(D("0.01")) or (
                abs(earned - D("200.00") * amount / D("1200.00")) <= D("0.01")
            )
        assert contract.profit_recognized + contract.profit_deferred == D("200.00")
        assert balance(income) == contract.profit_recognized
        assert balance(deferred) == contract.profit_deferred
        assert contract.sale_price == D("1200.00")

    assert contract.status == MurabahaContract.Status.COMPLETED
    assert (contract.profit_recognized, contract.profit_deferred) == (D("200.00"), D("0.00"))
    assert ledger_verify().problems == []


def test_profit_share_is_pro_rata_and_the_settling_payment_takes_the_rest():
    assert profit_share(deferred=D("183.33"), amount=D("275.00"), owed=D("1100.00")) == D("45.83")
    assert profit_share(deferred=D("0.02"), amount=D("0.01"), owed=D("3.00")) == D("0.00")
    assert profit_share(deferred=D("45.50"), amount=D("10.00"), owed=D("10.00")) == D("45.50")
    assert profit_share(deferred=D("0.00"), amount=D("10.00"), owed=D("20.00")) == D("0.00")


# --- late payment: never income; the charity undertaking (SS 3) --------------------------


def test_a_late_payment_earns_no_more_than_an_on_time_one(user, other_user):
    on_time = active_contract(user)
    late = active_contract(other_user)
    make_late(late, days=95)

    on_time = services.murabaha_pay(contract=on_time, amount="275.00", by=user)
    late = services.murabaha_pay(contract=late, amount="275.00", by=other_user)

    assert late.profit_recognized == on_time.profit_recognized
    assert late.remaining_balance == on_time.remaining_balance
    assert balance("income:murabaha") == on_time.profit_recognized * 2


def test_the_charity_pledge_is_due_on_overdue_installments_and_goes_to_charity(user):
    contract = active_contract(user, charity="2.5")
    assert contract.late_charity_percent == D("2.50")
    assert contract.charity_pledge_due == 0
    make_late(contract, days=40)  # the first installment (275.00) is overdue
    income_before = balance("income:murabaha")

    assert fresh(contract).charity_pledge_due == D("6.88")  # 2.5 % of 275.00, half up
    with pytest.raises(services.Overpayment):
        services.murabaha_charity_pay(contract=contract, amount="6.89", by=user)
    contract = services.murabaha_charity_pay(contract=contract, amount="6.88", by=user)

    assert contract.charity_pledge_due == 0
    assert balance("charity_fund") == D("6.88")
    assert balance("income:murabaha") == income_before  # never income
    assert contract.remaining_balance == D("1100.00")  # nothing added to the debt
    # Paying the late installment does not cancel the pledge, nor add a new one.
    services.murabaha_pay(contract=contract, amount="275.00", by=user)
    assert fresh(contract).charity_pledge_due == 0
    assert ledger_verify().problems == []


@pytest.mark.parametrize("percent", ["-1", "10.01", "abc", "2.555"])
def test_the_charity_undertaking_is_capped(user, officer, percent):
    contract = acquired_contract(user, staff=officer)
    with pytest.raises(ValidationError) as refused:
        services.murabaha_offer(
            contract=contract, markup_amount="10.00", by=officer, late_charity_percent=percent
        )
    assert "late_charity_percent" in refused.value.message_dict


def test_the_charity_fund_can_never_go_negative():
    from accounts.models import NON_NEGATIVE_KINDS

    assert "charity_fund" in NON_NEGATIVE_KINDS


# --- rebate (ibra') --------------------------------------------------------------------------


def test_a_rebate_above_the_deferred_profit_is_refused_when_asked(user, officer):
    contract = active_contract(user)  # deferred 183.33
    with pytest.raises(services.RebateTooLarge) as refused:
        services.murabaha_rebate_request(contract=contract, by=officer, amount="183.34")
    assert refused.value.extra == {"profit_deferred": "183.33"}
    assert not Approval.objects.exists()


def test_a_rebate_lowers_what_is_owed_and_the_deferred_profit_never_income(user, officer, finance):
    contract = active_contract(user)
    contract = services.murabaha_pay(contract=contract, amount="275.00", by=user)
    deferred, income = contract.profit_deferred, balance("income:murabaha")
    approval = services.murabaha_rebate_request(contract=contract, by=officer, amount="100.00")
    assert approval.pending
    assert approval.approval.kind == "rebate"
    assert fresh(contract).rebate_amount == 0

    approval_approve(approval=approval.approval, by=finance)

    contract = fresh(contract)
    assert contract.rebate_amount == D("100.00")
    assert contract.remaining_balance == D("725.00")
    assert contract.profit_deferred == deferred - D("100.00")
    assert contract.sale_price == D("1200.00")
    assert balance("income:murabaha") == income
    assert schedule_total(contract) - contract.paid_amount == contract.remaining_balance
    assert balance(contract.ledger_key) == -contract.remaining_balance
    # The rest earns the rest of the profit: recognised + deferred + rebated = markup.
    contract = services.murabaha_pay(contract=contract, amount="725.00", by=user)
    assert contract.status == MurabahaContract.Status.COMPLETED
    assert contract.profit_recognized + contract.rebate_amount == D("200.00")
    assert balance("murabaha_deferred_profit") == 0
    assert ledger_verify().problems == []


def test_a_rebate_is_checked_again_when_executed(user, officer, finance):
    contract = active_contract(user)
    asked = services.murabaha_rebate_request(contract=contract, by=officer, amount="150.00")
    services.murabaha_pay(contract=contract, amount="825.00", by=user)  # deferred now < 150

    with pytest.raises(services.RebateTooLarge):
        approval_approve(approval=asked.approval, by=finance)

    assert Approval.objects.get(pk=asked.approval.pk).status == Approval.Status.PENDING
    assert fresh(contract).rebate_amount == 0


def test_a_rebate_is_for_staff_with_the_permission_and_never_on_their_own_contract(user):
    contract = active_contract(user)
    with pytest.raises(NotAllowed):
        services.murabaha_rebate_request(contract=contract, by=user, amount="1.00")
    with pytest.raises(NotAllowed):
        services.murabaha_rebate_request(contract=contract, by=staff_with("finance"), amount="1.00")
    own = staff_with("loan_officer")
    with pytest.raises(ConflictOfInterest):
        services.murabaha_rebate_request(contract=active_contract(own), by=own, amount="1.00")


# --- default, write-off and recovery ---------------------------------------------------------


def test_a_defaulted_contract_writes_off_the_cost_and_reverses_the_unearned_markup(user, officer):
    contract = active_contract(user)
    services.murabaha_pay(contract=contract, amount="275.00", by=user)
    contract = fresh(contract)
    remaining, deferred = contract.remaining_balance, contract.profit_deferred
    income = balance("income:murabaha")

    contract = services.murabaha_mark_defaulted(contract=contract, by=officer)

    assert contract.status == MurabahaContract.Status.DEFAULTED
    assert contract.remaining_balance == remaining  # nothing added, nothing forgiven
    assert (contract.written_off_amount, contract.profit_written_off) == (remaining, deferred)
    assert contract.profit_deferred == 0
    assert balance(contract.ledger_key) == 0
    assert balance("write_off") == -(remaining - deferred)
    assert balance("income:murabaha") == income
    assert AuditEvent.objects.filter(action="murabaha.defaulted").exists()


def test_payments_after_a_murabaha_default_are_recoveries(user, officer):
    contract = active_contract(user)
    contract = services.murabaha_mark_defaulted(contract=contract, by=officer)
    owed = contract.remaining_balance
    fund_wallet(user, "200.00")

    contract = services.murabaha_pay(contract=contract, amount="550.00", by=user)
    assert contract.status == MurabahaContract.Status.DEFAULTED
    assert contract.written_off_amount == owed - D("550.00")
    assert contract.profit_recognized + contract.profit_written_off == D("200.00")
    contract = services.murabaha_pay(contract=contract, amount=owed - D("550.00"), by=user)

    assert contract.status == MurabahaContract.Status.COMPLETED
    assert (contract.written_off_amount, contract.profit_written_off) == (0, 0)
    assert contract.profit_recognized == D("200.00")  # the agreed markup, not a penny more
    assert balance("write_off") == 0
    assert balance("income:murabaha") == D("200.00")
    assert ledger_verify().problems == []


def test_payments_after_a_loan_default_are_recoveries(user, officer):
    loan = active_loan(user, principal="600.00", months=3)
    loan = services.loan_mark_defaulted(loan=loan, by=officer)
    assert balance("write_off") == D("-600.00")

    loan = services.loan_repay(loan=loan, amount="100.00", by=officer, source="external")
    assert (loan.status, loan.written_off_amount, loan.repaid_amount) == (
        Loan.Status.DEFAULTED,
        D("500.00"),
        D("100.00"),
    )
    assert balance("write_off") == D("-500.00")
    event = AuditEvent.objects.get(action="loan.payment_recorded")
    assert event.changes["recovery"] is True
    fund_wallet(user, "500.00")
    loan = services.loan_repay(loan=loan, amount="500.00", by=user)

    assert loan.status == Loan.Status.FULLY_REPAID
    assert balance("write_off") == 0
    assert balance(loan.ledger_key) == 0
    assert ledger_verify().problems == []


# --- respite: rescheduling adds nothing (Qur'an 2:280) ----------------------------------------


def test_a_loan_is_rescheduled_over_new_months_with_nothing_added(user, officer):
    loan = active_loan(user, principal="1200.00", months=12)  # 12 x 100
    loan = services.loan_repay(loan=loan, amount="150.00", by=user)
    make_late(loan, days=70)

    loan = services.loan_reschedule(loan=loan, by=officer, repayment_months=7)

    rows = list(loan.installments.order_by("number"))
    assert [r.number for r in rows] == list(range(1, 10))
    assert [(r.amount, r.status) for r in rows[:2]] == [(D("100.00"), "paid"), (D("50.00"), "paid")]
    new = rows[2:]
    assert sum(r.amount for r in new) == D("1050.00") == loan.remaining_balance
    assert [r.amount for r in new] == [D("150.00")] * 7
    assert all(r.due_date > timezone.localdate() for r in new)
    assert loan.repayment_months == 9
    assert loan.principal_amount == D("1200.00")
    assert loan.days_past_due == 0
    event = AuditEvent.objects.get(action="loan.rescheduled", subject_id=str(loan.pk))
    assert (event.changes["remaining"], event.changes["installments"]) == ("1050.00", [12, 9])
    # And it is repaid exactly as rescheduled.
    loan = services.loan_repay(loan=loan, amount="1050.00", by=user)
    assert loan.status == Loan.Status.FULLY_REPAID


def test_a_contract_is_rescheduled_and_the_last_installment_takes_the_remainder(user, officer):
    contract = active_contract(user)  # 1100 over 4
    contract = services.murabaha_pay(contract=contract, amount="275.00", by=user)

    contract = services.murabaha_reschedule(contract=contract, by=officer, installments_count=7)

    new = list(contract.installments.filter(paid_amount=0).order_by("number"))
    assert [r.amount for r in new] == [D("117.85")] * 6 + [D("117.90")]
    assert schedule_total(contract) - contract.paid_amount == contract.remaining_balance
    assert (contract.sale_price, contract.markup_amount) == (D("1200.00"), D("200.00"))
    assert contract.installments_count == 8


def test_rescheduling_is_refused_when_the_rules_say_so(user, officer):
    loan = active_loan(user, principal="0.03", months=3)
    with pytest.raises(ValidationError):
        services.loan_reschedule(loan=loan, by=officer, repayment_months=4)  # < 1 cent each
    with pytest.raises(ValidationError):
        services.loan_reschedule(loan=loan, by=officer, repayment_months=0)
    with pytest.raises(NotAllowed):
        services.loan_reschedule(loan=loan, by=user, repayment_months=2)
    own = staff_with("loan_officer")
    with pytest.raises(ConflictOfInterest):
        services.loan_reschedule(loan=active_loan(own), by=own, repayment_months=2)
    contract = offered_contract(user)
    with pytest.raises(InvalidTransition):
        services.murabaha_reschedule(contract=contract, by=officer, installments_count=2)
    assert fresh(loan).installments.count() == 3


# --- only the owner pays from a wallet ---------------------------------------------------------


def test_staff_never_take_money_from_a_customers_wallet(user, officer):
    loan = active_loan(user)
    contract = active_contract(user)
    before = db_rows()
    for service, subject in (
        (services.loan_repay, {"loan": loan}),
        (services.murabaha_pay, {"contract": contract}),
        (services.murabaha_charity_pay, {"contract": contract}),
    ):
        with pytest.raises(services.WalletNotYours) as refused:
            service(**subject, amount="10.00", by=officer, source="wallet")
        assert refused.value.code == "wallet_not_yours"
    assert db_rows() == before
    # Cash received is what staff record.
    paid = services.murabaha_pay(contract=contract, amount="10.00", by=officer, source="external")
    assert paid.paid_amount == D("10.00")


def test_the_database_holds_recognised_plus_deferred_within_the_markup(user):
    from django.db import IntegrityError, transaction

    contract = active_contract(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        MurabahaContract.objects.filter(pk=contract.pk).update(profit_recognized=D("200.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        MurabahaContract.objects.filter(pk=contract.pk).update(late_charity_percent=D("50"))
    with pytest.raises(IntegrityError), transaction.atomic():
        MurabahaContract.objects.filter(pk=contract.pk).update(supplier_name="")
    assert Installment.objects.filter(contract=contract).count() == 4
