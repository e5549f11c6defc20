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
murabaha acquire at C      inventory -C, external +C
accept at S = C + M        receivable -S, inventory +C, income +M; then the
                           down payment D: wallet -D, receivable +D
installment payment x      wallet (or external) -x, receivable +x
cancel                     no money moves; an acquired asset stays in the
                           institution's inventory for resale
=========================  ================================================

Every service locks the loan or contract row first and then (through
ledger_post) the accounts, always in that order, so concurrent payments queue
instead of deadlocking or overpaying.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import money
from accounts.models import LedgerAccount, LedgerTransaction, User
from accounts.services import Leg, external_account, ledger_post, wallet_get_or_create
from config.errors import DomainError, InvalidTransition
from config.taskqueue import enqueue_with_transaction
from loans.models import (
    ASSET_MAX_LENGTH,
    MAX_MONTHS,
    PURPOSE_MAX_LENGTH,
    Installment,
    Loan,
    MurabahaContract,
    Payment,
)
from loans.schedules import build_schedule

# Keeps cost + markup well inside the 18-digit money columns.
MURABAHA_MAX_PRICE = Decimal("10000000.00")


class LoanNotActive(DomainError):
    code = "loan_not_active"
    default_message = "This loan is not active, so it cannot take a repayment."


class ContractNotActive(DomainError):
    code = "contract_not_active"
    default_message = "This contract is not active, so it cannot take a payment."


class Overpayment(DomainError):
    code = "overpayment"
    default_message = "The payment is more than the remaining balance; nothing was taken."


class NotAllowed(DomainError):
    code = "permission_denied"
    status = 403
    default_message = "You do not have permission to perform this action."


class SelfApproval(NotAllowed):
    default_message = "You cannot approve your own application; another staff member must."


class ExternalSourceNotAllowed(NotAllowed):
    default_message = "Only staff may record cash received outside the platform."


# --- helpers ---------------------------------------------------------------------------


def loan_max_principal() -> Decimal:
    return money.quantize(settings.LOAN_MAX_PRINCIPAL)


def _account(kind: str, key: str, name: str) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(
        key=key, defaults={"kind": kind, "name": name, "currency": money.currency()}
    )
    return account


def loan_receivable_account(loan: Loan) -> LedgerAccount:
    return _account(
        LedgerAccount.Kind.LOAN_RECEIVABLE, loan.ledger_key, f"Qard hasan receivable {loan.pk}"
    )


def murabaha_receivable_account(contract: MurabahaContract) -> LedgerAccount:
    return _account(
        LedgerAccount.Kind.MURABAHA_RECEIVABLE,
        contract.ledger_key,
        f"Murabaha receivable {contract.pk}",
    )


def murabaha_inventory_account(contract: MurabahaContract) -> LedgerAccount:
    return _account(
        LedgerAccount.Kind.MURABAHA_INVENTORY,
        f"{contract.ledger_key}:asset",
        f"Murabaha asset held: {contract.asset_description}"[:200],
    )


def murabaha_income_account() -> LedgerAccount:
    return _account(LedgerAccount.Kind.INCOME, "income:murabaha", "Murabaha income (markup)")


def write_off_account() -> LedgerAccount:
    return _account(LedgerAccount.Kind.WRITE_OFF, "write_off", "Written-off qard hasan")


def _money(value, field: str, *, allow_zero: bool = False) -> Decimal:
    """A positive (or non-negative) amount in whole cents, else a field error."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: ["Enter an amount like 150.00."]}) from None
    if not amount.is_finite() or amount != money.quantize(amount):
        raise ValidationError({field: ["Enter an amount in whole cents, like 150.00."]})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(
            {field: ["Must be zero or more." if allow_zero else "Must be more than zero."]}
        )
    return amount


def _allocate(installments, amount: Decimal, *, today: date) -> None:
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
        raise DomainError("The schedule does not match the balance; nothing was taken.")
    Installment.objects.bulk_update(changed, ["paid_amount", "status", "paid_at"])


def _payment_source(*, by: User, owner_id, source: str) -> str:
    if source not in Payment.Source.values:
        raise ValidationError({"source": [f"Must be one of: {', '.join(Payment.Source.values)}."]})
    if not by.is_staff and by.pk != owner_id:
        raise NotAllowed()
    if source == Payment.Source.EXTERNAL and (not by.is_staff or by.pk == owner_id):
        raise ExternalSourceNotAllowed()
    return source


# --- Qard hasan ------------------------------------------------------------------------


def loan_apply(*, borrower: User, principal_amount, purpose: str, repayment_months) -> Loan:
    """Apply for a qard hasan loan: principal in (0, LOAN_MAX_PRINCIPAL], 1-60 months.

    The principal must give every month at least one cent, so the schedule can
    never have an empty installment."""
    errors: dict[str, list[str]] = {}
    principal = None
    try:
        principal = _money(principal_amount, "principal_amount")
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
    return Loan.objects.create(
        borrower=borrower,
        principal_amount=principal,
        purpose=purpose,
        repayment_months=repayment_months,
    )


def _lock_loan(loan: Loan) -> Loan:
    return Loan.objects.select_for_update(of=("self",)).select_related("borrower").get(pk=loan.pk)


def loan_approve(*, loan: Loan, by: User) -> Loan:
    """pending → approved. A staff member cannot approve their own application (403)."""
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.PENDING:
            raise InvalidTransition(
                f"Only a pending application can be approved (it is {loan.status})."
            )
        if loan.borrower_id == by.pk:
            raise SelfApproval()
        loan.status = Loan.Status.APPROVED
        loan.decided_by = by
        loan.decided_at = timezone.now()
        loan.save(update_fields=["status", "decided_by", "decided_at"])
    return loan


def loan_reject(*, loan: Loan, by: User, reason: str = "") -> Loan:
    """pending or approved (not yet disbursed) → rejected."""
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status not in (Loan.Status.PENDING, Loan.Status.APPROVED):
            raise InvalidTransition(
                f"Only an undisbursed application can be rejected (it is {loan.status})."
            )
        loan.status = Loan.Status.REJECTED
        loan.decided_by = by
        loan.decided_at = timezone.now()
        loan.rejection_reason = (reason or "").strip()[:500]
        loan.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    return loan


def loan_disburse(*, loan: Loan, by: User) -> Loan:
    """approved → active: the principal goes into the borrower's wallet and the
    schedule is fixed from today (first installment due one month later)."""
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.APPROVED:
            raise InvalidTransition(
                f"Only an approved loan can be disbursed (it is {loan.status})."
            )
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
        loan.status = Loan.Status.ACTIVE
        loan.disbursement_date = today
        loan.disbursed_by = by
        loan.save(update_fields=["status", "disbursement_date", "disbursed_by"])
    return loan


def loan_repay(*, loan: Loan, amount, by: User, source: str = Payment.Source.WALLET) -> Loan:
    """Repay part or all of an active loan.

    `wallet` takes the money from the borrower's wallet (402 when short, staff
    may record it on the borrower's behalf); `external` is cash staff received
    outside the platform, which a borrower may not claim (403). More than the
    remaining balance is refused whole (400 overpayment). At zero the loan is
    fully_repaid. Nothing here, late or not, ever adds to what is owed."""
    amount = _money(amount, "payment_amount")
    source = _payment_source(by=by, owner_id=loan.borrower_id, source=source)
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.ACTIVE:
            raise LoanNotActive()
        remaining = loan.remaining_balance
        if amount > remaining:
            raise Overpayment(
                f"The payment is more than the remaining balance of {remaining}; nothing was taken.",
                remaining_balance=str(remaining),
            )
        payer = (
            wallet_get_or_create(user=loan.borrower)
            if source == Payment.Source.WALLET
            else external_account()
        )
        txn = ledger_post(
            kind=LedgerTransaction.Kind.LOAN_REPAYMENT,
            legs=[Leg(payer, -amount), Leg(loan_receivable_account(loan), amount)],
            reference="Qard hasan repayment"
            + (" (cash received by staff)" if source == Payment.Source.EXTERNAL else ""),
            created_by=by,
        )
        _allocate(loan.installments.all(), amount, today=timezone.localdate())
        loan.repaid_amount += amount
        fields = ["repaid_amount"]
        if loan.repaid_amount == loan.principal_amount:
            loan.status = Loan.Status.FULLY_REPAID
            loan.closed_at = timezone.now()
            fields += ["status", "closed_at"]
        loan.save(update_fields=fields)
        Payment.objects.create(
            loan=loan, amount=amount, source=source, recorded_by=by, ledger_transaction=txn
        )
    return loan


def loan_mark_defaulted(*, loan: Loan, by: User) -> Loan:
    """active → defaulted: the remainder is written off in the ledger (the
    receivable is cleared against the write_off expense). remaining_balance
    still shows what the borrower has not repaid; nothing is added to it."""
    with transaction.atomic():
        loan = _lock_loan(loan)
        if loan.status != Loan.Status.ACTIVE:
            raise InvalidTransition(
                f"Only an active loan can be marked defaulted (it is {loan.status})."
            )
        rest = loan.remaining_balance
        if rest > 0:
            ledger_post(
                kind=LedgerTransaction.Kind.WRITE_OFF,
                legs=[Leg(loan_receivable_account(loan), rest), Leg(write_off_account(), -rest)],
                reference=f"Qard hasan written off ({loan.borrower.email})",
                created_by=by,
            )
        loan.status = Loan.Status.DEFAULTED
        loan.written_off_amount = rest
        loan.closed_at = timezone.now()
        loan.save(update_fields=["status", "written_off_amount", "closed_at"])
    return loan


# --- Murabaha --------------------------------------------------------------------------


def murabaha_request(
    *, customer: User, asset_description: str, cost_price, installments_count, down_payment=0
) -> MurabahaContract:
    """Ask the institution to buy an asset and sell it on at cost plus a markup."""
    errors: dict[str, list[str]] = {}
    cost = down = None
    try:
        cost = _money(cost_price, "cost_price")
        if cost > MURABAHA_MAX_PRICE:
            errors["cost_price"] = [f"The most we can finance is {MURABAHA_MAX_PRICE}."]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        down = _money(down_payment, "down_payment", allow_zero=True)
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
    return MurabahaContract.objects.create(
        customer=customer,
        asset_description=asset_description,
        cost_price=cost,
        down_payment=down,
        installments_count=count,
    )


def _lock_contract(contract: MurabahaContract) -> MurabahaContract:
    return (
        MurabahaContract.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=contract.pk)
    )


def murabaha_acquire(*, contract: MurabahaContract, by: User) -> MurabahaContract:
    """requested → asset_acquired: the institution buys the asset at cost with its
    own cash (inventory -C, external +C) and now owns it."""
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.REQUESTED:
            raise InvalidTransition(
                f"Only a requested contract's asset can be acquired (it is {contract.status})."
            )
        ledger_post(
            kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
            legs=[
                Leg(murabaha_inventory_account(contract), -contract.cost_price),
                Leg(external_account(), contract.cost_price),
            ],
            reference=f"Murabaha asset bought: {contract.asset_description}",
            created_by=by,
        )
        contract.status = MurabahaContract.Status.ASSET_ACQUIRED
        contract.acquired_at = timezone.now()
        contract.acquired_by = by
        contract.save(update_fields=["status", "acquired_at", "acquired_by"])
    return contract


def murabaha_offer(*, contract: MurabahaContract, markup_amount, by: User) -> MurabahaContract:
    """asset_acquired → offered with a disclosed, fixed markup (≥ 0). The asset must
    be owned first: offering a merely requested contract is an invalid transition."""
    markup = _money(markup_amount, "markup_amount", allow_zero=True)
    if markup > MURABAHA_MAX_PRICE:
        raise ValidationError({"markup_amount": [f"At most {MURABAHA_MAX_PRICE}."]})
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.ASSET_ACQUIRED:
            raise InvalidTransition(
                "The institution must own the asset before offering it; only a contract "
                f"whose asset was acquired can be offered (it is {contract.status})."
            )
        contract.markup_amount = markup
        contract.sale_price = contract.cost_price + markup
        contract.status = MurabahaContract.Status.OFFERED
        contract.offered_at = timezone.now()
        contract.offered_by = by
        contract.save(
            update_fields=["markup_amount", "sale_price", "status", "offered_at", "offered_by"]
        )
    return contract


def murabaha_accept(*, contract: MurabahaContract, by: User) -> MurabahaContract:
    """offered → active, by the customer only. The sale is booked (receivable -S,
    inventory +C, income +M), the down payment is taken from the wallet (402 when
    short, and then nothing at all is written) and the schedule over
    sale - down payment is fixed from today. The sale price never changes again."""
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.customer_id != by.pk:
            raise NotAllowed("Only the customer can accept this offer.")
        if contract.status != MurabahaContract.Status.OFFERED:
            raise InvalidTransition(
                f"Only an offered contract can be accepted (it is {contract.status})."
            )
        receivable = murabaha_receivable_account(contract)
        sale_legs = [
            Leg(receivable, -contract.sale_price),
            Leg(murabaha_inventory_account(contract), contract.cost_price),
        ]
        if contract.markup_amount:
            sale_legs.append(Leg(murabaha_income_account(), contract.markup_amount))
        ledger_post(
            kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
            legs=sale_legs,
            reference=f"Murabaha sale: {contract.asset_description}",
            created_by=by,
        )
        if contract.down_payment:
            ledger_post(
                kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
                legs=[
                    Leg(wallet_get_or_create(user=contract.customer), -contract.down_payment),
                    Leg(receivable, contract.down_payment),
                ],
                reference=f"Murabaha down payment: {contract.asset_description}",
                created_by=by,
            )
        today = timezone.localdate()
        Installment.objects.bulk_create(
            Installment(contract=contract, number=p.number, due_date=p.due_date, amount=p.amount)
            for p in build_schedule(
                total=contract.financed_amount, count=contract.installments_count, start=today
            )
        )
        contract.status = MurabahaContract.Status.ACTIVE
        contract.acceptance_date = today
        contract.save(update_fields=["status", "acceptance_date"])
    return contract


def murabaha_cancel(*, contract: MurabahaContract, by: User) -> MurabahaContract:
    """Cancel before acceptance, by the customer or staff. No money moves: if the
    asset was already bought, it stays in the institution's inventory to be sold
    to someone else (its inventory account keeps the cost)."""
    with transaction.atomic():
        contract = _lock_contract(contract)
        if not by.is_staff and contract.customer_id != by.pk:
            raise NotAllowed()
        if contract.status not in (
            MurabahaContract.Status.REQUESTED,
            MurabahaContract.Status.ASSET_ACQUIRED,
            MurabahaContract.Status.OFFERED,
        ):
            raise InvalidTransition(
                f"Only a contract not yet accepted can be cancelled (it is {contract.status})."
            )
        contract.status = MurabahaContract.Status.CANCELLED
        contract.cancelled_at = timezone.now()
        contract.cancelled_by = by
        contract.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    return contract


def murabaha_pay(
    *, contract: MurabahaContract, amount, by: User, source: str = Payment.Source.WALLET
) -> MurabahaContract:
    """Pay installments of an active contract; the same rules as a loan repayment
    (oldest first, overpayment refused whole, 402 when the wallet is short,
    external cash by staff only). At zero the contract is completed."""
    amount = _money(amount, "amount")
    source = _payment_source(by=by, owner_id=contract.customer_id, source=source)
    with transaction.atomic():
        contract = _lock_contract(contract)
        if contract.status != MurabahaContract.Status.ACTIVE:
            raise ContractNotActive()
        remaining = contract.remaining_balance
        if amount > remaining:
            raise Overpayment(
                f"The payment is more than the remaining balance of {remaining}; nothing was taken.",
                remaining_balance=str(remaining),
            )
        payer = (
            wallet_get_or_create(user=contract.customer)
            if source == Payment.Source.WALLET
            else external_account()
        )
        txn = ledger_post(
            kind=LedgerTransaction.Kind.MURABAHA_PAYMENT,
            legs=[Leg(payer, -amount), Leg(murabaha_receivable_account(contract), amount)],
            reference=f"Murabaha installment: {contract.asset_description}"[:200],
            created_by=by,
        )
        _allocate(contract.installments.all(), amount, today=timezone.localdate())
        contract.paid_amount += amount
        fields = ["paid_amount"]
        if contract.remaining_balance == 0:
            contract.status = MurabahaContract.Status.COMPLETED
            contract.completed_at = timezone.now()
            fields += ["status", "completed_at"]
        contract.save(update_fields=fields)
        Payment.objects.create(
            contract=contract, amount=amount, source=source, recorded_by=by, ledger_transaction=txn
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
