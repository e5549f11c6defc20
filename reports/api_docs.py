"""OpenAPI documentation of the reports API: examples, descriptions, errors."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from config.api.schema import error_responses
from reports.serializers import PortfolioOut, TrialBalanceOut

TAG = "reports"

TRIAL_BALANCE = extend_schema(
    tags=[TAG],
    summary="Trial balance at a date",
    description="finance, auditor. Every kind of ledger account with the sum of its entries "
    "up to the end of `as_of` (today when left out); wallets, campaign funds and receivables "
    'add up to one line per kind. Double entry makes `total` "0.00".',
    parameters=[
        OpenApiParameter("as_of", OpenApiTypes.DATE, description="YYYY-MM-DD (default today)")
    ],
    responses={200: TrialBalanceOut, **error_responses(400, 401, 403, 429)},
    examples=[
        OpenApiExample(
            "Balanced",
            value={
                "as_of": "2026-12-01",
                "accounts": [
                    {"kind": "external", "name": "Outside world", "balance": "-5200.00"},
                    {"kind": "wallet", "name": "User wallet", "balance": "4000.00"},
                    {"kind": "zakat_fund", "name": "Zakat fund", "balance": "1200.00"},
                ],
                "total": "0.00",
            },
            response_only=True,
        )
    ],
)

JOURNAL = extend_schema(
    tags=[TAG],
    summary="General journal export",
    description="finance, auditor. Every ledger entry posted from the start of `from` (the "
    "first of this month when left out) to the end of `to` (today), in posting order, as CSV "
    "streamed while it is read; `?format=xlsx` gives an Excel workbook. Columns: entry, "
    "posted_at, transaction, kind, reference, account_kind, account, amount, balance_after. "
    "Cells a spreadsheet would run as a formula are prefixed with a quote.",
    parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="YYYY-MM-DD"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="YYYY-MM-DD, on or after `from`"),
        OpenApiParameter("format", str, enum=["csv", "xlsx"], description="csv (default)"),
    ],
    responses={
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The journal as CSV"),
        (
            200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ): OpenApiResponse(OpenApiTypes.BINARY, description="The journal as a workbook"),
        **error_responses(400, 401, 403, 429),
    },
)

PORTFOLIO = extend_schema(
    tags=[TAG],
    summary="Qard hasan portfolio at risk",
    description="finance, loan_officer, auditor. `outstanding`: what active loans still owe; "
    "`par30`/`par90`: the part of it in loans with an installment unpaid more than 30/90 "
    "days; `defaulted`: what defaulted borrowers still owe; `write_offs` and `recoveries`; "
    "each status's count, principal and outstanding balance.",
    responses={200: PortfolioOut, **error_responses(401, 403, 429)},
    examples=[
        OpenApiExample(
            "Portfolio",
            value={
                "as_of": "2026-12-01",
                "outstanding": "42000.00",
                "par30": "3500.00",
                "par90": "1200.00",
                "defaulted": "800.00",
                "write_offs": "1000.00",
                "recoveries": "200.00",
                "by_status": [
                    {
                        "status": "active",
                        "count": 21,
                        "principal": "60000.00",
                        "outstanding": "42000.00",
                    }
                ],
            },
            response_only=True,
        )
    ],
)
