"""Financing: qard hasan loans and murabaha contracts. Every write lives here.

Rules a reader of the API docs also sees:

* Qard hasan is interest-free. The borrower repays exactly the principal; no
  interest, fee or markup exists, and nothing (lateness included) ever adds to
  what is owed. The database keeps 0 <= repaid <= principal.
* Murabaha is a sale at disclosed cost plus a fixed markup. The institution must
  own the asset (``acquire``) before it may ``offer`` it; the sale price
  (cost + markup) is fixed when the customer accepts and never grows.
* Schedules: monthly installments from the disbursement / acceptance date that
  sum exactly to what is owed (see loans.schedules).
* Payments go to the oldest unpaid installment first, partial payments allowed;
  a payment above what remains is refused whole, never partly taken.

Ledger (every balance is credit-positive: wallets and income positive, the
institution's assets — cash at ``external``, receivables, inventory — negative):

=========================  ================================================
disburse P                 wallet +P, loan receivable -P
repay x (wallet)           wallet -x, loan receivable +x
repay x (cash, staff)      external -x, loan receivable +x
mark defaulted, rest R     loan receivable +R, write_off -R
recovery x after default   payer -x, write_off +x (qard hasan)
murabaha acquire at C      inventory -C, external +C (C: the supplier's invoice)
accept at S = C + M        receivable -S, inventory +C, deferred profit +M; then
                           the down payment D: wallet -D, receivable +D,
                           deferred -p, income +p (p: D's share of the markup)
installment payment x      payer -x, receivable +x, deferred -p, income +p
                           (p = deferred * x / still owed; FAS 28)
charity pledge x           payer -x, charity_fund +x (never income; SS 3)
rebate r (ibra')           deferred -r, receivable +r (never income)
mark defaulted, rest R     receivable +R, deferred -D, write_off -(R - D)
recovery x after default   payer -x, write_off +(x - p), income +p (p: the
                           written-off markup's share, pro rata)
cancel                     no money moves; an acquired asset stays in the
                           institution's inventory for resale
=========================  ================================================

Late payment is never income: nothing is ever added to what a borrower or a
customer owes (Qur'an 2:280), and a late-payment charity undertaking goes to the
charity fund only.

Every service locks the loan or contract row first and then (through
ledger_post) the accounts, always in that order, so concurrent payments queue
instead of deadlocking or overpaying.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import ClassVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import money
from accounts.models import LedgerAccount, LedgerTransaction, User
from accounts.services import (
    Leg,
    external_account,
    ledger_account,
    ledger_post,
    wallet_get_or_create,
)
from config.errors import ConflictOfInterest, DomainError, InvalidTransition, NotAllowed
from config.taskqueue import enqueue_with_transaction
from loans.models import (
    ASSET_MAX_LENGTH,
    INVOICE_MAX_LENGTH,
    LATE_CHARITY_MAX_PERCENT,
    MAX_MONTHS,
    MURABAHA_MAX_PRICE,
    OFFER_DEFAULT_DAYS,
    PURPOSE_MAX_LENGTH,
    REJECTION_REASON_MAX_LENGTH,
    SUPPLIER_MAX_LENGTH,
    Installment,
    Loan,
    MurabahaContract,
    Payment,
)
from loans.schedules import build_schedule, profit_share
from staff.approvals import register_kind
from staff.errors import ApprovalPending
from staff.models import Approval
from staff.permissions import user_can
from staff.roles import checker_perm
from staff.services.approvals import ApprovalOutcome, approval_request
from staff.services.audit import audit_record

# LedgerTransaction.reference and LedgerAccount.name are 200 characters.
LEDGER_TEXT_MAX_LENGTH = 200


class LoanNotActive(DomainError):
    code = "loan_not_active"
    default_message = _("This loan is not active, so it cannot take a repayment.")


class ContractNotActive(DomainError):
    code = "contract_not_active"
    default_message = _("This contract is not active, so it cannot take a payment.")


class Overpayment(DomainError):
    code = "overpayment"
    default_message = _("The payment is more than the remaining balance; nothing was taken.")
    example_extra: ClassVar[dict] = {"remaining_balance": "1100.00"}


class SaleBackToCustomer(DomainError):
    code = "sale_back_to_customer"
    default_message = _(
        "The supplier is the customer: buying from the customer and selling back on "
        "credit is 'inah, which a murabaha may not be."
    )


class OfferExpired(DomainError):
    code = "offer_expired"
    default_message = _("This offer has expired; ask the institution for a new one.")


class RebateTooLarge(DomainError):
    code = "rebate_too_large"
    default_message = _("A rebate can be at most the profit not yet earned (the deferred profit).")
    example_extra: ClassVar[dict] = {"profit_deferred": "120.00"}


class WalletNotYours(NotAllowed):
    code = "wallet_not_yours"
    default_message = _(
        "Only the customer pays from their wallet; staff record cash received "
        'with "source": "external".'
    )


class SelfApproval(ConflictOfInterest):
    default_message = _("You cannot approve your own application; another staff member must.")


class ExternalSourceNotAllowed(NotAllowed):
    default_message = _("Only staff may record cash received outside the platform.")


# --- helpers ---------------------------------------------------------------------------


def loan_max_principal() -> Decimal:
    return money.quantize(settings.LOAN_MAX_PRINCIPAL)


def loan_receivable_account(loan: Loan) -> LedgerAccount:
    return ledger_account(
        LedgerAccount.Kind.LOAN_RECEIVABLE, loan.ledger_key, f"Qard hasan receivable {loan.pk}"
    )


def murabaha_receivable_account(contract: MurabahaContract) -> LedgerAccount:
    return ledger_account(
        LedgerAccount.Kind.MURABAHA_RECEIVABLE,
        contract.ledger_key,
        f"Murabaha receivable {contract.pk}",
    )


def murabaha_inventory_account(contract: MurabahaContract) -> LedgerAccount:
    return ledger_account(
        LedgerAccount.Kind.MURABAHA_INVENTORY,
        f"{contract.ledger_key}:asset",
        f"Murabaha asset held: {contract.asset_description}"[:LEDGER_TEXT_MAX_LENGTH],
    )


def murabaha_income_account() -> LedgerAccount:
    return ledger_account(LedgerAccount.Kind.INCOME, "income:murabaha", "Murabaha income (markup)")


def murabaha_deferred_profit_account() -> LedgerAccount:
    return ledger_account(
        LedgerAccount.Kind.MURABAHA_DEFERRED_PROFIT,
        "murabaha_deferred_profit",
        "Murabaha profit not yet earned",
    )


def charity_fund_account() -> LedgerAccount:
    return ledger_account(
        LedgerAccount.Kind.CHARITY_FUND, "charity_fund", "Charity fund (late-payment pledges)"
    )


def write_off_account() -> LedgerAccount:
    return ledger_account(LedgerAccount.Kind.WRITE_OFF, "write_off", "Written-off debts")


def _allocate(installments: QuerySet[Installment], amount: Decimal, *, today: date) -> None:
    """Spread a payment over the unpaid installments, oldest first (locked)."""
    now = timezone.now()
    left = amount
    changed = []
    for inst in (
        installments.select_for_update().filter(paid_amount__lt=F("amount")).order_by("number")
    ):
        if left <= 0:
            break
        take = min(inst.remaining, left)
        inst.paid_amount += take
        left -= take
        if inst.paid_amount == inst.amount:
            inst.status = Installment.Status.PAID
            inst.paid_at = now
        elif inst.due_date < today:
            inst.status = Installment.Status.OVERDUE
        else:
            inst.status = Installment.Status.PARTIALLY_PAID
        changed.append(inst)
    if left != 0:  # the parent's balance and its installments disagree: refuse, roll back
        raise DomainError(_("The schedule does not match the balance; nothing was taken."))
    Installment.objects.bulk_update(changed, ["paid_amount", "status", "paid_at"])


def _payment_source(*, by: User, owner_id: UUID, source: str) -> str:
    if source not in Payment.Source.values:
        raise ValidationError({"source": [f"Must be one of: {', '.join(Payment.Source.values)}."]})
    staff = user_can(by, "staff.loan_record_payment")
    if not staff and by.pk != owner_id:
        raise NotAllowed()
    if source == Payment.Source.EXTERNAL and (not staff or by.pk == owner_id):
        raise ExternalSourceNotAllowed()
    if source == Payment.Source.WALLET and by.pk != owner_id:
        # Nobody but its owner takes money from a wallet: staff record cash received.
        raise WalletNotYours()
    return source


def _staff_only(by: User, action: str, perm: str) -> None:
    """The institution's own moves (deciding, paying out, buying, offering) are for
    staff holding the role's permission (staff/roles.py), never `is_staff` alone."""
    if not user_can(by, perm):
        raise NotAllowed(
            _("Only staff holding %(perm)s may %(action)s.") % {"perm": perm, "action": action}
        )


def _approver(approved_by: User | None) -> dict:
    return {"approved_by": approved_by.pk} if approved_by is not None else {}


def _not_own(by: User, owner_id: UUID) -> None:
    """Nobody acts as staff on their own loan or contract (403 conflict_of_interest)."""
    if by.pk == owner_id:
        raise ConflictOfInterest()


Financing = Loan | MurabahaContract


def _audit(
    by: User, action: str, subject: Financing, before: str, *, reason: str = "", **facts
) -> None:
    """One audit event for a staff move, in its transaction: who moved which loan or
    contract from which status to which, and the move's facts (amount, approver...)."""
    audit_record(
        actor=by,
        action=action,
        subject=subject,
        changes={"status": [before, subject.status], **facts},
        reason=reason,
    )


# A payment's booking: (parent locked, who pays, amount, by, source) -> the ledger
# transaction; it also updates the parent's money fields and returns their names.
Booking = Callable[[Financing, LedgerAccount, Decimal, User, str], tuple[LedgerTransaction, list]]


@dataclass(frozen=True)
class _InstallmentPlan:
    """What differs between paying a loan's and a contract's installments;
    `_installments_pay` is the one algorithm both follow."""

    lock: Callable[[Financing], Financing]
    owner: str  # the payer's field: "borrower" or "customer"
    amount_field: str  # the field an amount error names (the API's input field)
    not_active: type[DomainError]
    book: Booking  # an active parent's payment
    recover: Booking  # a defaulted parent's payment (recovery of what was written off)
    paid_field: str
    done_status: str  # the status once nothing remains
    done_at_field: str
    payment_field: str  # Payment's foreign key to the parent
    audit_action: str  # the audit event of a payment staff record for the owner


def _installments_pay(
    plan: _InstallmentPlan, *, parent: Financing, amount: Decimal | str, by: User, source: str
) -> Financing:
    """Pay an active loan or contract: oldest installment first, partial payments
    allowed, more than what remains refused whole. `wallet` takes the owner's
    wallet (402 when short), and only the owner may use it (403
    wallet_not_yours); `external` is cash staff received, which the owner may not
    claim (403). At zero it is closed. A defaulted one takes payments too: they
    recover what was written off (never more than what was owed)."""
    amount = money.parse_cents(amount, field=plan.amount_field)
    source = _payment_source(by=by, owner_id=getattr(parent, f"{plan.owner}_id"), source=source)
    with transaction.atomic():
        parent = plan.lock(parent)
        status = type(parent).Status
        if parent.status not in (status.ACTIVE, status.DEFAULTED):
            raise plan.not_active()
        recovering = parent.status == status.DEFAULTED
        before = parent.status
        remaining = parent.remaining_balance
        if amount > remaining:
            raise Overpayment(
                _(
                    "The payment is more than the remaining balance of %(remaining)s; nothing was taken."
                )
                % {"remaining": remaining},
                remaining_balance=str(remaining),
            )
        payer = (
            wallet_get_or_create(user=getattr(parent, plan.owner))
            if source == Payment.Source.WALLET
            else external_account()
        )
        txn, fields = (plan.recover if recovering else plan.book)(parent, payer, amount, by, source)
        _allocate(parent.installments.all(), amount, today=timezone.localdate())
        setattr(parent, plan.paid_field, getattr(parent, plan.paid_field) + amount)
        fields = [plan.paid_field, *fields]
        if parent.remaining_balance == 0:
            parent.status = plan.done_status
            setattr(parent, plan.done_at_field, timezone.now())
            fields += ["status", plan.done_at_field]
        parent.save(update_fields=fields)
        Payment.objects.create(
            **{plan.payment_field: parent},
            amount=amount,
            source=source,
            recorded_by=by,
            ledger_transaction=txn,
        )
        if by.pk != getattr(parent, f"{plan.owner}_id"):  # staff recorded it for the owner
            facts = {"amount": amount, "source": source}
            if recovering:
                facts["recovery"] = True
            _audit(by, plan.audit_action, parent, before, **facts)
    return parent


# --- Qard hasan ------------------------------------------------------------------------


def loan_apply(
    *, borrower: User, principal_amount: Decimal | str, purpose: str, repayment_months: int
) -> Loan:
    """Apply for a qard hasan loan: principal in (0, LOAN_MAX_PRINCIPAL], 1-MAX_MONTHS months.

    The principal must give every month at least one cent, so the schedule can
    never have an empty installment."""
    principal, purpose = loan_application_check(
        principal_amount=principal_amount, purpose=purpose, repayment_months=repayment_months
    )
    return Loan.objects.create(
        borrower=borrower,
        principal_amount=principal,
        purpose=purpose,
        repayment_months=repayment_months,
    )


def loan_application_check(
    *, principal_amount: object, purpose: object, repayment_months: object
) -> tuple[Decimal, str]:
    """Every rule of an application at once: one ValidationError naming each field
    that breaks one (the page shows them all in one pass). Returns the principal and
    the purpose as they will be stored."""
    errors: dict[str, list[str]] = {}
    principal = None
    try:
        principal = money.parse_cents(principal_amount, field="principal_amount")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    maximum = loan_max_principal()
    if principal is not None and principal > maximum:
        errors["principal_amount"] = [f"The most you can apply for is {maximum}."]
    purpose = (purpose or "").strip()
    if not purpose:
        errors["purpose"] = ["Tell us what the loan is for."]
    elif len(purpose) > PURPOSE_MAX_LENGTH:
        errors["purpose"] = [f"Keep the purpose to {PURPOSE_MAX_LENGTH} characters."]
    if (
        isinstance(repayment_months, bool)
        or not isinstance(repayment_months, int)
        or not 1 <= repayment_months <= MAX_MONTHS
    ):
        errors["repayment_months"] = [f"Choose from 1 to {MAX_MONTHS} months."]
    elif principal is not None and principal < money.CENT * repayment_months:
        errors["principal_amount"] = ["Too small to split over that many months."]
    if errors:
        raise ValidationError(errors)
    return principal, purpose


def _lock_loan(loan: Loan) -> Loan:
    return Loan.objects.select_for_update(of=("self",)).select_related("borrower").get(pk=loan.pk)


def loan_approve(*, loan: Loan, by: User) -> Loan:
    """pending → approved, by staff. A staff member cannot approve their own application (403)."""
    _staff_only(by, "approve an application", "staff.loan_decide")
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.PENDING:
            raise InvalidTransition(
                _("Only a pending application can be approved (it is %(status)s).")
                % {"status": loan.status}
            )
        if loan.borrower_id == by.pk:
            raise SelfApproval()
        before = loan.status
        loan.status = Loan.Status.APPROVED
        loan.decided_by = by
        loan.decided_at = timezone.now()
        loan.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(by, "loan.approved", loan, before, principal_amount=loan.principal_amount)
    return loan


def loan_reject(*, loan: Loan, by: User, reason: str = "") -> Loan:
    """pending or approved (not yet disbursed) → rejected, by staff. A reason is
    required: the borrower reads it on their loan's page."""
    _staff_only(by, "reject an application", "staff.loan_decide")
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status not in (Loan.Status.PENDING, Loan.Status.APPROVED):
            raise InvalidTransition(
                _("Only an undisbursed application can be rejected (it is %(status)s).")
                % {"status": loan.status}
            )
        if not (reason or "").strip():
            raise ValidationError({"reason": ["Say why: the applicant reads the reason."]})
        _not_own(by, loan.borrower_id)
        before = loan.status
        loan.status = Loan.Status.REJECTED
        loan.decided_by = by
        loan.decided_at = timezone.now()
        loan.rejection_reason = (reason or "").strip()[:REJECTION_REASON_MAX_LENGTH]
        loan.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
        _audit(by, "loan.rejected", loan, before, reason=loan.rejection_reason)
    return loan


def loan_disburse(*, loan: Loan, by: User, approved_by: User | None = None) -> Loan:
    """approved → active: the principal goes into the borrower's wallet and the
    schedule is fixed from today (first installment due one month later). Staff only.

    The single-step move itself: the API and the admin ask through
    `loan_disburse_request` (four-eyes), whose executor calls this with the
    requester as `by` and the second person as `approved_by` (audited)."""
    _staff_only(by, "disburse a loan", "staff.loan_disburse")
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.APPROVED:
            raise InvalidTransition(
                _("Only an approved loan can be disbursed (it is %(status)s).")
                % {"status": loan.status}
            )
        _not_own(by, loan.borrower_id)
        today = timezone.localdate()
        ledger_post(
            kind=LedgerTransaction.Kind.LOAN_DISBURSEMENT,
            legs=[
                Leg(wallet_get_or_create(user=loan.borrower), loan.principal_amount),
                Leg(loan_receivable_account(loan), -loan.principal_amount),
            ],
            reference=f"Qard hasan disbursed ({loan.repayment_months} months, no interest)",
            created_by=by,
        )
        Installment.objects.bulk_create(
            Installment(loan=loan, number=p.number, due_date=p.due_date, amount=p.amount)
            for p in build_schedule(
                total=loan.principal_amount, count=loan.repayment_months, start=today
            )
        )
        before = loan.status
        loan.status = Loan.Status.ACTIVE
        loan.disbursement_date = today
        loan.disbursed_by = by
        loan.save(update_fields=["status", "disbursement_date", "disbursed_by"])
        _audit(
            by,
            "loan.disbursed",
            loan,
            before,
            amount=loan.principal_amount,
            **_approver(approved_by),
        )
    return loan


def _loan_reference(source: str, what: str = "repayment") -> str:
    return f"Qard hasan {what}" + (
        " (cash received by staff)" if source == Payment.Source.EXTERNAL else ""
    )


def _loan_book(loan, payer, amount, by, source):
    txn = ledger_post(
        kind=LedgerTransaction.Kind.LOAN_REPAYMENT,
        legs=[Leg(payer, -amount), Leg(loan_receivable_account(loan), amount)],
        reference=_loan_reference(source),
        created_by=by,
    )
    return txn, []


def _loan_recover(loan, payer, amount, by, source):
    """After a default the receivable is gone: the money recovers the write-off."""
    txn = ledger_post(
        kind=LedgerTransaction.Kind.LOAN_REPAYMENT,
        legs=[Leg(payer, -amount), Leg(write_off_account(), amount)],
        reference=_loan_reference(source, "recovery after default"),
        created_by=by,
    )
    loan.written_off_amount -= amount
    return txn, ["written_off_amount"]


_LOAN_REPAYMENT = _InstallmentPlan(
    lock=_lock_loan,
    owner="borrower",
    amount_field="payment_amount",
    not_active=LoanNotActive,
    book=_loan_book,
    recover=_loan_recover,
    paid_field="repaid_amount",
    done_status=Loan.Status.FULLY_REPAID,
    done_at_field="closed_at",
    payment_field="loan",
    audit_action="loan.payment_recorded",
)


def loan_repay(
    *, loan: Loan, amount: Decimal | str, by: User, source: str = Payment.Source.WALLET
) -> Loan:
    """Repay part or all of an active loan (see `_installments_pay`; not active:
    400 loan_not_active). At zero the loan is fully_repaid. Nothing here, late
    or not, ever adds to what is owed."""
    return _installments_pay(_LOAN_REPAYMENT, parent=loan, amount=amount, by=by, source=source)


def loan_mark_defaulted(*, loan: Loan, by: User, approved_by: User | None = None) -> Loan:
    """active → defaulted: the remainder is written off in the ledger (the
    receivable is cleared against the write_off expense). remaining_balance
    still shows what the borrower has not repaid; nothing is added to it. Staff only
    (asked through `loan_mark_defaulted_request`; see `loan_disburse`)."""
    _staff_only(by, "mark a loan defaulted", "staff.loan_mark_defaulted")
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.ACTIVE:
            raise InvalidTransition(
                _("Only an active loan can be marked defaulted (it is %(status)s).")
                % {"status": loan.status}
            )
        _not_own(by, loan.borrower_id)
        rest = loan.remaining_balance
        if rest > 0:
            ledger_post(
                kind=LedgerTransaction.Kind.WRITE_OFF,
                legs=[Leg(loan_receivable_account(loan), rest), Leg(write_off_account(), -rest)],
                reference=f"Qard hasan written off ({loan.borrower.email})",
                created_by=by,
            )
        before = loan.status
        loan.status = Loan.Status.DEFAULTED
        loan.written_off_amount = rest
        loan.closed_at = timezone.now()
        loan.save(update_fields=["status", "written_off_amount", "closed_at"])
        _audit(by, "loan.defaulted", loan, before, amount=rest, **_approver(approved_by))
    return loan


# --- Murabaha --------------------------------------------------------------------------


def murabaha_request(
    *,
    customer: User,
    asset_description: str,
    cost_price: Decimal | str,
    installments_count: int,
    down_payment: Decimal | str = money.ZERO,
) -> MurabahaContract:
    """Ask the institution to buy an asset and sell it on at cost plus a markup."""
    cost, down, asset_description = murabaha_request_check(
        asset_description=asset_description,
        cost_price=cost_price,
        installments_count=installments_count,
        down_payment=down_payment,
    )
    return MurabahaContract.objects.create(
        customer=customer,
        asset_description=asset_description,
        cost_price=cost,
        estimated_cost=cost,
        down_payment=down,
        installments_count=installments_count,
    )


def murabaha_request_check(
    *,
    asset_description: object,
    cost_price: object,
    installments_count: object,
    down_payment: object = money.ZERO,
) -> tuple[Decimal, Decimal, str]:
    """Every rule of a murabaha request at once (one ValidationError naming each
    field that breaks one). Returns the cost, down payment and description as stored."""
    errors: dict[str, list[str]] = {}
    cost = down = None
    try:
        cost = money.parse_cents(cost_price, field="cost_price")
        if cost > MURABAHA_MAX_PRICE:
            errors["cost_price"] = [f"The most we can finance is {MURABAHA_MAX_PRICE}."]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        down = money.parse_cents(down_payment, field="down_payment", allow_zero=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if cost is not None and down is not None and down >= cost:
        errors["down_payment"] = ["The down payment must be less than the cost."]
    asset_description = (asset_description or "").strip()
    if not asset_description:
        errors["asset_description"] = ["Describe the asset you want us to buy."]
    elif len(asset_description) > ASSET_MAX_LENGTH:
        errors["asset_description"] = [f"Keep it to {ASSET_MAX_LENGTH} characters."]
    count = installments_count
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_MONTHS:
        errors["installments_count"] = [f"Choose from 1 to {MAX_MONTHS} installments."]
    elif not errors and cost - down < money.CENT * count:
        errors["installments_count"] = ["Too many installments for so small an amount."]
    if errors:
        raise ValidationError(errors)
    return cost, down, asset_description


def _lock_contract(contract: MurabahaContract) -> MurabahaContract:
    return (
        MurabahaContract.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=contract.pk)
    )


def _normalised(text: str) -> str:
    """Case, accents of spacing and punctuation aside: "  ACME  Trading, Ltd." and
    "acme trading ltd" are one name."""
    return " ".join(re.sub(r"[^\w@.]+", " ", (text or "").casefold()).split()).strip(" .")


@dataclass(frozen=True)
class Purchase:
    """The facts of the institution's real purchase of the asset (AAOIFI SS 8)."""

    supplier_name: str
    actual_cost: Decimal
    invoice_reference: str
    possession_date: date
    supplier_email: str = ""

    def as_params(self) -> dict:
        """The approval's stored params (JSON): re-checked when it is executed."""
        return {
            "supplier_name": self.supplier_name,
            "actual_cost": str(self.actual_cost),
            "invoice_reference": self.invoice_reference,
            "possession_date": self.possession_date.isoformat(),
            "supplier_email": self.supplier_email,
        }


def _purchase_check(
    contract: MurabahaContract,
    *,
    supplier_name: str,
    actual_cost: Decimal | str,
    invoice_reference: str,
    possession_date: date | str | None,
    supplier_email: str = "",
) -> Purchase:
    """Validate the purchase's facts against the contract and its customer.

    The institution must really buy the asset from a third party and hold it
    before it sells: a supplier who is the customer (by normalised name or
    e-mail) would be a sale back to the customer ('inah), refused with 400
    sale_back_to_customer; possession cannot be in the future."""
    errors: dict[str, list[str]] = {}
    supplier_name = (supplier_name or "").strip()
    if not supplier_name:
        errors["supplier_name"] = ["Name the supplier the asset was bought from."]
    elif len(supplier_name) > SUPPLIER_MAX_LENGTH:
        errors["supplier_name"] = [f"Keep it to {SUPPLIER_MAX_LENGTH} characters."]
    invoice_reference = (invoice_reference or "").strip()
    if not invoice_reference:
        errors["invoice_reference"] = ["Give the supplier's invoice reference."]
    elif len(invoice_reference) > INVOICE_MAX_LENGTH:
        errors["invoice_reference"] = [f"Keep it to {INVOICE_MAX_LENGTH} characters."]
    supplier_email = (supplier_email or "").strip()
    if len(supplier_email) > 254:
        errors["supplier_email"] = ["Too long."]
    cost = None
    try:
        cost = money.parse_cents(actual_cost, field="actual_cost")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    else:
        if cost > MURABAHA_MAX_PRICE:
            errors["actual_cost"] = [f"The most we can finance is {MURABAHA_MAX_PRICE}."]
        elif cost <= contract.down_payment:
            errors["actual_cost"] = ["The actual cost must be more than the down payment."]
        elif cost - contract.down_payment < money.CENT * contract.installments_count:
            errors["actual_cost"] = ["Too small for the installments agreed."]
    possessed = possession_date
    if isinstance(possessed, str):
        try:
            possessed = date.fromisoformat(possessed)
        except ValueError:
            possessed = None
    if not isinstance(possessed, date):
        errors["possession_date"] = ["Give the date the institution took possession."]
    elif possessed > timezone.localdate():
        errors["possession_date"] = ["The asset must be held already: not a future date."]
    if errors:
        raise ValidationError(errors)
    customer = contract.customer
    email = customer.email.casefold()
    names = {_normalised(customer.name), _normalised(customer.email)} - {""}
    if _normalised(supplier_name) in names or (
        supplier_email and supplier_email.casefold() == email
    ):
        raise SaleBackToCustomer()
    return Purchase(supplier_name, cost, invoice_reference, possessed, supplier_email)


def murabaha_acquire(
    *,
    contract: MurabahaContract,
    by: User,
    supplier_name: str,
    actual_cost: Decimal | str,
    invoice_reference: str,
    possession_date: date | str | None,
    supplier_email: str = "",
    approved_by: User | None = None,
) -> MurabahaContract:
    """requested → asset_acquired: the institution has bought the asset from a
    supplier (not the customer) at the invoice's actual cost with its own cash
    (inventory -C, external +C) and holds it. The contract's cost becomes the
    actual cost, so the offer is made on it, not on the customer's estimate.
    Staff only (asked through `murabaha_acquire_request`; see `loan_disburse`)."""
    _staff_only(by, "record the purchase of an asset", "staff.murabaha_acquire")
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.REQUESTED:
            raise InvalidTransition(
                _("Only a requested contract's asset can be acquired (it is %(status)s).")
                % {"status": contract.status}
            )
        _not_own(by, contract.customer_id)
        bought = _purchase_check(
            contract,
            supplier_name=supplier_name,
            actual_cost=actual_cost,
            invoice_reference=invoice_reference,
            possession_date=possession_date,
            supplier_email=supplier_email,
        )
        ledger_post(
            kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
            legs=[
                Leg(murabaha_inventory_account(contract), -bought.actual_cost),
                Leg(external_account(), bought.actual_cost),
            ],
            reference=_murabaha_reference(contract, f"asset bought from {bought.supplier_name}"),
            created_by=by,
        )
        before = contract.status
        if contract.estimated_cost is None:
            contract.estimated_cost = contract.cost_price
        contract.cost_price = bought.actual_cost
        contract.supplier_name = bought.supplier_name
        contract.supplier_email = bought.supplier_email
        contract.invoice_reference = bought.invoice_reference
        contract.possession_date = bought.possession_date
        contract.status = MurabahaContract.Status.ASSET_ACQUIRED
        contract.acquired_at = timezone.now()
        contract.acquired_by = by
        contract.save(
            update_fields=[
                "estimated_cost",
                "cost_price",
                "supplier_name",
                "supplier_email",
                "invoice_reference",
                "possession_date",
                "status",
                "acquired_at",
                "acquired_by",
            ]
        )
        _audit(
            by,
            "murabaha.acquired",
            contract,
            before,
            amount=contract.cost_price,
            estimated_cost=contract.estimated_cost,
            supplier_name=contract.supplier_name,
            invoice_reference=contract.invoice_reference,
            possession_date=contract.possession_date.isoformat(),
            **_approver(approved_by),
        )
    return contract


def _late_charity_percent(value: Decimal | str | int | None) -> Decimal:
    if value in (None, ""):
        return money.ZERO
    try:
        percent = Decimal(str(value))
    except (InvalidOperation, ValueError):
        percent = None
    if (
        percent is None
        or not percent.is_finite()
        or percent != percent.quantize(money.CENT)
        or not money.ZERO <= percent <= LATE_CHARITY_MAX_PERCENT
    ):
        raise ValidationError(
            {
                "late_charity_percent": [
                    f"A percent from 0 to {LATE_CHARITY_MAX_PERCENT}, at most two decimals."
                ]
            }
        )
    return percent.quantize(money.CENT)


def murabaha_offer(
    *,
    contract: MurabahaContract,
    markup_amount: Decimal | str,
    by: User,
    valid_until: date | None = None,
    late_charity_percent: Decimal | str | None = None,
) -> MurabahaContract:
    """asset_acquired → offered with a disclosed, fixed markup (≥ 0) on the actual
    cost, by staff. The asset must be owned first: offering a merely requested
    contract is an invalid transition. The offer stands until `valid_until`
    (default: 7 days; not in the past) and may carry a late-payment charity
    undertaking (`late_charity_percent` of each overdue installment, 0 to 10 %),
    which goes to charity, never to the institution (AAOIFI SS 3)."""
    _staff_only(by, "make an offer", "staff.murabaha_offer")
    markup = money.parse_cents(markup_amount, field="markup_amount", allow_zero=True)
    if markup > MURABAHA_MAX_PRICE:
        raise ValidationError({"markup_amount": [f"At most {MURABAHA_MAX_PRICE}."]})
    today = timezone.localdate()
    valid_until = valid_until or today + timedelta(days=OFFER_DEFAULT_DAYS)
    if valid_until < today:
        raise ValidationError({"valid_until": ["An offer cannot expire in the past."]})
    percent = _late_charity_percent(late_charity_percent)
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.ASSET_ACQUIRED:
            raise InvalidTransition(
                _(
                    "The institution must own the asset before offering it; only a contract whose asset was acquired can be offered (it is %(status)s)."
                )
                % {"status": contract.status}
            )
        _not_own(by, contract.customer_id)
        before = contract.status
        contract.markup_amount = markup
        contract.sale_price = contract.cost_price + markup
        contract.offer_valid_until = valid_until
        contract.late_charity_percent = percent
        contract.status = MurabahaContract.Status.OFFERED
        contract.offered_at = timezone.now()
        contract.offered_by = by
        contract.save(
            update_fields=[
                "markup_amount",
                "sale_price",
                "offer_valid_until",
                "late_charity_percent",
                "status",
                "offered_at",
                "offered_by",
            ]
        )
        _audit(
            by,
            "murabaha.offered",
            contract,
            before,
            markup_amount=markup,
            sale_price=contract.sale_price,
            valid_until=valid_until.isoformat(),
            late_charity_percent=percent,
        )
    return contract


def murabaha_accept(*, contract: MurabahaContract, by: User) -> MurabahaContract:
    """offered → active, by the customer only, until the offer's last day (400
    offer_expired after it). The sale is booked with the markup as deferred
    profit (receivable -S, inventory +C, deferred +M: FAS 28), the down payment
    is taken from the wallet and earns its share of the markup (402 when short,
    and then nothing at all is written) and the schedule over sale - down
    payment is fixed from today. The sale price never changes again."""
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.customer_id != by.pk:
            raise NotAllowed(_("Only the customer can accept this offer."))
        if contract.status != MurabahaContract.Status.OFFERED:
            raise InvalidTransition(
                _("Only an offered contract can be accepted (it is %(status)s).")
                % {"status": contract.status}
            )
        today = timezone.localdate()
        if contract.offer_valid_until is not None and today > contract.offer_valid_until:
            raise OfferExpired(
                _(
                    "This offer was open until %(offer_valid_until)s; ask the institution for a new one."
                )
                % {"offer_valid_until": f"{contract.offer_valid_until:%d %b %Y}"}
            )
        receivable = murabaha_receivable_account(contract)
        sale_legs = [
            Leg(receivable, -contract.sale_price),
            Leg(murabaha_inventory_account(contract), contract.cost_price),
        ]
        if contract.markup_amount:
            sale_legs.append(Leg(murabaha_deferred_profit_account(), contract.markup_amount))
        ledger_post(
            kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
            legs=sale_legs,
            reference=_murabaha_reference(contract, "sale"),
            created_by=by,
        )
        contract.acceptance_date = today
        earned = money.ZERO
        if contract.down_payment:
            earned = profit_share(
                deferred=contract.markup_amount,
                amount=contract.down_payment,
                owed=contract.sale_price,
            )
            ledger_post(
                kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
                legs=[
                    Leg(wallet_get_or_create(user=contract.customer), -contract.down_payment),
                    Leg(receivable, contract.down_payment),
                    *_profit_legs(earned, murabaha_deferred_profit_account()),
                ],
                reference=_murabaha_reference(contract, "down payment"),
                created_by=by,
            )
        Installment.objects.bulk_create(
            Installment(contract=contract, number=p.number, due_date=p.due_date, amount=p.amount)
            for p in build_schedule(
                total=contract.financed_amount, count=contract.installments_count, start=today
            )
        )
        contract.status = MurabahaContract.Status.ACTIVE
        contract.profit_recognized = earned
        contract.save(update_fields=["status", "acceptance_date", "profit_recognized"])
    return contract


def murabaha_cancel(*, contract: MurabahaContract, by: User) -> MurabahaContract:
    """Cancel before acceptance, by the customer or staff. No money moves: if the
    asset was already bought, it stays in the institution's inventory to be sold
    to someone else (its inventory account keeps the cost)."""
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.customer_id != by.pk and not user_can(by, "staff.loan_decide"):
            raise NotAllowed()
        if contract.status not in (
            MurabahaContract.Status.REQUESTED,
            MurabahaContract.Status.ASSET_ACQUIRED,
            MurabahaContract.Status.OFFERED,
        ):
            raise InvalidTransition(
                _("Only a contract not yet accepted can be cancelled (it is %(status)s).")
                % {"status": contract.status}
            )
        before = contract.status
        contract.status = MurabahaContract.Status.CANCELLED
        contract.cancelled_at = timezone.now()
        contract.cancelled_by = by
        contract.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        if by.pk != contract.customer_id:  # staff cancelled it, not the customer
            _audit(by, "murabaha.cancelled", contract, before)
    return contract


def _murabaha_reference(contract: MurabahaContract, what: str) -> str:
    return f"Murabaha {what}: {contract.asset_description}"[:LEDGER_TEXT_MAX_LENGTH]


def _profit_legs(earned: Decimal, source: LedgerAccount) -> list[Leg]:
    """Markup earned by a payment moves from `source` (deferred profit, or the
    write-off of a defaulted contract) to income."""
    if earned <= 0:
        return []
    return [Leg(source, -earned), Leg(murabaha_income_account(), earned)]


def _murabaha_book(contract, payer, amount, by, source):
    earned = profit_share(
        deferred=contract.profit_deferred, amount=amount, owed=contract.remaining_balance
    )
    txn = ledger_post(
        kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
        legs=[
            Leg(payer, -amount),
            Leg(murabaha_receivable_account(contract), amount),
            *_profit_legs(earned, murabaha_deferred_profit_account()),
        ],
        reference=_murabaha_reference(contract, "installment"),
        created_by=by,
    )
    contract.profit_recognized += earned
    return txn, ["profit_recognized"]


def _murabaha_recover(contract, payer, amount, by, source):
    """A defaulted contract's receivable and deferred profit were written off: a
    recovery restores the written-off cost, and the markup's share of it (pro
    rata) is earned then, as the sale price agreed; nothing beyond it."""
    earned = profit_share(
        deferred=contract.profit_written_off, amount=amount, owed=contract.remaining_balance
    )
    legs = [Leg(payer, -amount)]
    if amount - earned:
        legs.append(Leg(write_off_account(), amount - earned))
    if earned:
        legs.append(Leg(murabaha_income_account(), earned))
    txn = ledger_post(
        kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
        legs=legs,
        reference=_murabaha_reference(contract, "recovery after default"),
        created_by=by,
    )
    contract.profit_recognized += earned
    contract.profit_written_off -= earned
    contract.written_off_amount -= amount
    return txn, ["profit_recognized", "profit_written_off", "written_off_amount"]


_MURABAHA_PAYMENT = _InstallmentPlan(
    lock=_lock_contract,
    owner="customer",
    amount_field="amount",
    not_active=ContractNotActive,
    book=_murabaha_book,
    recover=_murabaha_recover,
    paid_field="paid_amount",
    done_status=MurabahaContract.Status.COMPLETED,
    done_at_field="completed_at",
    payment_field="contract",
    audit_action="murabaha.payment_recorded",
)


def murabaha_pay(
    *,
    contract: MurabahaContract,
    amount: Decimal | str,
    by: User,
    source: str = Payment.Source.WALLET,
) -> MurabahaContract:
    """Pay installments of an active contract; the same rules as a loan repayment
    (see `_installments_pay`; not active: 400 contract_not_active). At zero the
    contract is completed."""
    return _installments_pay(
        _MURABAHA_PAYMENT, parent=contract, amount=amount, by=by, source=source
    )


def murabaha_charity_pay(
    *,
    contract: MurabahaContract,
    amount: Decimal | str,
    by: User,
    source: str = Payment.Source.WALLET,
) -> MurabahaContract:
    """Pay what the late-payment charity undertaking asks (`charity_pledge_due`):
    into the charity fund, which only gives it away, never into income (AAOIFI
    SS 3). The same payer rules as an installment; more than is due → 400
    overpayment."""
    amount = money.parse_cents(amount, field="amount")
    source = _payment_source(by=by, owner_id=contract.customer_id, source=source)
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.acceptance_date is None:
            raise ContractNotActive(_("This contract was never accepted; nothing was pledged."))
        due = contract.charity_pledge_due
        if amount > due:
            raise Overpayment(
                _("The charity pledge due is %(due)s; nothing was taken.") % {"due": due},
                remaining_balance=str(due),
            )
        payer = (
            wallet_get_or_create(user=contract.customer)
            if source == Payment.Source.WALLET
            else external_account()
        )
        ledger_post(
            kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
            legs=[Leg(payer, -amount), Leg(charity_fund_account(), amount)],
            reference=_murabaha_reference(contract, "late-payment charity pledge"),
            created_by=by,
        )
        contract.charity_paid += amount
        contract.save(update_fields=["charity_paid"])
        if by.pk != contract.customer_id:
            _audit(by, "murabaha.charity_recorded", contract, contract.status, amount=amount)
    return contract


def _respread(parent: Financing, *, count: int, count_field: str) -> tuple[int, Decimal]:
    """Spread what remains over `count` new monthly installments (the last takes
    the remainder), nothing added (Qur'an 2:280). Paid installments stay; a
    partly paid one is closed at what was paid; unpaid ones are replaced. Returns
    (installments kept, amount spread)."""
    remaining = parent.remaining_balance
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_MONTHS:
        raise ValidationError({count_field: [f"Choose from 1 to {MAX_MONTHS} installments."]})
    rows = list(parent.installments.select_for_update().order_by("number"))
    kept = [row for row in rows if row.paid_amount > 0]
    if len(kept) + count > MAX_MONTHS:
        raise ValidationError(
            {count_field: [f"With {len(kept)} kept, at most {MAX_MONTHS - len(kept)} more."]}
        )
    if remaining < money.CENT * count:
        raise ValidationError({count_field: ["Too many installments for what remains."]})
    now = timezone.now()
    for row in kept:
        if row.paid_amount < row.amount:
            row.amount = row.paid_amount
            row.status = Installment.Status.PAID
            row.paid_at = now
            row.save(update_fields=["amount", "status", "paid_at"])
    Installment.objects.filter(pk__in=[row.pk for row in rows if row.paid_amount == 0]).delete()
    today = timezone.localdate()
    start = max([today, *(row.due_date for row in kept)])
    parent_field = "loan" if isinstance(parent, Loan) else "contract"
    Installment.objects.bulk_create(
        Installment(
            **{parent_field: parent},
            number=len(kept) + p.number,
            due_date=p.due_date,
            amount=p.amount,
        )
        for p in build_schedule(total=remaining, count=count, start=start)
    )
    return len(kept), remaining


def loan_reschedule(*, loan: Loan, by: User, repayment_months: int) -> Loan:
    """Respite for an active loan: what remains is spread again over
    `repayment_months` new monthly installments from today; nothing is ever
    added (Qur'an 2:280). Staff holding staff.loan_decide, never on their own loan."""
    _staff_only(by, "reschedule a loan", "staff.loan_decide")
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.ACTIVE:
            raise InvalidTransition(
                _("Only an active loan can be rescheduled (it is %(status)s).")
                % {"status": loan.status}
            )
        _not_own(by, loan.borrower_id)
        months_before = loan.repayment_months
        kept, spread = _respread(loan, count=repayment_months, count_field="repayment_months")
        loan.repayment_months = kept + repayment_months
        loan.save(update_fields=["repayment_months"])
        _audit(
            by,
            "loan.rescheduled",
            loan,
            loan.status,
            remaining=spread,
            installments=[months_before, loan.repayment_months],
        )
    return loan


def murabaha_reschedule(
    *, contract: MurabahaContract, by: User, installments_count: int
) -> MurabahaContract:
    """Respite for an active contract: what remains is spread again over
    `installments_count` new installments; the sale price and the markup stay as
    agreed (Qur'an 2:280). Staff holding staff.loan_decide."""
    _staff_only(by, "reschedule a contract", "staff.loan_decide")
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.ACTIVE:
            raise InvalidTransition(
                _("Only an active contract can be rescheduled (it is %(status)s).")
                % {"status": contract.status}
            )
        _not_own(by, contract.customer_id)
        count_before = contract.installments_count
        kept, spread = _respread(
            contract, count=installments_count, count_field="installments_count"
        )
        contract.installments_count = kept + installments_count
        contract.save(update_fields=["installments_count"])
        _audit(
            by,
            "murabaha.rescheduled",
            contract,
            contract.status,
            remaining=spread,
            installments=[count_before, contract.installments_count],
        )
    return contract


def _rebate_check(contract: MurabahaContract, amount: Decimal) -> None:
    if contract.status != MurabahaContract.Status.ACTIVE:
        raise InvalidTransition(
            _("Only an active contract can be given a rebate (it is %(status)s).")
            % {"status": contract.status}
        )
    deferred = contract.profit_deferred
    if amount > deferred:
        raise RebateTooLarge(
            _("A rebate can be at most the deferred profit, %(deferred)s.")
            % {"deferred": deferred},
            profit_deferred=str(deferred),
        )


def murabaha_rebate(
    *,
    contract: MurabahaContract,
    amount: Decimal | str,
    by: User,
    approved_by: User | None = None,
) -> MurabahaContract:
    """Grant a discretionary early-settlement rebate (ibra'): never promised in the
    contract, at most the deferred profit (400 rebate_too_large), it lowers what
    the customer owes (from the last installment backwards) and the deferred
    profit (deferred -r, receivable +r); income is untouched (AAOIFI SS 8).
    Staff holding staff.loan_rebate (asked through `murabaha_rebate_request`)."""
    _staff_only(by, "grant a rebate", "staff.loan_rebate")
    amount = money.parse_cents(amount, field="amount")
    with transaction.atomic():
        contract = _lock_contract(contract)
        _rebate_check(contract, amount)
        _not_own(by, contract.customer_id)
        before = contract.status
        ledger_post(
            kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
            legs=[
                Leg(murabaha_deferred_profit_account(), -amount),
                Leg(murabaha_receivable_account(contract), amount),
            ],
            reference=_murabaha_reference(contract, "rebate (ibra')"),
            created_by=by,
        )
        left = amount
        now = timezone.now()
        for row in contract.installments.select_for_update().order_by("-number"):
            if left <= 0:
                break
            cut = min(row.remaining, left)
            if not cut:
                continue
            left -= cut
            row.amount -= cut
            if row.amount == 0:
                row.delete()
                continue
            if row.amount == row.paid_amount:
                row.status = Installment.Status.PAID
                row.paid_at = row.paid_at or now
            row.save(update_fields=["amount", "status", "paid_at"])
        contract.rebate_amount += amount
        contract.installments_count = contract.installments.count()
        fields = ["rebate_amount", "installments_count"]
        if contract.remaining_balance == 0:
            contract.status = MurabahaContract.Status.COMPLETED
            contract.completed_at = now
            fields += ["status", "completed_at"]
        contract.save(update_fields=fields)
        _audit(by, "murabaha.rebated", contract, before, amount=amount, **_approver(approved_by))
    return contract


def murabaha_mark_defaulted(
    *, contract: MurabahaContract, by: User, approved_by: User | None = None
) -> MurabahaContract:
    """active → defaulted: what remains is written off; its unearned markup leaves
    the deferred profit (never income) and only the cost part is an expense
    (receivable +R, deferred -D, write_off -(R - D)). remaining_balance still
    shows what the customer owes, nothing added; payments after it are
    recoveries. Staff holding staff.loan_mark_defaulted (asked through
    `murabaha_mark_defaulted_request`)."""
    _staff_only(by, "mark a contract defaulted", "staff.loan_mark_defaulted")
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.ACTIVE:
            raise InvalidTransition(
                _("Only an active contract can be marked defaulted (it is %(status)s).")
                % {"status": contract.status}
            )
        _not_own(by, contract.customer_id)
        rest, deferred = contract.remaining_balance, contract.profit_deferred
        legs = [Leg(murabaha_receivable_account(contract), rest)]
        if deferred:
            legs.append(Leg(murabaha_deferred_profit_account(), -deferred))
        if rest - deferred:
            legs.append(Leg(write_off_account(), -(rest - deferred)))
        if rest:
            ledger_post(
                kind=LedgerTransaction.Kind.WRITE_OFF,
                legs=legs,
                reference=_murabaha_reference(contract, "written off"),
                created_by=by,
            )
        before = contract.status
        contract.status = MurabahaContract.Status.DEFAULTED
        contract.written_off_amount = rest
        contract.profit_written_off = deferred
        contract.defaulted_at = timezone.now()
        contract.save(
            update_fields=["status", "written_off_amount", "profit_written_off", "defaulted_at"]
        )
        _audit(
            by,
            "murabaha.defaulted",
            contract,
            before,
            amount=rest,
            profit_written_off=deferred,
            **_approver(approved_by),
        )
    return contract


# --- Delinquency -----------------------------------------------------------------------


def installments_mark_overdue(*, today: date | None = None) -> tuple[int, int]:
    """Mark unpaid installments of active loans and contracts past their due date
    as overdue, and queue one gentle reminder e-mail per installment (ever:
    `reminded_at` is set by a conditional update, so reruns and concurrent runs
    send nothing twice). Returns (marked, reminded). Lateness never changes an
    amount."""
    from loans.tasks import send_overdue_reminder

    today = today or timezone.localdate()
    active = Q(loan__status=Loan.Status.ACTIVE) | Q(contract__status=MurabahaContract.Status.ACTIVE)
    late = Installment.objects.filter(active, due_date__lt=today, paid_amount__lt=F("amount"))
    with transaction.atomic():
        marked = late.exclude(status=Installment.Status.OVERDUE).update(
            status=Installment.Status.OVERDUE
        )
        reminded = 0
        now = timezone.now()
        for pk in late.filter(reminded_at__isnull=True).values_list("pk", flat=True):
            if Installment.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                reminded += 1
                enqueue_with_transaction(send_overdue_reminder, installment_id=pk)
    return marked, reminded


# --- Four-eyes: disbursement, write-off, murabaha purchase, rebate -------------------------------
#
# The API and the admin ask for these three outflows through the `*_request`
# services below. A kind listed in settings.FOUR_EYES (the default: all) is
# stored as a pending approval that a second person holding the kind's checker
# permission (finance) approves (POST /api/v1/approvals/{id}/approve); a kind
# left out runs at once. Either way the move itself is the single-step service
# above, run by the executor registered here (loans/apps.py ready()):
#
# * `by` of the move is the REQUESTER, as for wallet adjustments
#   (staff/services/wallets.py): the requester holds the maker permission the
#   move checks (staff.loan_disburse...), decided the action, and is who the
#   ledger and the loan's `disbursed_by` / `acquired_by` name. The approver's
#   rights (the checker permission, not the subject's owner, not the requester)
#   are checked by `approval_approve`; the approver is named in the move's audit
#   event (`approved_by`) and in "approval.executed". A requester who has lost
#   the maker permission (or become the borrower's...) by the time of approval
#   makes the execution fail (403) and the approval stays pending.
# * The state is checked when asking (400 invalid_transition) and again under
#   the loan's row lock when executing: an approval whose loan moved on in
#   between (rejected, already disbursed) fails with invalid_transition and stays
#   pending, to be rejected. A second request for the same loan or contract
#   while one is pending is refused (400 approval_pending); the request takes
#   the loan's row lock, so two concurrent requests cannot both pass the check.
#   Even two approvals of the same move could never disburse twice: the move
#   itself only runs on an approved loan, under the lock.

DISBURSEMENT = "loan_disbursement"
WRITE_OFF = "write_off"
PURCHASE = "murabaha_purchase"
REBATE = "rebate"


def _refuse_if_pending(kind: str, subject: Financing) -> None:
    if Approval.objects.filter(
        kind=kind,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        status=Approval.Status.PENDING,
    ).exists():
        raise ApprovalPending()


def loan_disburse_request(*, loan: Loan, by: User) -> ApprovalOutcome:
    """Ask for an approved loan's disbursement (kind `loan_disbursement`, amount
    the principal). `by` needs staff.loan_disburse (403) and may not be the
    borrower (403 conflict_of_interest); the loan must be approved (400
    invalid_transition) with no disbursement pending (400 approval_pending).
    Pending: a second person approves; not in FOUR_EYES: disbursed now and
    `outcome.result` is the loan."""
    _staff_only(by, "disburse a loan", "staff.loan_disburse")
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.APPROVED:
            raise InvalidTransition(
                _("Only an approved loan can be disbursed (it is %(status)s).")
                % {"status": loan.status}
            )
        _not_own(by, loan.borrower_id)
        _refuse_if_pending(DISBURSEMENT, loan)
        return approval_request(
            kind=DISBURSEMENT,
            requested_by=by,
            subject=loan,
            amount=loan.principal_amount,
            reason=f"Disburse qard hasan of {loan.principal_amount} to {loan.borrower.email} "
            f"over {loan.repayment_months} months",
        )


def loan_mark_defaulted_request(*, loan: Loan, by: User) -> ApprovalOutcome:
    """Ask for an active loan to be marked defaulted and its remainder written off
    (kind `write_off`, amount the remaining balance). The same rules as
    `loan_disburse_request` with staff.loan_mark_defaulted and an active loan."""
    _staff_only(by, "mark a loan defaulted", "staff.loan_mark_defaulted")
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.ACTIVE:
            raise InvalidTransition(
                _("Only an active loan can be marked defaulted (it is %(status)s).")
                % {"status": loan.status}
            )
        _not_own(by, loan.borrower_id)
        _refuse_if_pending(WRITE_OFF, loan)
        rest = loan.remaining_balance
        return approval_request(
            kind=WRITE_OFF,
            requested_by=by,
            subject=loan,
            amount=rest if rest > 0 else None,
            reason=f"Write off the {rest} {loan.borrower.email} has not repaid of a qard hasan",
        )


def murabaha_acquire_request(
    *,
    contract: MurabahaContract,
    by: User,
    supplier_name: str,
    actual_cost: Decimal | str,
    invoice_reference: str,
    possession_date: date | str | None,
    supplier_email: str = "",
) -> ApprovalOutcome:
    """Ask for the record of a requested contract's purchase (kind
    `murabaha_purchase`, amount the actual cost, the purchase's facts in the
    approval's params; the executor checks them all again). The same rules as
    `loan_disburse_request` with staff.murabaha_acquire and a requested
    contract; a supplier who is the customer → 400 sale_back_to_customer."""
    _staff_only(by, "record the purchase of an asset", "staff.murabaha_acquire")
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.REQUESTED:
            raise InvalidTransition(
                _("Only a requested contract's asset can be acquired (it is %(status)s).")
                % {"status": contract.status}
            )
        _not_own(by, contract.customer_id)
        bought = _purchase_check(
            contract,
            supplier_name=supplier_name,
            actual_cost=actual_cost,
            invoice_reference=invoice_reference,
            possession_date=possession_date,
            supplier_email=supplier_email,
        )
        _refuse_if_pending(PURCHASE, contract)
        return approval_request(
            kind=PURCHASE,
            requested_by=by,
            subject=contract,
            amount=bought.actual_cost,
            params=bought.as_params(),
            reason=f"Buy from {bought.supplier_name} (invoice {bought.invoice_reference}) "
            f"for {contract.customer.email}: {contract.asset_description}"[:LEDGER_TEXT_MAX_LENGTH],
        )


def murabaha_mark_defaulted_request(*, contract: MurabahaContract, by: User) -> ApprovalOutcome:
    """Ask for an active contract to be marked defaulted (kind `write_off`, amount
    what remains). The same rules as `loan_mark_defaulted_request`."""
    _staff_only(by, "mark a contract defaulted", "staff.loan_mark_defaulted")
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.ACTIVE:
            raise InvalidTransition(
                _("Only an active contract can be marked defaulted (it is %(status)s).")
                % {"status": contract.status}
            )
        _not_own(by, contract.customer_id)
        _refuse_if_pending(WRITE_OFF, contract)
        rest = contract.remaining_balance
        return approval_request(
            kind=WRITE_OFF,
            requested_by=by,
            subject=contract,
            amount=rest if rest > 0 else None,
            reason=f"Write off the {rest} {contract.customer.email} has not paid of a murabaha"[
                :LEDGER_TEXT_MAX_LENGTH
            ],
        )


def murabaha_rebate_request(
    *, contract: MurabahaContract, by: User, amount: Decimal | str
) -> ApprovalOutcome:
    """Ask for a discretionary rebate (ibra') on an active contract (kind `rebate`):
    at most the deferred profit (400 rebate_too_large, checked again when
    executed). Staff holding staff.loan_rebate, never on their own contract."""
    _staff_only(by, "grant a rebate", "staff.loan_rebate")
    amount = money.parse_cents(amount, field="amount")
    with transaction.atomic():
        contract = _lock_contract(contract)
        _rebate_check(contract, amount)
        _not_own(by, contract.customer_id)
        _refuse_if_pending(REBATE, contract)
        return approval_request(
            kind=REBATE,
            requested_by=by,
            subject=contract,
            amount=amount,
            params={"amount": str(amount)},
            reason=f"Rebate (ibra') of {amount} to {contract.customer.email} on a murabaha"[
                :LEDGER_TEXT_MAX_LENGTH
            ],
        )


def _approver_of(approval: Approval, by: User) -> User | None:
    """Who approved: None when the kind ran without a second person."""
    return None if by.pk == approval.requested_by_id else by


def _execute_disbursement(approval: Approval, *, by: User) -> Loan:
    return loan_disburse(
        loan=Loan.objects.get(pk=approval.subject_id),
        by=approval.requested_by,
        approved_by=_approver_of(approval, by),
    )


def _is_contract(approval: Approval) -> bool:
    return approval.subject_type == MurabahaContract._meta.label_lower


def _execute_write_off(approval: Approval, *, by: User) -> Financing:
    if _is_contract(approval):
        return murabaha_mark_defaulted(
            contract=MurabahaContract.objects.get(pk=approval.subject_id),
            by=approval.requested_by,
            approved_by=_approver_of(approval, by),
        )
    return loan_mark_defaulted(
        loan=Loan.objects.get(pk=approval.subject_id),
        by=approval.requested_by,
        approved_by=_approver_of(approval, by),
    )


def _execute_purchase(approval: Approval, *, by: User) -> MurabahaContract:
    # Approvals asked before the purchase's facts were recorded carry none: the
    # executor then refuses (400 validation_error) and the approval stays pending.
    params = approval.params or {}
    return murabaha_acquire(
        contract=MurabahaContract.objects.get(pk=approval.subject_id),
        by=approval.requested_by,
        supplier_name=params.get("supplier_name", ""),
        actual_cost=params.get("actual_cost", ""),
        invoice_reference=params.get("invoice_reference", ""),
        possession_date=params.get("possession_date"),
        supplier_email=params.get("supplier_email", ""),
        approved_by=_approver_of(approval, by),
    )


def _execute_rebate(approval: Approval, *, by: User) -> MurabahaContract:
    return murabaha_rebate(
        contract=MurabahaContract.objects.get(pk=approval.subject_id),
        amount=(approval.params or {}).get("amount", ""),
        by=approval.requested_by,
        approved_by=_approver_of(approval, by),
    )


def _borrower(approval: Approval) -> list[UUID]:
    if _is_contract(approval):
        return _customer(approval)
    return list(Loan.objects.filter(pk=approval.subject_id).values_list("borrower_id", flat=True))


def _customer(approval: Approval) -> list[UUID]:
    return list(
        MurabahaContract.objects.filter(pk=approval.subject_id).values_list(
            "customer_id", flat=True
        )
    )


def register_approval_kinds() -> None:
    """Plug the four financing kinds into four-eyes (called from LoansConfig.ready())."""
    for kind, execute, owners in (
        (DISBURSEMENT, _execute_disbursement, _borrower),
        (WRITE_OFF, _execute_write_off, _borrower),
        (PURCHASE, _execute_purchase, _customer),
        (REBATE, _execute_rebate, _customer),
    ):
        register_kind(kind, execute=execute, checker_perm=checker_perm(kind), subject_of=owners)
