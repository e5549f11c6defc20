"""Reads of zakat cases and the zakat funds, shared by the API, the pages and the admin."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import money
from accounts.models import ZAKAT_FUND_KINDS, LedgerAccount, LedgerEntry, LedgerTransaction, User
from config.errors import NotAllowed, NotFound
from distribution import ageing
from distribution.models import AsnafCategory, ZakatCase, ZakatCaseDocument, ZakatDisbursement
from staff.permissions import user_can

# Who reads every case: the roles given the distribution app's view permissions
# (zakat_officer, finance as the disbursements' checker, auditor).
CASE_READ_PERM = "distribution.view_zakatcase"

# The figures' names for the three zakat fund kinds.
FUND_NAMES = {"zakat_fund": "zakat", "fitr_fund": "fitr", "campaign_zakat_fund": "campaign"}


def is_case_staff(user: User) -> bool:
    return user_can(user, CASE_READ_PERM)


def zakat_case_list(
    *, user: User, status: str | None = None, mine: bool = False, documents: bool = False
) -> QuerySet[ZakatCase]:
    """The applicant's own cases (zakat staff: every case unless `mine`), newest first;
    `documents` prefetches each case's documents (one query more)."""
    qs = ZakatCase.objects.select_related("applicant")
    if documents:
        qs = qs.prefetch_related(
            Prefetch("documents", queryset=ZakatCaseDocument.objects.order_by("created_at", "id"))
        )
    if mine or not is_case_staff(user):
        qs = qs.filter(applicant=user) if user.is_authenticated else qs.none()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def zakat_case_get_for(*, user: User, pk: UUID | str, lock: bool = False) -> ZakatCase:
    """One case for its applicant or zakat staff: NotFound when it does not exist,
    NotAllowed for anyone else. `lock` (inside a transaction) locks its row."""
    qs = ZakatCase.objects.select_related("applicant")
    if lock:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=pk).first()
    if case is None:
        raise NotFound()
    if not is_case_staff(user) and (case.applicant_id is None or case.applicant_id != user.pk):
        raise NotAllowed()
    return case


def zakat_case_document_get_for(
    *, user: User, case_pk: UUID | str, pk: UUID | str
) -> ZakatCaseDocument:
    """One supporting document, for the case's applicant or zakat staff only."""
    case = zakat_case_get_for(user=user, pk=case_pk)
    document = ZakatCaseDocument.objects.filter(case=case, pk=pk).first()
    if document is None:
        raise NotFound()
    return document


# --- Fund figures --------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _zero() -> Value:
    return Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=2))


@dataclass
class FundFigures:
    hijri_year: int
    year_start: date
    balance: Decimal = Decimal(0)
    collected: Decimal = Decimal(0)
    distributed: Decimal = Decimal(0)
    overdue_amount: Decimal = Decimal(0)
    oldest_undistributed_date: date | None = None
    by_category: list[dict] = field(default_factory=list)
    by_fund: list[dict] = field(default_factory=list)


def _collected_since(start: datetime, *, kinds=ZAKAT_FUND_KINDS) -> QuerySet[LedgerEntry]:
    # Inflows: money paid into a zakat fund (a disbursement's reversal is no collection).
    return LedgerEntry.objects.filter(
        account__kind__in=kinds, amount__gt=0, created_at__gte=start
    ).exclude(transaction__kind=LedgerTransaction.Kind.ZAKAT_DISBURSEMENT)


def zakat_collected_in_year(*, hijri_year: int) -> Decimal:
    """Zakat received in one Hijri year, across the zakat funds (the amilin cap's base)."""
    start = _start_of(ageing.hijri_year_start(hijri_year))
    end = _start_of(ageing.hijri_year_start(hijri_year + 1))
    total = _collected_since(start).filter(created_at__lt=end).aggregate(t=Sum("amount"))["t"] or 0
    return money.quantize(total)


def amilin_paid_in_year(*, hijri_year: int) -> Decimal:
    total = ZakatDisbursement.objects.filter(
        hijri_year=hijri_year, category=AsnafCategory.AMILIN
    ).aggregate(t=Sum("amount"))["t"]
    return money.quantize(total or 0)


def zakat_by_category(*, hijri_year: int) -> list[dict]:
    """Every one of the eight categories with what it received this Hijri year and in
    how many cases: totals only, no names."""
    rows = {
        row["category"]: row
        for row in ZakatDisbursement.objects.filter(hijri_year=hijri_year)
        .values("category")
        .annotate(amount=Coalesce(Sum("amount"), _zero()), cases=Count("case_id", distinct=True))
    }
    return [
        {
            "category": category,
            "amount": money.quantize(rows.get(category, {}).get("amount", 0)),
            "cases": rows.get(category, {}).get("cases", 0),
        }
        for category in AsnafCategory.values
    ]


def zakat_fund_figures(*, today: date | None = None, with_ageing: bool = True) -> FundFigures:
    """The zakat funds (zakat, fitr, campaign zakat) from their ledger entries: balance,
    this Hijri year's collections and distributions, each category's share and the
    ageing of what remains (first in, first out; overdue = received before the same
    Hijri date a year ago and still undistributed)."""
    today = today or timezone.localdate()
    year = ageing.hijri_year_of(today)
    start = _start_of(ageing.hijri_year_start(year))
    figures = FundFigures(hijri_year=year, year_start=ageing.hijri_year_start(year))
    overdue_before = ageing.one_lunar_year_before(today)

    accounts = list(LedgerAccount.objects.filter(kind__in=ZAKAT_FUND_KINDS).order_by("key"))
    per_fund: dict[str, dict] = {
        name: {
            "fund": name,
            "balance": Decimal(0),
            "collected": Decimal(0),
            "distributed": Decimal(0),
            "overdue_amount": Decimal(0),
        }
        for name in FUND_NAMES.values()
    }
    oldest: list[date] = []
    entries = LedgerEntry.objects.filter(account__in=accounts)
    year_rows = (
        entries.filter(created_at__gte=start)
        .values("account__kind")
        .annotate(
            collected=Coalesce(
                Sum("amount", filter=_collected_filter()),
                _zero(),
            ),
            distributed=Coalesce(Sum("amount", filter=_distributed_filter()), _zero()),
        )
    )
    for row in year_rows:
        fund = per_fund[FUND_NAMES[row["account__kind"]]]
        fund["collected"] += money.quantize(row["collected"])
        fund["distributed"] += money.quantize(-row["distributed"])
    for account in accounts:
        fund = per_fund[FUND_NAMES[account.kind]]
        fund["balance"] += account.balance
        if not with_ageing:
            continue
        inflows = (
            (timezone.localdate(at), amount)
            for at, amount in account.entries.filter(amount__gt=0)
            .order_by("-created_at", "-id")
            .values_list("created_at", "amount")
            .iterator(chunk_size=200)
        )
        aged = ageing.ageing_from_newest(inflows, account.balance, overdue_before=overdue_before)
        fund["overdue_amount"] += aged.overdue_amount
        if aged.oldest_undistributed_date is not None:
            oldest.append(aged.oldest_undistributed_date)
    for fund in per_fund.values():
        figures.balance += fund["balance"]
        figures.collected += fund["collected"]
        figures.distributed += fund["distributed"]
        figures.overdue_amount += fund["overdue_amount"]
        for key in ("balance", "collected", "distributed", "overdue_amount"):
            fund[key] = money.quantize(fund[key])
    figures.by_fund = list(per_fund.values())
    figures.balance = money.quantize(figures.balance)
    figures.collected = money.quantize(figures.collected)
    figures.distributed = money.quantize(figures.distributed)
    figures.overdue_amount = money.quantize(figures.overdue_amount)
    figures.oldest_undistributed_date = min(oldest) if oldest else None
    figures.by_category = zakat_by_category(hijri_year=year)
    return figures


def _collected_filter() -> Q:
    return Q(amount__gt=0) & ~Q(transaction__kind=LedgerTransaction.Kind.ZAKAT_DISBURSEMENT)


def _distributed_filter() -> Q:
    return Q(amount__lt=0)
