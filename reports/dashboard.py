"""The figures of the admin's index (the staff dashboard), read in two queries and
kept in the cache for a minute.

The figures are the same for everyone; what a person sees of them is decided
per card by the permission of their role (`Card.perm`), so one cached copy
serves every role. Two queries whatever the size of the books: the donations of
the last 90 days by day, and one UNION of every other count and sum (approvals,
cases, loans by status, overdue installments, fund balances, this Hijri year's
zakat in and out and by category). The dashboard's test holds it to four.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import CharField, Count, DecimalField, F, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts import money
from accounts.models import ZAKAT_FUND_KINDS, LedgerAccount, LedgerEntry, LedgerTransaction
from campaigns.models import Donation
from distribution import ageing
from distribution.models import AsnafCategory, ZakatCase, ZakatDisbursement
from loans.models import Installment, Loan
from reports import charts
from reports.selectors import start_of
from staff.models import Approval
from staff.permissions import user_can

CACHE_KEY = "reports:dashboard:v1"
CACHE_SECONDS = 60
DAYS = 90
_MONEY = DecimalField(max_digits=18, decimal_places=2)


def _zero() -> Value:
    return Value(Decimal(0), output_field=_MONEY)


def _part(qs, label: str, key: Any, amount: Any):
    """One branch of the UNION: (label, key, n, amount)."""
    return (
        qs.order_by()
        .values(dash_part=Value(label, output_field=CharField()), dash_key=key)
        .annotate(
            dash_n=Count("pk"), dash_amount=Coalesce(Sum(amount, output_field=_MONEY), _zero())
        )
        .values_list("dash_part", "dash_key", "dash_n", "dash_amount")
    )


def _none() -> Value:
    return Value("", output_field=CharField())


def compute(*, today: date | None = None) -> dict:
    """Every figure of the dashboard, from the database (two queries)."""
    today = today or timezone.localdate()
    hijri_year = ageing.hijri_year_of(today)
    year_start = start_of(ageing.hijri_year_start(hijri_year))
    first_day = today - timedelta(days=DAYS - 1)

    per_day = {
        row["day"]: row
        for row in Donation.objects.filter(
            status=Donation.Status.COMPLETED, created_at__gte=start_of(first_day)
        )
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    }
    zakat_entries = LedgerEntry.objects.filter(
        account__kind__in=ZAKAT_FUND_KINDS, created_at__gte=year_start
    )
    union = (
        _part(
            Approval.objects.filter(status=Approval.Status.PENDING), "approvals", _none(), "amount"
        )
        .union(
            _part(
                ZakatCase.objects.filter(status=ZakatCase.Status.SUBMITTED),
                "cases",
                _none(),
                "amount_requested",
            ),
            _part(
                Loan.objects.all(),
                "loans",
                F("status"),
                F("principal_amount") - F("repaid_amount"),
            ),
            _part(
                Installment.objects.filter(paid_amount__lt=F("amount"), due_date__lt=today),
                "overdue",
                _none(),
                F("amount") - F("paid_amount"),
            ),
            _part(
                LedgerAccount.objects.filter(kind__endswith="_fund"), "funds", F("kind"), "balance"
            ),
            _part(
                zakat_entries.filter(amount__gt=0).exclude(
                    transaction__kind=LedgerTransaction.Kind.ZAKAT_DISBURSEMENT
                ),
                "zakat_in",
                _none(),
                "amount",
            ),
            _part(zakat_entries.filter(amount__lt=0), "zakat_out", _none(), "amount"),
            _part(
                ZakatDisbursement.objects.filter(hijri_year=hijri_year),
                "zakat_category",
                Cast("category", CharField()),
                "amount",
            ),
            all=True,
        )
        .order_by()
    )
    rows: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for label, key, n, amount in union:
        rows[(label, key or "")] = (n, money.quantize(amount or 0))

    def figure(label: str, key: str = "") -> tuple[int, Decimal]:
        return rows.get((label, key), (0, money.ZERO))

    days = [first_day + timedelta(days=i) for i in range(DAYS)]
    donations = [
        (day, money.quantize(per_day[day]["amount"]) if day in per_day else money.ZERO)
        for day in days
    ]
    month_start = today.replace(day=1)
    return {
        "today": today,
        "hijri_year": hijri_year,
        "donations_today": (
            per_day.get(today, {}).get("n", 0),
            money.quantize(per_day.get(today, {}).get("amount") or 0),
        ),
        "donations_month": (
            sum(row["n"] for day, row in per_day.items() if day >= month_start),
            money.quantize(
                sum((row["amount"] for day, row in per_day.items() if day >= month_start), 0)
            ),
        ),
        "donations_per_day": donations,
        "zakat_collected": figure("zakat_in")[1],
        "zakat_distributed": -figure("zakat_out")[1],
        "zakat_by_category": [(c, figure("zakat_category", c)[1]) for c in AsnafCategory.values],
        "pending_approvals": figure("approvals")[0],
        "pending_cases": figure("cases")[0],
        "loans_by_status": [(status, *figure("loans", status)) for status in Loan.Status.values],
        "loans_awaiting": figure("loans", Loan.Status.PENDING)[0],
        "overdue": figure("overdue"),
        "funds": [
            (kind, label, figure("funds", kind)[1])
            for kind, label in LedgerAccount.Kind.choices
            if kind.endswith("_fund")
        ],
    }


def figures() -> dict:
    """The dashboard's figures, from the cache when computed less than a minute ago."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = compute()
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return cached


# --- What each role sees ----------------------------------------------------------------


@dataclass
class Card:
    key: str
    title: str
    value: str
    href: str
    detail: str = ""
    action: tuple[str, str] | None = None  # (label, href), for roles that may act


@dataclass
class Chart:
    key: str
    title: str
    svg: Any
    legend: Any
    bars: list = field(default_factory=list)


def _admin(name: str, **params: Any) -> str:
    url = reverse(f"admin:{name}")
    return f"{url}?{urlencode(params)}" if params else url


# Which permission shows which card or chart (staff/roles.py gives them to roles).
SEE_DONATIONS = "campaigns.view_donation"
SEE_ZAKAT = "distribution.view_zakatcase"
SEE_LOANS = "loans.view_loan"
SEE_APPROVALS = "staff.view_approval"
SEE_FUNDS = "staff.report_ledger_read"


def _any_checker(user: Any) -> bool:
    from staff.roles import APPROVAL_KINDS, checker_perm

    return any(user_can(user, checker_perm(kind)) for kind in APPROVAL_KINDS)


def for_user(user: Any) -> dict:
    """The cards and charts `user`'s role may see, from the cached figures."""
    data = figures()
    today: date = data["today"]
    cards: list[Card] = []
    chart_list: list[Chart] = []
    donation_list = "campaigns_donation_changelist"
    if user_can(user, SEE_DONATIONS):
        n, amount = data["donations_today"]
        cards.append(
            Card(
                "donations_today",
                "Donations today",
                f"{amount}",
                _admin(donation_list, created_at__date__gte=today.isoformat()),
                f"{n} gifts",
            )
        )
        n, amount = data["donations_month"]
        cards.append(
            Card(
                "donations_month",
                "Donations this month",
                f"{amount}",
                _admin(donation_list, created_at__date__gte=today.replace(day=1).isoformat()),
                f"{n} gifts",
            )
        )
        bars = [
            charts.Bar(
                day.isoformat(),
                amount,
                _admin(
                    donation_list,
                    created_at__date__gte=day.isoformat(),
                    created_at__date__lt=(day + timedelta(days=1)).isoformat(),
                ),
                day.strftime("%d %b"),
            )
            for day, amount in data["donations_per_day"]
        ]
        chart_list.append(
            Chart(
                "donations_per_day",
                f"Donations per day, last {DAYS} days",
                charts.bar_chart(bars, title="Donations per day"),
                charts.legend(bars[-7:]),
                bars,
            )
        )
    if user_can(user, SEE_ZAKAT):
        year = data["hijri_year"]
        disbursements = "distribution_zakatdisbursement_changelist"
        cards.append(
            Card(
                "zakat_collected",
                f"Zakat collected {year} AH",
                f"{data['zakat_collected']}",
                _admin("accounts_ledgeraccount_changelist", kind__in="zakat_fund,fitr_fund"),
            )
        )
        cards.append(
            Card(
                "zakat_distributed",
                f"Zakat distributed {year} AH",
                f"{data['zakat_distributed']}",
                _admin(disbursements, hijri_year=year),
            )
        )
        cards.append(
            Card(
                "pending_cases",
                "Zakat cases to decide",
                f"{data['pending_cases']}",
                _admin("distribution_zakatcase_changelist", status__exact="submitted"),
                action=(
                    (
                        "Decide cases",
                        _admin("distribution_zakatcase_changelist", status__exact="submitted"),
                    )
                    if user_can(user, "staff.zakat_case_decide")
                    else None
                ),
            )
        )
        bars = [
            charts.Bar(
                AsnafCategory(category).label,
                amount,
                _admin(disbursements, hijri_year=year, category__exact=category),
                category[:8],
            )
            for category, amount in data["zakat_by_category"]
        ]
        chart_list.append(
            Chart(
                "zakat_by_category",
                f"Zakat by category, {year} AH",
                charts.bar_chart(bars, title="Zakat by category"),
                charts.legend(bars),
                bars,
            )
        )
    if user_can(user, SEE_APPROVALS):
        cards.append(
            Card(
                "pending_approvals",
                "Approvals waiting",
                f"{data['pending_approvals']}",
                _admin("staff_approval_changelist", status__exact="pending"),
                action=(
                    (
                        "Review approvals",
                        _admin("staff_approval_changelist", status__exact="pending"),
                    )
                    if _any_checker(user)
                    else None
                ),
            )
        )
    if user_can(user, SEE_LOANS):
        loans = "loans_loan_changelist"
        cards.append(
            Card(
                "loans_awaiting",
                "Loans awaiting decision",
                f"{data['loans_awaiting']}",
                _admin(loans, status__exact="pending"),
                action=(
                    ("Decide loans", _admin(loans, status__exact="pending"))
                    if user_can(user, "staff.loan_decide")
                    else None
                ),
            )
        )
        n, amount = data["overdue"]
        cards.append(
            Card(
                "overdue",
                "Overdue installments",
                f"{n}",
                _admin(loans, past_due="late"),
                f"{amount} unpaid",
            )
        )
        bars = [
            charts.Bar(
                Loan.Status(status).label,
                amount,
                _admin(loans, status__exact=status),
                status[:8],
            )
            for status, _n, amount in data["loans_by_status"]
        ]
        chart_list.append(
            Chart(
                "portfolio_by_status",
                "Qard hasan portfolio by status (outstanding)",
                charts.bar_chart(bars, title="Portfolio by status"),
                charts.legend(bars),
                bars,
            )
        )
    if user_can(user, SEE_FUNDS):
        cards.extend(
            Card(
                f"fund_{kind}",
                label,
                f"{balance}",
                _admin("accounts_ledgeraccount_changelist", kind__exact=kind),
            )
            for kind, label, balance in data["funds"]
        )
    return {"cards": cards, "charts": chart_list, "today": today}
