"""The staff's report pages under /admin/reports/: each a table with its filter and
a CSV download of the same rows (the journal also as a workbook).

Thin: a form for the dates, a selector for the rows. Who may read which report is
a permission of their role (staff/roles.py): the ledger reports for
staff.report_ledger_read, the portfolio also for staff.report_portfolio_read."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from config.csv_export import csv_response
from reports import exports, forms, selectors
from staff.permissions import user_can

LEDGER = "staff.report_ledger_read"
PORTFOLIO = "staff.report_portfolio_read"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: list[tuple]
    summary: list[tuple[str, Any]]


def _trial_balance(form) -> Table:
    tb = selectors.trial_balance(as_of=form.as_of_date())
    return Table(
        ("kind", "name", "balance"),
        [(a["kind"], a["name"], a["balance"]) for a in tb.accounts],
        [("As of", tb.as_of), ("Total", tb.total)],
    )


def _journal(form) -> Table:
    data = form.cleaned_data
    movement = selectors.ledger_movement(date_from=data["date_from"], date_to=data["date_to"])
    return Table(
        ("account", "movement"),
        sorted(movement.items()),
        [("From", data["date_from"]), ("To", data["date_to"])],
    )


def _portfolio(form) -> Table:
    p = selectors.portfolio()
    return Table(
        ("status", "loans", "principal", "outstanding"),
        [(s["status"], s["count"], s["principal"], s["outstanding"]) for s in p["by_status"]],
        [
            (label, p[key])
            for key, label in (
                ("outstanding", "Outstanding"),
                ("par30", "Portfolio at risk > 30 days"),
                ("par90", "Portfolio at risk > 90 days"),
                ("defaulted", "Owed on defaulted loans"),
                ("write_offs", "Written off"),
                ("recoveries", "Recovered after write-off"),
            )
        ],
    )


def _zakat(form) -> Table:
    z = selectors.zakat_by_category_year(hijri_year=form.cleaned_data.get("hijri_year"))
    return Table(
        ("category", "amount", "cases"),
        [(c["category"], c["amount"], c["cases"]) for c in z["categories"]],
        [("Hijri year", z["hijri_year"])],
    )


def _ageing(form) -> Table:
    f = selectors.fund_ageing()
    return Table(
        ("fund", "balance", "collected", "distributed", "overdue"),
        [
            (b["fund"], b["balance"], b["collected"], b["distributed"], b["overdue_amount"])
            for b in f["by_fund"]
        ],
        [
            ("Hijri year", f["hijri_year"]),
            ("Undistributed", f["balance"]),
            ("Held over a lunar year", f["overdue_amount"]),
            ("Oldest undistributed", f["oldest_undistributed_date"] or "-"),
        ],
    )


def _campaigns(form) -> Table:
    return Table(
        ("campaign", "status", "target", "raised", "donors", "zakat", "refunded"),
        [
            (
                c.name,
                c.status,
                c.target_amount,
                c.current_amount,
                c.donor_count,
                c.zakat,
                c.refunded,
            )
            for c in selectors.campaign_totals()
        ],
        [],
    )


@dataclass(frozen=True)
class Report:
    title: str
    perm: str | tuple[str, ...]
    form: type
    build: Callable[[Any], Table]
    description: str


REPORTS: dict[str, Report] = {
    "trial-balance": Report(
        "Trial balance",
        LEDGER,
        forms.AsOfForm,
        _trial_balance,
        "Every kind of ledger account at a date; the total is 0.00 in a sound ledger.",
    ),
    "journal": Report(
        "General journal",
        LEDGER,
        forms.RangeForm,
        _journal,
        "Every ledger entry in a date range (CSV or Excel); each account's movement below.",
    ),
    "portfolio": Report(
        "Portfolio at risk",
        PORTFOLIO,
        forms.AsOfForm,
        _portfolio,
        "Qard hasan loans: outstanding, 30 and 90 days at risk, defaults, write-offs.",
    ),
    "zakat": Report(
        "Zakat by category",
        LEDGER,
        forms.HijriYearForm,
        _zakat,
        "What each of the eight categories received in a Hijri year.",
    ),
    "fund-ageing": Report(
        "Zakat fund ageing",
        LEDGER,
        forms.AsOfForm,
        _ageing,
        "What the zakat funds hold, and how much of it is older than a lunar year.",
    ),
    "campaigns": Report(
        "Campaign totals",
        LEDGER,
        forms.AsOfForm,
        _campaigns,
        "Each campaign's target, raised, donors, zakat-designated gifts and refunds.",
    ),
}


def _may_read(user, report: Report) -> bool:
    perms = (report.perm,) if isinstance(report.perm, str) else report.perm
    return any(user_can(user, perm) for perm in perms)


def index(request: HttpRequest) -> HttpResponse:
    readable = [(slug, r) for slug, r in REPORTS.items() if _may_read(request.user, r)]
    if not readable:
        raise PermissionDenied
    context = {**admin.site.each_context(request), "title": "Reports", "reports": readable}
    return TemplateResponse(request, "admin/reports/index.html", context)


def report(request: HttpRequest, report: str) -> HttpResponse:
    spec = REPORTS.get(report)
    if spec is None:
        raise Http404
    if not _may_read(request.user, spec):
        raise PermissionDenied
    form = spec.form(request.GET or None)
    table = None
    if form.is_bound and not form.is_valid():
        form_ok = False
    else:
        if not form.is_bound:
            form = spec.form({})
            form.is_valid()
        form_ok = True
    if form_ok:
        export = request.GET.get("export")
        if report == "journal" and export in ("csv", "xlsx"):
            data = form.cleaned_data
            return exports.journal(date_from=data["date_from"], date_to=data["date_to"], fmt=export)
        table = spec.build(form)
        if export == "csv":
            rows = [*table.rows, *([("", *pair) for pair in table.summary])]
            return csv_response(f"{report}.csv", table.header, rows)
    query = request.GET.copy()
    query.pop("export", None)
    context = {
        **admin.site.each_context(request),
        "title": spec.title,
        "spec": spec,
        "slug": report,
        "form": form,
        "table": table,
        "query": query.urlencode(),
    }
    return TemplateResponse(request, "admin/reports/report.html", context)
