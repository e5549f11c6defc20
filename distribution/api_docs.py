"""OpenAPI documentation of the zakat distribution API: examples, descriptions, errors.

Each endpoint of distribution/api.py names its `Operation` here and hands it its
serializers; error answers are built from the domain errors the services raise."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema

from accounts.services import InsufficientFunds
from config.api.schema import ErrorSpec, error_responses
from config.errors import ConflictOfInterest, InvalidTransition
from distribution.services import AmilShareExceeded, ExceedsApprovedAmount

TAG = "zakat-distribution"
CASE_ID = "0b8f5a2c-4e1d-4c7a-9f3e-6d2b1a0c9e87"
USER_ID = "1f0e9d8c-7b6a-4c5d-8e9f-0a1b2c3d4e5f"
STAFF_ID = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"

CASE_EXAMPLE = {
    "id": CASE_ID,
    "applicant_id": USER_ID,
    "beneficiary_name": "Amina Yusuf",
    "household_size": 4,
    "monthly_income": "350.00",
    "need_description": "Rent arrears after losing my job; three children at school.",
    "amount_requested": "1200.00",
    "asnaf_category": "gharimin",
    "approved_amount": "1000.00",
    "disbursed_amount": "0.00",
    "status": "approved",
    "rejection_reason": "",
    "created_at": "2026-11-20T09:30:00Z",
    "documents": [
        {
            "id": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
            "original_name": "tenancy-letter.pdf",
            "content_type": "application/pdf",
            "size": 48213,
            "created_at": "2026-11-20T09:30:00Z",
            "url": f"/zakat/cases/{CASE_ID}/documents/9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d/",
        }
    ],
}
_SUBMITTED = {
    "asnaf_category": None,
    "approved_amount": None,
    "status": "submitted",
}
BY_CATEGORY = [
    {"category": "fuqara", "amount": "5400.00", "cases": 6},
    {"category": "masakin", "amount": "3100.00", "cases": 4},
    {"category": "amilin", "amount": "1200.00", "cases": 1},
    {"category": "muallafah", "amount": "0.00", "cases": 0},
    {"category": "riqab", "amount": "0.00", "cases": 0},
    {"category": "gharimin", "amount": "2000.00", "cases": 2},
    {"category": "fi_sabilillah", "amount": "0.00", "cases": 0},
    {"category": "ibn_sabil", "amount": "300.00", "cases": 1},
]


def case_example(name: str, **changes: Any) -> OpenApiExample:
    return OpenApiExample(
        name, value={**CASE_EXAMPLE, **changes}, response_only=True, status_codes=["200", "201"]
    )


def request_example(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


APPROVAL_EXAMPLE = OpenApiExample(
    "Disbursement awaiting a second person",
    value={
        "approval": {
            "id": "5b2d7c1e-9f4a-4e6b-8c3d-1a2b3c4d5e6f",
            "kind": "zakat_disbursement",
            "status": "pending",
            "amount": "500.00",
            "currency": "USD",
            "subject_type": "distribution.zakatcase",
            "subject_id": CASE_ID,
            "requested_by": {"id": STAFF_ID, "name": "Zaid Zakat"},
            "requested_at": "2026-11-21T10:00:00Z",
            "decided_by": None,
            "decided_at": None,
            "reason": "Zakat (gharimin) of 500.00 to Amina Yusuf by wallet",
        }
    },
    response_only=True,
    status_codes=["202"],
)


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str
    errors: Sequence[ErrorSpec]
    examples: Sequence[OpenApiExample] = ()
    parameters: Sequence[OpenApiParameter] = ()

    def schema(
        self, output: Any, *, request: Any = None, status: int = 200, accepted: Any = None
    ) -> Any:
        answers = {202: accepted} if accepted is not None else {}
        return extend_schema(
            tags=[TAG],
            summary=self.summary,
            description=self.description,
            parameters=list(self.parameters) or None,
            request=request,
            responses={**answers, status: output, **error_responses(*self.errors)},
            examples=list(self.examples),
        )


_STAFF_MOVE_ERRORS = (400, InvalidTransition, 401, 403, ConflictOfInterest, 404, 429)

CASE_LIST = Operation(
    summary="List zakat cases",
    description="The caller's own applications, newest first; zakat staff (zakat_officer, "
    "finance, auditor) see every case. Filter by `?status=`.",
    errors=(400, 401, 429),
    examples=[
        OpenApiExample(
            "Approved case",
            value={k: v for k, v in CASE_EXAMPLE.items() if k != "documents"},
            response_only=True,
        )
    ],
)
CASE_CREATE = Operation(
    summary="Apply for zakat",
    description="`household_size` 1-50, `monthly_income` ≥ 0, `need_description`, "
    "`amount_requested` > 0. Starts `submitted`. Send `multipart/form-data` to attach "
    "supporting `documents` (PDF, JPEG or PNG, checked by content, 5 MB each); they are "
    "kept out of every public URL and served only to the applicant and zakat staff. A "
    "zakat officer may enter a case for someone without an account by naming "
    "`beneficiary_name`: `applicant_id` is then null.",
    errors=(400, 401, 403, 429),
    examples=[
        request_example(
            "Apply",
            {
                "household_size": 4,
                "monthly_income": "350.00",
                "need_description": "Rent arrears after losing my job.",
                "amount_requested": "1200.00",
            },
        ),
        case_example("Submitted", **_SUBMITTED, documents=[]),
    ],
)
CASE_DETAIL = Operation(
    summary="One zakat case",
    description="For its applicant and zakat staff; anyone else gets 403.",
    errors=(401, 403, 404, 429),
    examples=[case_example("Approved case")],
)
CASE_APPROVE = Operation(
    summary="Approve a zakat case",
    description="zakat_officer: submitted → `approved` under one of the eight categories of "
    "Qur'an 9:60 (`fuqara, masakin, amilin, muallafah, riqab, gharimin, fi_sabilillah, "
    "ibn_sabil`) with an approved amount. Not on one's own case (403 "
    "`conflict_of_interest`); any other status → 400 `invalid_transition`.",
    errors=_STAFF_MOVE_ERRORS,
    examples=[
        request_example(
            "Approve",
            {"asnaf_category": "gharimin", "approved_amount": "1000.00", "note": "Rent letter"},
        ),
        case_example("Approved"),
    ],
)
CASE_REJECT = Operation(
    summary="Reject a zakat case",
    description="zakat_officer: submitted → `rejected`; the applicant sees the reason.",
    errors=_STAFF_MOVE_ERRORS,
    examples=[
        request_example("Reject", {"reason": "Household income is above the nisab."}),
        case_example(
            "Rejected",
            **{**_SUBMITTED, "status": "rejected"},
            rejection_reason="Household income is above the nisab.",
        ),
    ],
)
CASE_CLOSE = Operation(
    summary="Close an approved zakat case",
    description="zakat_officer: approved → `closed` when the rest of the approved amount "
    "will not be paid; what remains stays in the fund for others.",
    errors=_STAFF_MOVE_ERRORS,
    examples=[case_example("Closed", status="closed", disbursed_amount="500.00")],
)
CASE_DISBURSE = Operation(
    summary="Pay an approved zakat case",
    description="zakat_officer asks; **four-eyes** (kind `zakat_disbursement`): the answer is "
    '**202** `{"approval": {...}}` and the money moves when a second person holding '
    "`staff.approve_zakat_disbursement` (finance) approves it (`POST "
    "/api/v1/approvals/{id}/approve`), every rule checked again then under lock. With the "
    "kind left out of `FOUR_EYES` it is paid now (200, the case). `method`: `wallet` (the "
    "applicant's wallet; a case without an account can only be paid `external`) or "
    "`external` (paid outside the platform, with a `reference`). `source`: `zakat` "
    "(default), `fitr` or `campaign` (with `campaign_id`); only zakat funds ever pay. More "
    "than approved - disbursed → 400 `exceeds_approved_amount`; the fund short → 402; "
    "`amilin` beyond ZAKAT_AMIL_SHARE (default 12.5 %) of this Hijri year's collected zakat "
    "→ 400 `amil_share_exceeded`. Fully paid → `disbursed`; the applicant is e-mailed.",
    errors=(
        400,
        ExceedsApprovedAmount,
        AmilShareExceeded,
        InvalidTransition,
        401,
        InsufficientFunds,
        403,
        ConflictOfInterest,
        404,
        429,
    ),
    examples=[
        request_example("Pay to the wallet", {"amount": "500.00", "method": "wallet"}),
        request_example(
            "Pay from the fitr fund, outside",
            {"amount": "80.00", "method": "external", "source": "fitr", "reference": "TRX-1182"},
        ),
        APPROVAL_EXAMPLE,
        case_example("Paid at once (not in FOUR_EYES)", disbursed_amount="500.00"),
    ],
)
FUND = Operation(
    summary="The zakat funds",
    description="finance, zakat_officer, auditor. From the ledger entries of the zakat funds "
    "(zakat, zakat al-fitr, zakat given to campaigns; `by_fund` per fund): the balance, this "
    "Hijri year's (Umm al-Qura) collections and distributions, each category's total, and "
    "the ageing: `overdue_amount` is zakat received more than one lunar year ago (before "
    "the same Hijri date a year earlier) still undistributed, first in, first out.",
    errors=(401, 403, 429),
    examples=[
        OpenApiExample(
            "Fund",
            value={
                "balance": "18250.00",
                "hijri_year": 1448,
                "collected": "30000.00",
                "distributed": "12000.00",
                "by_category": BY_CATEGORY,
                "overdue_amount": "1500.00",
                "oldest_undistributed_date": "2025-11-02",
                "by_fund": [
                    {
                        "fund": "zakat",
                        "balance": "16000.00",
                        "collected": "27000.00",
                        "distributed": "11000.00",
                        "overdue_amount": "1500.00",
                    },
                    {
                        "fund": "fitr",
                        "balance": "250.00",
                        "collected": "1000.00",
                        "distributed": "750.00",
                        "overdue_amount": "0.00",
                    },
                    {
                        "fund": "campaign",
                        "balance": "2000.00",
                        "collected": "2000.00",
                        "distributed": "250.00",
                        "overdue_amount": "0.00",
                    },
                ],
            },
            response_only=True,
        )
    ],
)
TRANSPARENCY = Operation(
    summary="Where zakat went this year",
    description="Public: this Hijri year's zakat collected and distributed, and each of the "
    "eight categories' total and number of cases. Totals only, never a name. (A bad bearer "
    "token is still a 401.)",
    errors=(401, 429),
    examples=[
        OpenApiExample(
            "This year",
            value={
                "hijri_year": 1448,
                "collected": "30000.00",
                "distributed": "12000.00",
                "by_category": BY_CATEGORY,
            },
            response_only=True,
        )
    ],
)
