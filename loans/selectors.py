"""Reads of loans and contracts shared by the API, the pages and the admin."""

from django.core.exceptions import PermissionDenied
from django.db.models import F, Min, Q, QuerySet
from django.http import Http404

from accounts.models import User
from loans.models import Installment, Loan, MurabahaContract

_UNPAID = Q(installments__paid_amount__lt=F("installments__amount"))


def with_oldest_unpaid(qs: QuerySet) -> QuerySet:
    # One aggregate in the same query, so days_past_due costs nothing per row.
    return qs.annotate(oldest_unpaid_due=Min("installments__due_date", filter=_UNPAID))


def loan_list(*, user: User, status: str | None = None, mine: bool = False) -> QuerySet[Loan]:
    """The user's loans (staff: everyone's unless `mine`), newest first."""
    qs = with_oldest_unpaid(Loan.objects.select_related("borrower"))
    if mine or not user.is_staff:
        qs = qs.filter(borrower=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def contract_list(
    *, user: User, status: str | None = None, mine: bool = False
) -> QuerySet[MurabahaContract]:
    qs = with_oldest_unpaid(MurabahaContract.objects.select_related("customer"))
    if mine or not user.is_staff:
        qs = qs.filter(customer=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def loan_for(*, user: User, pk) -> Loan:
    """One loan for its borrower or staff: 404 when it does not exist, 403 for anyone else."""
    loan = with_oldest_unpaid(Loan.objects.select_related("borrower")).filter(pk=pk).first()
    if loan is None:
        raise Http404
    if not user.is_staff and loan.borrower_id != user.pk:
        raise PermissionDenied
    return loan


def contract_for(*, user: User, pk) -> MurabahaContract:
    contract = (
        with_oldest_unpaid(MurabahaContract.objects.select_related("customer"))
        .filter(pk=pk)
        .first()
    )
    if contract is None:
        raise Http404
    if not user.is_staff and contract.customer_id != user.pk:
        raise PermissionDenied
    return contract


def installment_list(*, parent: Loan | MurabahaContract) -> QuerySet[Installment]:
    if isinstance(parent, Loan):
        return Installment.objects.filter(loan=parent).order_by("number")
    return Installment.objects.filter(contract=parent).order_by("number")
