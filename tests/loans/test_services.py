"""Lifecycle, ledger and payment rules of loans and murabaha contracts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from freezegun import freeze_time

from accounts import selectors as account_selectors
from accounts.models import LedgerAccount
from accounts.services import InsufficientFunds, Leg, ledger_post, ledger_verify
from config.errors import InvalidTransition, NotAllowed
from loans import services
from loans.models import Installment, Loan, MurabahaContract
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import (
    active_contract,
    active_loan,
    offered_contract,
    pending_loan,
    purchase,
    requested_contract,
)

pytestmark = pytest.mark.django_db


def balance(key: str) -> Decimal:
    return LedgerAccount.objects.get(key=key).balance


def wallet_balance(user) -> Decimal:
    return account_selectors.wallet_balance(user=user)


def test_apply_validates(user, settings):
    settings.LOAN_MAX_PRINCIPAL = "500.00"
    with pytest.raises(ValidationError) as exc:
        services.loan_apply(
            borrower=user, principal_amount=Decimal("500.01"), purpose=" ", repayment_months=61
        )
    assert set(exc.value.message_dict) == {"principal_amount", "purpose", "repayment_months"}
    loan = services.loan_apply(
        borrower=user, principal_amount=Decimal("500.00"), purpose="Rent", repayment_months=1
    )
    assert loan.status == Loan.Status.PENDING
    assert not any("interest" in f.name or "fee" in f.name for f in Loan._meta.fields)


def test_principal_too_small_for_the_months_is_refused(user):
    with pytest.raises(ValidationError):
        services.loan_apply(
            borrower=user, principal_amount=Decimal("0.05"), purpose="x", repayment_months=6
        )


def test_disbursement_credits_wallet_and_fixes_the_schedule(user, staff_user):
    with freeze_time("2027-01-31"):
        loan = active_loan(user, principal="100.00", months=3, staff=staff_user)

    assert loan.status == Loan.Status.ACTIVE
    assert loan.disbursement_date == date(2027, 1, 31)
    assert wallet_balance(user) == Decimal("100.00")
    assert balance(f"loan:{loan.pk}") == Decimal("-100.00")
    rows = list(loan.installments.values_list("due_date", "amount"))
    assert rows == [
        (date(2027, 2, 28), Decimal("33.33")),
        (date(2027, 3, 31), Decimal("33.33")),
        (date(2027, 4, 30), Decimal("33.34")),
    ]
    assert ledger_verify().problems == []


def test_every_refused_loan_move_is_an_invalid_transition(user, staff_user):
    loan = pending_loan(user)
    for move in (services.loan_disburse, services.loan_mark_defaulted):
        with pytest.raises(InvalidTransition):
            move(loan=loan, by=staff_user)
    services.loan_approve(loan=loan, by=staff_user)
    with pytest.raises(InvalidTransition):
        services.loan_approve(loan=loan, by=staff_user)
    services.loan_disburse(loan=loan, by=staff_user)
    for move in (services.loan_approve, services.loan_reject, services.loan_disburse):
        with pytest.raises(InvalidTransition):
            move(loan=loan, by=staff_user)


def test_reject_from_pending(user, staff_user):
    loan = services.loan_reject(loan=pending_loan(user), by=staff_user, reason="Incomplete")
    assert loan.status == Loan.Status.REJECTED
    with pytest.raises(InvalidTransition):
        services.loan_approve(loan=loan, by=staff_user)


def test_staff_cannot_approve_their_own_application(staff_user):
    loan = pending_loan(staff_user)
    with pytest.raises(services.SelfApproval) as exc:
        services.loan_approve(loan=loan, by=staff_user)
    assert exc.value.status == 403
    loan.refresh_from_db()
    assert loan.status == Loan.Status.PENDING


def test_repayments_pay_the_oldest_installment_first(user, staff_user):
    loan = active_loan(user, principal="300.00", months=3, staff=staff_user)
    services.loan_repay(loan=loan, amount=Decimal("150.00"), by=user)

    statuses = list(loan.installments.values_list("paid_amount", "status"))
    assert statuses == [
        (Decimal("100.00"), "paid"),
        (Decimal("50.00"), "partially_paid"),
        (Decimal("0.00"), "due"),
    ]
    loan.refresh_from_db()
    assert loan.repaid_amount == Decimal("150.00")
    assert wallet_balance(user) == Decimal("150.00")
    assert balance(f"loan:{loan.pk}") == Decimal("-150.00")

    loan = services.loan_repay(loan=loan, amount=Decimal("150.00"), by=user)
    assert loan.status == Loan.Status.FULLY_REPAID
    assert loan.remaining_balance == 0
    assert balance(f"loan:{loan.pk}") == 0
    assert ledger_verify().problems == []
    with pytest.raises(services.LoanNotActive):
        services.loan_repay(loan=loan, amount=Decimal("1.00"), by=user)


def test_overpayment_is_refused_whole(user, staff_user):
    loan = active_loan(user, principal="100.00", months=2, staff=staff_user)
    fund_wallet(user, "50.00")
    with pytest.raises(services.Overpayment):
        services.loan_repay(loan=loan, amount=Decimal("100.01"), by=user)
    loan.refresh_from_db()
    assert loan.repaid_amount == 0
    assert wallet_balance(user) == Decimal("150.00")


def test_short_wallet_is_402_and_nothing_changes(user, staff_user):
    loan = active_loan(user, principal="100.00", months=2, staff=staff_user)
    spender = UserFactory()
    # the borrower spends the disbursement elsewhere first
    ledger_post(
        kind="donation",
        legs=[
            Leg(account_selectors.wallet_for(user=user), Decimal("-90.00")),
            Leg(services.wallet_get_or_create(user=spender), Decimal("90.00")),
        ],
        reference="spent",
    )
    with pytest.raises(InsufficientFunds):
        services.loan_repay(loan=loan, amount=Decimal("20.00"), by=user)
    loan.refresh_from_db()
    assert loan.repaid_amount == 0
    assert not Installment.objects.filter(loan=loan, paid_amount__gt=0).exists()


def test_external_cash_by_staff_only(user, staff_user):
    loan = active_loan(user, principal="100.00", months=2, staff=staff_user)
    with pytest.raises(services.ExternalSourceNotAllowed):
        services.loan_repay(loan=loan, amount=Decimal("10.00"), by=user, source="external")
    services.loan_repay(loan=loan, amount=Decimal("10.00"), by=staff_user, source="external")
    assert wallet_balance(user) == Decimal("100.00")
    assert balance(f"loan:{loan.pk}") == Decimal("-90.00")
    assert ledger_verify().problems == []


def test_staff_may_not_record_cash_on_their_own_loan_or_contract(staff_user):
    # Cash "received" is money no wallet paid: the borrower may never vouch for it,
    # even a borrower who is staff.
    loan = active_loan(staff_user, principal="100.00", months=2)
    contract = active_contract(staff_user)
    with pytest.raises(services.ExternalSourceNotAllowed):
        services.loan_repay(loan=loan, amount=Decimal("10.00"), by=staff_user, source="external")
    with pytest.raises(services.ExternalSourceNotAllowed):
        services.murabaha_pay(
            contract=contract, amount=Decimal("10.00"), by=staff_user, source="external"
        )

    loan.refresh_from_db()
    contract.refresh_from_db()
    assert (loan.repaid_amount, contract.paid_amount) == (0, 0)
    assert balance(f"loan:{loan.pk}") == Decimal("-100.00")
    services.loan_repay(loan=loan, amount=Decimal("10.00"), by=staff_user)  # from the wallet
    assert balance(f"loan:{loan.pk}") == Decimal("-90.00")


def test_mark_defaulted_writes_off_the_remainder(user, staff_user):
    loan = active_loan(user, principal="100.00", months=2, staff=staff_user)
    services.loan_repay(loan=loan, amount=Decimal("30.00"), by=user)
    loan = services.loan_mark_defaulted(loan=loan, by=staff_user)

    assert loan.status == Loan.Status.DEFAULTED
    assert loan.written_off_amount == Decimal("70.00")
    assert balance(f"loan:{loan.pk}") == 0
    assert balance("write_off") == Decimal("-70.00")
    assert ledger_verify().problems == []


def test_database_keeps_repaid_within_principal(user, staff_user):
    loan = active_loan(user, principal="100.00", months=2, staff=staff_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(repaid_amount=Decimal("100.01"))


# --- murabaha ---------------------------------------------------------------------------


def test_offer_before_acquire_is_refused(user, staff_user):
    contract = requested_contract(user)
    with pytest.raises(InvalidTransition):
        services.murabaha_offer(contract=contract, markup_amount=Decimal("10.00"), by=staff_user)


def test_murabaha_full_flow_books_sale_and_completes_exactly(user, staff_user):
    contract = requested_contract(user, cost="1000.00", count=3, down="100.00")
    services.murabaha_acquire(contract=contract, by=staff_user, **purchase())
    key = f"murabaha:{contract.pk}"
    assert balance(f"{key}:asset") == Decimal("-1000.00")
    contract = services.murabaha_offer(
        contract=contract, markup_amount=Decimal("200.00"), by=staff_user
    )
    assert contract.sale_price == Decimal("1200.00")
    fund_wallet(user, "1200.00")

    contract = services.murabaha_accept(contract=contract, by=user)

    assert contract.status == MurabahaContract.Status.ACTIVE
    assert wallet_balance(user) == Decimal("1100.00")
    assert balance(key) == Decimal("-1100.00")
    assert balance(f"{key}:asset") == 0
    # The markup is deferred at the sale; the down payment earns its share (FAS 28).
    assert balance("income:murabaha") == Decimal("16.67")  # 200 x 100 / 1200
    assert balance("murabaha_deferred_profit") == Decimal("183.33")
    assert sum(contract.installments.values_list("amount", flat=True)) == Decimal("1100.00")

    with pytest.raises(services.Overpayment):
        services.murabaha_pay(contract=contract, amount=Decimal("1100.01"), by=user)
    services.murabaha_pay(contract=contract, amount=Decimal("500.00"), by=user)
    contract = services.murabaha_pay(contract=contract, amount=Decimal("600.00"), by=user)

    assert contract.status == MurabahaContract.Status.COMPLETED
    assert contract.sale_price == Decimal("1200.00")
    assert contract.remaining_balance == 0
    assert balance(key) == 0
    assert balance("income:murabaha") == Decimal("200.00")  # all earned once all is paid
    assert balance("murabaha_deferred_profit") == 0
    assert ledger_verify().problems == []
    with pytest.raises(services.ContractNotActive):
        services.murabaha_pay(contract=contract, amount=Decimal("1.00"), by=user)


def test_accept_with_a_short_wallet_writes_nothing(user, staff_user):
    contract = offered_contract(user, staff=staff_user)
    with pytest.raises(InsufficientFunds):
        services.murabaha_accept(contract=contract, by=user)
    contract.refresh_from_db()
    assert contract.status == MurabahaContract.Status.OFFERED
    assert not contract.installments.exists()
    assert not LedgerAccount.objects.filter(key=f"murabaha:{contract.pk}").exclude(balance=0)
    assert ledger_verify().problems == []


def test_only_the_customer_accepts(user, other_user, staff_user):
    contract = offered_contract(user, staff=staff_user)
    for someone in (other_user, staff_user):
        with pytest.raises(NotAllowed):
            services.murabaha_accept(contract=contract, by=someone)


def test_cancel_before_acceptance_keeps_the_asset_in_inventory(user, staff_user):
    contract = offered_contract(user, staff=staff_user)
    contract = services.murabaha_cancel(contract=contract, by=user)
    assert contract.status == MurabahaContract.Status.CANCELLED
    assert balance(f"murabaha:{contract.pk}:asset") == Decimal("-1000.00")
    with pytest.raises(InvalidTransition):
        services.murabaha_accept(contract=contract, by=user)
    active = active_contract(user, staff=staff_user)
    with pytest.raises(InvalidTransition):
        services.murabaha_cancel(contract=active, by=staff_user)


def test_sale_price_never_changes_after_acceptance(user, staff_user):
    contract = active_contract(user, staff=staff_user)
    with pytest.raises(InvalidTransition):
        services.murabaha_offer(contract=contract, markup_amount=Decimal("999.00"), by=staff_user)
    with freeze_time(timezone.localdate() + timedelta(days=400)):
        services.installments_mark_overdue()
        contract.refresh_from_db()
    assert contract.sale_price == Decimal("1200.00")
    assert contract.remaining_balance == Decimal("1100.00")


def test_request_validation(user):
    with pytest.raises(ValidationError) as exc:
        services.murabaha_request(
            customer=user,
            asset_description="",
            cost_price=Decimal("100.00"),
            installments_count=0,
            down_payment=Decimal("100.00"),
        )
    assert set(exc.value.message_dict) == {
        "asset_description",
        "installments_count",
        "down_payment",
    }


# --- delinquency --------------------------------------------------------------------------


def test_overdue_marking_reminds_once(
    user, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    with freeze_time("2027-01-15"):
        loan = active_loan(user, principal="300.00", months=3, staff=staff_user)
    with freeze_time("2027-03-20"), django_capture_on_commit_callbacks(execute=True):
        marked, reminded = services.installments_mark_overdue()
    assert (marked, reminded) == (2, 2)
    assert len(mailoutbox) == 2
    assert mailoutbox[0].to == [user.email]
    assert "gentle reminder" in mailoutbox[0].subject
    assert "no late fees" in mailoutbox[0].body
    loan.refresh_from_db()
    with freeze_time("2027-03-20"):
        assert Loan.objects.get(pk=loan.pk).days_past_due == 33

    with freeze_time("2027-03-21"), django_capture_on_commit_callbacks(execute=True):
        assert services.installments_mark_overdue() == (0, 0)
    assert len(mailoutbox) == 2
    loan.refresh_from_db()
    assert loan.remaining_balance == Decimal("300.00")

    with freeze_time("2027-03-21"):
        services.loan_repay(loan=loan, amount=Decimal("150.00"), by=user)
    assert list(loan.installments.values_list("status", flat=True)) == [
        "paid",
        "overdue",
        "due",
    ]


def _approved_loan(user, staff):
    return services.loan_approve(loan=pending_loan(user), by=staff)


def _acquired_contract(user, staff):
    return services.murabaha_acquire(contract=requested_contract(user), by=staff, **purchase())


@pytest.mark.parametrize(
    ("service", "make", "kwargs"),
    [
        (services.loan_approve, lambda user, staff: pending_loan(user), {}),
        (services.loan_reject, lambda user, staff: pending_loan(user), {"reason": "No."}),
        (services.loan_disburse, _approved_loan, {}),
        (services.loan_mark_defaulted, lambda user, staff: active_loan(user, staff=staff), {}),
        (services.murabaha_acquire, lambda user, staff: requested_contract(user), purchase()),
        (services.murabaha_offer, _acquired_contract, {"markup_amount": Decimal("50.00")}),
    ],
)
def test_the_institutions_moves_are_refused_to_non_staff(
    service, make, kwargs, user, other_user, staff_user
):
    # The rule is the service's own, so the pages, the admin and the shell
    # refuse whom the API's IsAdminUser refuses.
    obj = make(user, staff_user)
    subject = {"loan" if isinstance(obj, Loan) else "contract": obj}
    before = obj.status
    for someone in (user, other_user):
        with pytest.raises(NotAllowed, match="Only staff"):
            service(**subject, by=someone, **kwargs)
    assert type(obj).objects.get(pk=obj.pk).status == before
    assert service(**subject, by=staff_user, **kwargs).status != before


def test_a_rejection_needs_a_reason_the_borrower_then_reads(user, staff_user, client):
    from django.core.exceptions import ValidationError

    loan = pending_loan(user)
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as raised:
            services.loan_reject(loan=loan, by=staff_user, reason=blank)
        assert "reason" in raised.value.message_dict
    loan.refresh_from_db()
    assert loan.status == "pending"

    services.loan_reject(loan=loan, by=staff_user, reason="Income could not be verified")
    client.force_login(user)
    page = client.get(f"/loans/{loan.pk}/").content.decode()
    assert "Income could not be verified" in page
