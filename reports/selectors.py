"""The reports' reads: trial balance, general journal, portfolio at risk, zakat by
category and Hijri year, fund ageing, campaign totals.

Every figure comes from the ledger (accounts.LedgerEntry / LedgerAccount) or from
the records whose totals the services keep beside it, aggregated in the database:
a report costs a fixed number of queries whatever the size of the books, except
the journal, which is streamed row by row (`iterator()`) and never held whole.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import money
from accounts.models import LedgerAccount, LedgerEntry
from campaigns.models import Campaign, Donation
from distribution import ageing
from distribution.selectors import zakat_by_category, zakat_fund_figures
from loans.models import Installment, Loan, Payment

_MONEY = DecimalField(max_digits=18, decimal_places=2)


def _zero() -> Value:
    return Value(Decimal(0), output_field=_MONEY)


def start_of(day: date) -> datetime:
    """Midnight at the start of `day`, in the platform's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


# --- Trial balance --------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialBalance:
    as_of: date
    accounts: list[dict]
    total: Decimal


def trial_balance(*, as_of: date) -> TrialBalance:
    """Every kind of ledger account with the sum of its entries up to the end of
    `as_of` (wallets, campaign funds and receivables add up per kind: one line each).

    Double entry makes the total zero on any day: each transaction's legs sum to
    zero, so any set of whole transactions does too. A total other than 0.00 is a
    broken ledger, and the report shows it rather than hiding it."""
    labels = dict(LedgerAccount.Kind.choices)
    rows = (
        LedgerEntry.objects.filter(created_at__lt=start_of(as_of + timedelta(days=1)))
        .values("account__kind")
        .annotate(balance=Sum("amount"))
        .order_by("account__kind")
    )
    accounts = [
        {
            "kind": row["account__kind"],
            "name": labels.get(row["account__kind"], row["account__kind"]),
            "balance": money.quantize(row["balance"] or 0),
        }
        for row in rows
    ]
    total = money.quantize(sum((row["balance"] for row in accounts), Decimal(0)))
    return TrialBalance(as_of=as_of, accounts=accounts, total=total)


# --- General journal ------------------------------------------------------------------------

JOURNAL_HEADER = (
    "entry",
    "posted_at",
    "transaction",
    "kind",
    "reference",
    "account_kind",
    "account",
    "amount",
    "balance_after",
)


def journal_entries(*, date_from: date, date_to: date) -> QuerySet[LedgerEntry]:
    """Every ledger entry posted from the start of `date_from` to the end of `date_to`,
    in posting order."""
    return (
        LedgerEntry.objects.filter(
            created_at__gte=start_of(date_from),
            created_at__lt=start_of(date_to + timedelta(days=1)),
        )
        .order_by("id")
        .values_list(
            "id",
            "created_at",
            "transaction_id",
            "transaction__kind",
            "transaction__reference",
            "account__kind",
            "account__key",
            "amount",
            "balance_after",
        )
    )


def journal_rows(*, date_from: date, date_to: date) -> Iterator[tuple]:
    """The journal as rows for a file, streamed from the database in chunks."""
    for row in journal_entries(date_from=date_from, date_to=date_to).iterator(chunk_size=2000):
        entry, at, txn, kind, reference, account_kind, account, amount, after = row
        yield (
            entry,
            timezone.localtime(at).isoformat(timespec="seconds"),
            str(txn),
            kind,
            reference,
            account_kind,
            account,
            # Numbers, not text: the formula guard is for text, and a "-" leads a debit.
            money.quantize(amount),
            money.quantize(after),
        )


def ledger_movement(*, date_from: date, date_to: date) -> dict[str, Decimal]:
    """Each account's net movement over the range (the journal must re-sum to it)."""
    rows = (
        LedgerEntry.objects.filter(
            created_at__gte=start_of(date_from),
            created_at__lt=start_of(date_to + timedelta(days=1)),
        )
        .values("account__key")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["account__key"]: money.quantize(row["total"]) for row in rows}


# --- Portfolio at risk ----------------------------------------------------------------------

_OUTSTANDING = ExpressionWrapper(F("principal_amount") - F("repaid_amount"), output_field=_MONEY)


def _late_since(days: int, today: date):
    return Exists(
        Installment.objects.filter(
            loan=OuterRef("pk"),
            paid_amount__lt=F("amount"),
            due_date__lt=today - timedelta(days=days),
        )
    )


def portfolio(*, today: date | None = None) -> dict:
    """The qard hasan portfolio: what active loans still owe (`outstanding`), the part
    of it in loans with an installment unpaid more than 30 and 90 days (`par30`,
    `par90`, the microfinance convention), what defaulted borrowers still owe
    (`defaulted`), what was written off at default and what came back since
    (`write_offs`, `recoveries`), and each status's count and balance. Three queries."""
    today = today or timezone.localdate()
    active = Q(status=Loan.Status.ACTIVE)
    totals = (
        Loan.objects.annotate(late30=_late_since(30, today), late90=_late_since(90, today))
        .order_by()
        .aggregate(
            outstanding=Coalesce(Sum(_OUTSTANDING, filter=active), _zero()),
            par30=Coalesce(Sum(_OUTSTANDING, filter=active & Q(late30=True)), _zero()),
            par90=Coalesce(Sum(_OUTSTANDING, filter=active & Q(late90=True)), _zero()),
            defaulted=Coalesce(Sum(_OUTSTANDING, filter=Q(status=Loan.Status.DEFAULTED)), _zero()),
            written_off=Coalesce(Sum("written_off_amount"), _zero()),
        )
    )
    # A repayment after default credits the write-off account (loans.services' booking
    # table): that leg, not the loan's status (which moves on to fully_repaid), marks it.
    recoveries = (
        Payment.objects.filter(
            loan__isnull=False,
            ledger_transaction__entries__account__kind=LedgerAccount.Kind.WRITE_OFF,
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    by_status = {
        row["status"]: row
        for row in Loan.objects.values("status")
        .annotate(
            count=Count("id"),
            principal=Coalesce(Sum("principal_amount"), _zero()),
            outstanding=Coalesce(Sum(_OUTSTANDING), _zero()),
        )
        .order_by()
    }
    recoveries = money.quantize(recoveries)
    return {
        "as_of": today,
        "outstanding": money.quantize(totals["outstanding"]),
        "par30": money.quantize(totals["par30"]),
        "par90": money.quantize(totals["par90"]),
        "defaulted": money.quantize(totals["defaulted"]),
        # written_off_amount shrinks as a defaulted borrower repays: add back what came in.
        "write_offs": money.quantize(totals["written_off"]) + recoveries,
        "recoveries": recoveries,
        "by_status": [
            {
                "status": status,
                "count": by_status.get(status, {}).get("count", 0),
                "principal": money.quantize(by_status.get(status, {}).get("principal", 0)),
                "outstanding": money.quantize(by_status.get(status, {}).get("outstanding", 0)),
            }
            for status in Loan.Status.values
        ],
    }


# --- Zakat, funds, campaigns ----------------------------------------------------------------


def zakat_by_category_year(*, hijri_year: int | None = None) -> dict:
    """What each of the eight categories received in a Hijri year (this one by default)."""
    year = hijri_year or ageing.hijri_year_of(timezone.localdate())
    return {"hijri_year": year, "categories": zakat_by_category(hijri_year=year)}


def fund_ageing() -> dict:
    """The zakat funds' balances and ageing (distribution's first-in-first-out ageing)."""
    figures = zakat_fund_figures()
    return {
        "hijri_year": figures.hijri_year,
        "balance": figures.balance,
        "overdue_amount": figures.overdue_amount,
        "oldest_undistributed_date": figures.oldest_undistributed_date,
        "by_fund": figures.by_fund,
    }


def campaign_totals() -> QuerySet[Campaign]:
    """Every campaign with its totals: raised (kept by the donation service under a
    row lock), refunded, and zakat-designated gifts, newest first."""
    done = Q(donations__status=Donation.Status.COMPLETED)
    return (
        Campaign.objects.select_related("organizer")
        .annotate(
            refunded=Coalesce(
                Sum("donations__amount", filter=Q(donations__status=Donation.Status.REFUNDED)),
                _zero(),
            ),
            zakat=Coalesce(
                Sum(
                    "donations__amount",
                    filter=done & Q(donations__designation=Donation.Designation.ZAKAT),
                ),
                _zero(),
            ),
        )
        .order_by("-created_at", "-id")
    )
