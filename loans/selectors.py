"""Reads of loans and contracts shared by the API, the pages and the admin."""

from uuid import UUID

from django.db.models import F, Min, Q, QuerySet, Sum

from accounts.models import User
from config.errors import NotAllowed, NotFound
from loans.models import Installment, Loan, MurabahaContract, late_installment_q

# Staff read everyone's rows; without the second factor, when it is required, only their own.
from staff.permissions import staff_reads

_UNPAID = Q(installments__paid_amount__lt=F("installments__amount"))


def with_oldest_unpaid(qs: QuerySet) -> QuerySet:
    # One aggregate in the same query, so days_past_due costs nothing per row.
    return qs.annotate(oldest_unpaid_due=Min("installments__due_date", filter=_UNPAID))


def with_late_total(qs: QuerySet[MurabahaContract]) -> QuerySet[MurabahaContract]:
    # What the late-payment charity undertaking applies to, in the same query.
    return qs.annotate(
        late_installments_total=Sum("installments__amount", filter=late_installment_q())
    )


def loan_list(*, user: User, status: str | None = None, mine: bool = False) -> QuerySet[Loan]:
    """The user's loans (staff: everyone's unless `mine`), newest first."""
    qs = with_oldest_unpaid(Loan.objects.select_related("borrower"))
    if mine or not staff_reads(user):
        qs = qs.filter(borrower=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def contract_list(
    *, user: User, status: str | None = None, mine: bool = False
) -> QuerySet[MurabahaContract]:
    qs = with_late_total(with_oldest_unpaid(MurabahaContract.objects.select_related("customer")))
    if mine or not staff_reads(user):
        qs = qs.filter(customer=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def _load(qs: QuerySet, *, pk: UUID | str, lock: bool):
    if lock:
        # FOR UPDATE cannot go with the aggregate, so a locked row computes
        # days_past_due itself; the lock is on the row only (not the joined user).
        return qs.select_for_update(of=("self",)).filter(pk=pk).first()
    annotated = with_oldest_unpaid(qs)
    if qs.model is MurabahaContract:
        annotated = with_late_total(annotated)
    return annotated.filter(pk=pk).first()


def loan_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> Loan:
    """One loan for its borrower or staff: NotFound when it does not exist,
    NotAllowed for anyone else. `lock` (inside a transaction) locks its row."""
    loan = _load(Loan.objects.select_related("borrower"), pk=pk, lock=lock)
    if loan is None:
        raise NotFound()
    if not staff_reads(user) and loan.borrower_id != user.pk:
        raise NotAllowed()
    return loan


def contract_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> MurabahaContract:
    """One contract for its customer or staff: NotFound when it does not exist,
    NotAllowed for anyone else. `lock` (inside a transaction) locks its row."""
    contract = _load(MurabahaContract.objects.select_related("customer"), pk=pk, lock=lock)
    if contract is None:
        raise NotFound()
    if not staff_reads(user) and contract.customer_id != user.pk:
        raise NotAllowed()
    return contract


def installment_list(*, parent: Loan | MurabahaContract) -> QuerySet[Installment]:
    if isinstance(parent, Loan):
        return Installment.objects.filter(loan=parent).order_by("number")
    return Installment.objects.filter(contract=parent).order_by("number")


def installment_next_due(*, user: User) -> Installment | None:
    """The user's earliest unpaid installment of an active loan or contract (the
    home page's "next payment"), with its loan or contract, in one query."""
    active = Q(loan__borrower=user, loan__status=Loan.Status.ACTIVE) | Q(
        contract__customer=user, contract__status=MurabahaContract.Status.ACTIVE
    )
    return (
        Installment.objects.filter(active, paid_amount__lt=F("amount"))
        .select_related("loan", "contract")
        .order_by("due_date", "id")
        .first()
    )
