"""OpenAPI documentation of the financing API: examples, descriptions, error tables.

Each endpoint of loans/api.py names its `Operation` here and hands it the
serializers it answers with (`LOAN_APPROVE.schema(LoanOut)`), so api.py reads
as handlers and the examples live in one place. Error answers are built from
the domain errors the services raise (config.api.schema.error_responses), so
their codes and messages cannot drift from the code.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema

from config.api.schema import ErrorSpec, error_responses
from config.errors import ConflictOfInterest, InvalidTransition
from config.idempotency import IDEMPOTENCY_PARAMETER
from loans.services import (
    ContractNotActive,
    LoanNotActive,
    OfferExpired,
    Overpayment,
    RebateTooLarge,
    SaleBackToCustomer,
    WalletNotYours,
)
from staff.errors import ApprovalPending

LOANS_TAG = "loans"
MURABAHA_TAG = "murabaha"

LOAN_ID = "7c1e2a90-3b7d-4f0e-9a55-2f1d0c9e8b11"
CONTRACT_ID = "a4d9f3b2-6c1e-4e8a-b0f7-93e5d2c1a6f0"
USER_ID = "1f0e9d8c-7b6a-4c5d-8e9f-0a1b2c3d4e5f"
STAFF_ID = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"

LOAN_EXAMPLE = {
    "id": LOAN_ID,
    "borrower_id": USER_ID,
    "principal_amount": "1200.00",
    "repaid_amount": "100.00",
    "remaining_balance": "1100.00",
    "status": "active",
    "purpose": "Sewing machine for my tailoring work",
    "repayment_months": 12,
    "disbursement_date": "2026-01-31",
    "created_at": "2026-01-20T09:30:00Z",
    "days_past_due": 0,
}
CONTRACT_EXAMPLE = {
    "id": CONTRACT_ID,
    "customer_id": USER_ID,
    "asset_description": "Refrigerated delivery van",
    "cost_price": "20000.00",
    "markup_amount": "1500.00",
    "sale_price": "21500.00",
    "down_payment": "2000.00",
    "installments_count": 24,
    "paid_amount": "0.00",
    "remaining_balance": "19500.00",
    "status": "offered",
    "created_at": "2026-02-01T10:00:00Z",
    "days_past_due": 0,
    "estimated_cost": "20400.00",
    "supplier_name": "Gulf Commercial Vehicles LLC",
    "invoice_reference": "GCV-2026-00831",
    "possession_date": "2026-02-03",
    "offer_valid_until": "2026-02-11",
    "late_charity_percent": "2.00",
    "profit_recognized": "0.00",
    "profit_deferred": "0.00",
    "rebate_amount": "0.00",
    "charity_pledge_due": "0.00",
}
SCHEDULE_EXAMPLE = [
    {
        "number": 1,
        "due_date": "2026-02-28",
        "amount": "100.00",
        "paid_amount": "100.00",
        "status": "paid",
    },
    {
        "number": 2,
        "due_date": "2026-03-31",
        "amount": "100.00",
        "paid_amount": "0.00",
        "status": "due",
    },
]
# A loan before disbursement: nothing repaid, nothing scheduled yet.
_UNDISBURSED = {"repaid_amount": "0.00", "remaining_balance": "1200.00", "disbursement_date": None}
# A contract before the offer: no markup, no sale price.
_NOT_OFFERED = {
    "markup_amount": None,
    "sale_price": None,
    "remaining_balance": "18000.00",
    "offer_valid_until": None,
    "late_charity_percent": "0.00",
}
# An accepted contract: the markup is deferred and earned as installments are paid.
_ACTIVE = {"status": "active", "profit_recognized": "139.53", "profit_deferred": "1360.47"}


def loan_example(name: str, **changes: Any) -> OpenApiExample:
    return OpenApiExample(
        name, value={**LOAN_EXAMPLE, **changes}, response_only=True, status_codes=["200", "201"]
    )


def contract_example(name: str, **changes: Any) -> OpenApiExample:
    return OpenApiExample(
        name, value={**CONTRACT_EXAMPLE, **changes}, response_only=True, status_codes=["200", "201"]
    )


def approval_example(name: str, *, kind: str, amount: str, subject: str, reason: str):
    """A 202 answer of a four-eyes move: the pending approval (staff's ApprovalOut)."""
    return OpenApiExample(
        name,
        value={
            "approval": {
                "id": "5b2d7c1e-9f4a-4e6b-8c3d-1a2b3c4d5e6f",
                "kind": kind,
                "status": "pending",
                "amount": amount,
                "currency": "USD",
                "subject_type": subject,
                "subject_id": CONTRACT_ID if subject == "loans.murabahacontract" else LOAN_ID,
                "requested_by": {"id": STAFF_ID, "name": "Layla Loans"},
                "requested_at": "2026-01-31T09:00:00Z",
                "decided_by": None,
                "decided_at": None,
                "reason": reason,
            }
        },
        response_only=True,
        status_codes=["202"],
    )


def request_example(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


@dataclass(frozen=True)
class Operation:
    """One endpoint's documentation, less the serializers api.py owns."""

    tag: str
    summary: str
    description: str
    errors: Sequence[ErrorSpec]
    examples: Sequence[OpenApiExample] = ()
    parameters: Sequence[OpenApiParameter] = ()

    def schema(
        self, output: Any, *, request: Any = None, status: int = 200, accepted: Any = None
    ) -> Any:
        """`accepted`: the 202 answer of a four-eyes move (the approval envelope)."""
        answers = {202: accepted} if accepted is not None else {}
        return extend_schema(
            tags=[self.tag],
            summary=self.summary,
            description=self.description,
            parameters=list(self.parameters) or None,
            request=request,
            responses={**answers, status: output, **error_responses(*self.errors)},
            examples=list(self.examples),
        )


_READ_ERRORS = (401, 403, 404, 429)
_LIST_ERRORS = (400, 401, 429)
_MOVE_ERRORS = (InvalidTransition, 401, 403, 404, 429)
_MOVE_WITH_BODY_ERRORS = (400, InvalidTransition, 401, 403, 404, 429)
_STAFF_MOVE = " Staff only; a move the lifecycle does not allow is 400 `invalid_transition`."
# The four-eyes moves: asked (202) or, with the kind left out of FOUR_EYES, done (200).
_FOUR_EYES_ERRORS = (InvalidTransition, ApprovalPending, 401, 403, ConflictOfInterest, 404, 429)


def _four_eyes(kind: str, perm: str, owner: str) -> str:
    return (
        f" **Four-eyes** (kind `{kind}`): the caller (holding `{perm}`) asks, and the answer is "
        '**202** `{"approval": {...}}` with the pending approval; nothing has moved yet. '
        "It happens when a second person holding the checker permission (finance) approves "
        "it (`POST /api/v1/approvals/{id}/approve`). With the kind left out of `FOUR_EYES` "
        f"it happens now and the answer is 200 as shown. The {owner} can neither ask nor "
        "approve (403 `conflict_of_interest`); a move the lifecycle does not allow is 400 "
        "`invalid_transition` already when asking; a second request while one is pending is "
        "400 `approval_pending`."
    )


# --- Qard hasan ------------------------------------------------------------------------

LOAN_LIST = Operation(
    tag=LOANS_TAG,
    summary="List loans",
    description="The caller's loans, newest first (staff: everyone's). Filter by `?status=`.",
    errors=_LIST_ERRORS,
    examples=[loan_example("Active loan")],
)
LOAN_APPLY = Operation(
    tag=LOANS_TAG,
    summary="Apply for a qard hasan loan",
    description="Interest-free: exactly the principal is repaid, with no interest, fee or "
    "markup. `principal_amount` > 0 and ≤ the configured maximum (LOAN_MAX_PRINCIPAL, "
    "default 50000.00); `repayment_months` 1-60. Starts `pending`. Server-computed fields "
    "(`status`, `repaid_amount`...) in the body are ignored.",
    errors=_LIST_ERRORS,
    examples=[
        request_example(
            "Apply",
            {
                "principal_amount": "1200.00",
                "purpose": "Sewing machine for my tailoring work",
                "repayment_months": 12,
            },
        ),
        loan_example("Pending application", status="pending", **_UNDISBURSED),
    ],
)
LOAN_DETAIL = Operation(
    tag=LOANS_TAG,
    summary="One loan",
    description="The borrower and staff may read it; anyone else gets 403.",
    errors=_READ_ERRORS,
    examples=[loan_example("Loan")],
)
LOAN_APPROVE = Operation(
    tag=LOANS_TAG,
    summary="Approve an application",
    description="pending → approved."
    + _STAFF_MOVE
    + " A staff member cannot approve their own application: 403 `permission_denied`.",
    errors=_MOVE_ERRORS,
    examples=[loan_example("Approved", status="approved", **_UNDISBURSED)],
)
LOAN_REJECT = Operation(
    tag=LOANS_TAG,
    summary="Reject an application",
    description="pending or approved (not yet disbursed) → rejected, with an optional "
    "reason. Staff only; otherwise 400 `invalid_transition`.",
    errors=_MOVE_WITH_BODY_ERRORS,
    examples=[
        request_example("Reject", {"reason": "Incomplete application"}),
        loan_example("Rejected", status="rejected", **_UNDISBURSED),
    ],
)
LOAN_DISBURSE = Operation(
    tag=LOANS_TAG,
    summary="Disburse an approved loan",
    description="approved → active: the principal is credited to the borrower's wallet and "
    "the monthly schedule is fixed from today (first installment one month later)."
    + _four_eyes("loan_disbursement", "staff.loan_disburse", "borrower"),
    errors=_FOUR_EYES_ERRORS,
    examples=[
        approval_example(
            "Asked: waiting for a second person",
            kind="loan_disbursement",
            amount="1200.00",
            subject="loans.loan",
            reason="Disburse qard hasan of 1200.00 to amina@example.org over 12 months",
        ),
        loan_example("Disbursed", repaid_amount="0.00", remaining_balance="1200.00"),
    ],
)
LOAN_MARK_DEFAULTED = Operation(
    tag=LOANS_TAG,
    summary="Mark an active loan defaulted",
    description="active → defaulted: the unpaid remainder is written off in the ledger. "
    "Nothing is added to what the borrower owes."
    + _four_eyes("write_off", "staff.loan_mark_defaulted", "borrower"),
    errors=_FOUR_EYES_ERRORS,
    examples=[
        approval_example(
            "Asked: waiting for a second person",
            kind="write_off",
            amount="1100.00",
            subject="loans.loan",
            reason="Write off the 1100.00 amina@example.org has not repaid of a qard hasan",
        ),
        loan_example("Defaulted", status="defaulted", days_past_due=95),
    ],
)
LOAN_SCHEDULE = Operation(
    tag=LOANS_TAG,
    summary="A loan's repayment schedule",
    description="Monthly from the disbursement date; the amounts sum to the principal "
    "exactly (equal cents, the last takes the remainder). Empty before disbursement. "
    "`status`: due, partially_paid, paid or overdue.",
    errors=_READ_ERRORS,
    examples=[OpenApiExample("Schedule", value=SCHEDULE_EXAMPLE, response_only=True)],
)
LOAN_REPAYMENT = Operation(
    tag=LOANS_TAG,
    summary="Repay a loan",
    description="Pays the oldest unpaid installments first; partial payments are fine. "
    "The borrower pays from the wallet (402 when short). Staff may record cash received "
    'with `"source": "external"`; a borrower sending it gets 403. More than the '
    "remaining balance → 400 `overpayment` and nothing is taken; neither active nor "
    "defaulted → 400 `loan_not_active` (after a default a payment is a recovery). At zero "
    "the loan becomes `fully_repaid`. Late payment never adds anything to what is owed. "
    "Only the borrower pays from the wallet (staff asking for it: 403 `wallet_not_yours`).",
    errors=(400, LoanNotActive, Overpayment, 401, 402, 403, WalletNotYours, 404, 409, 429),
    parameters=(IDEMPOTENCY_PARAMETER,),
    examples=[
        request_example("From my wallet", {"payment_amount": "100.00"}),
        request_example(
            "Cash received (staff)", {"payment_amount": "100.00", "source": "external"}
        ),
        loan_example("Repaid in part"),
    ],
)

LOAN_RESCHEDULE = Operation(
    tag=LOANS_TAG,
    summary="Reschedule an active loan (respite, staff)",
    description="What remains is spread again over `repayment_months` new monthly "
    "installments from today (the last takes the remainder); paid installments stay. "
    "Nothing is ever added to what is owed (Qur'an 2:280). Staff holding "
    "`staff.loan_decide`; not on their own loan (403 `conflict_of_interest`); not active "
    "→ 400 `invalid_transition`.",
    errors=(400, InvalidTransition, 401, 403, ConflictOfInterest, 404, 429),
    examples=[
        request_example("Spread over more months", {"repayment_months": 18}),
        loan_example("Rescheduled", repayment_months=19),
    ],
)


# --- Murabaha --------------------------------------------------------------------------

CONTRACT_LIST = Operation(
    tag=MURABAHA_TAG,
    summary="List murabaha contracts",
    description="The caller's contracts, newest first (staff: everyone's). `?status=`.",
    errors=_LIST_ERRORS,
    examples=[contract_example("Offered contract")],
)
CONTRACT_REQUEST = Operation(
    tag=MURABAHA_TAG,
    summary="Request a murabaha",
    description="Ask the institution to buy an asset and sell it to you at its cost plus a "
    "disclosed markup, paid in installments. `cost_price` > 0, `down_payment` ≥ 0 and "
    "below the cost, `installments_count` 1-60. Starts `requested`.",
    errors=_LIST_ERRORS,
    examples=[
        request_example(
            "Request",
            {
                "asset_description": "Refrigerated delivery van",
                "cost_price": "20000.00",
                "installments_count": 24,
                "down_payment": "2000.00",
            },
        ),
        contract_example("Requested", status="requested", **_NOT_OFFERED),
    ],
)
CONTRACT_DETAIL = Operation(
    tag=MURABAHA_TAG,
    summary="One murabaha contract",
    description="The customer and staff may read it; anyone else gets 403.",
    errors=_READ_ERRORS,
    examples=[contract_example("Contract")],
)
CONTRACT_ACQUIRE = Operation(
    tag=MURABAHA_TAG,
    summary="Record the purchase of the asset (staff)",
    description="requested → asset_acquired: the institution has really bought the asset "
    "from a supplier and holds it (AAOIFI SS 8: possession before sale). The body records "
    "the supplier, the invoice's actual cost, its reference and the date of possession "
    "(today or earlier); `cost_price` becomes the actual cost, so the offer is made on it "
    "(the customer's estimate stays in `estimated_cost`). A supplier who is the customer "
    "(same normalised name or e-mail) would be a sale back to the customer ('inah): 400 "
    "`sale_back_to_customer`. The approval's params carry the purchase and are checked "
    "again when it is executed."
    + _four_eyes("murabaha_purchase", "staff.murabaha_acquire", "customer"),
    errors=(400, SaleBackToCustomer, *_FOUR_EYES_ERRORS),
    examples=[
        request_example(
            "Purchase",
            {
                "supplier_name": "Gulf Commercial Vehicles LLC",
                "actual_cost": "20000.00",
                "invoice_reference": "GCV-2026-00831",
                "possession_date": "2026-02-03",
            },
        ),
        approval_example(
            "Asked: waiting for a second person",
            kind="murabaha_purchase",
            amount="20000.00",
            subject="loans.murabahacontract",
            reason="Buy from Gulf Commercial Vehicles LLC (invoice GCV-2026-00831) for "
            "amina@example.org: Refrigerated delivery van",
        ),
        contract_example("Acquired", status="asset_acquired", **_NOT_OFFERED),
    ],
)
CONTRACT_OFFER = Operation(
    tag=MURABAHA_TAG,
    summary="Offer the asset at cost plus a markup (staff)",
    description="asset_acquired → offered; `sale_price = cost_price + markup_amount` on the "
    "actual cost. The institution must own the asset first: an offer before acquire is 400 "
    "`invalid_transition`. The offer stands until `valid_until` (default 7 days; not in "
    "the past). An optional late-payment charity undertaking (`late_charity_percent`, 0 to "
    "10, of each overdue installment) may be agreed now: what it asks is shown as "
    "`charity_pledge_due` and paid to the charity fund, never to income (AAOIFI SS 3).",
    errors=_MOVE_WITH_BODY_ERRORS,
    examples=[
        request_example("Offer", {"markup_amount": "1500.00"}),
        request_example(
            "Offer with an expiry and a charity undertaking",
            {"markup_amount": "1500.00", "valid_until": "2026-02-11", "late_charity_percent": "2"},
        ),
        contract_example("Offered"),
    ],
)
CONTRACT_ACCEPT = Operation(
    tag=MURABAHA_TAG,
    summary="Accept the offer (customer)",
    description="offered → active, until the offer's `offer_valid_until` (later: 400 "
    "`offer_expired`). The sale price is fixed from now on; the markup is booked as "
    "deferred profit and earned pro rata as payments come in (FAS 28); the down payment "
    "is taken from the wallet (402 when short, and then nothing changes) and earns its "
    "share; the schedule over sale - down payment is fixed from today. Only the customer "
    "may accept (403).",
    errors=(InvalidTransition, OfferExpired, 401, 402, 403, 404, 429),
    examples=[contract_example("Accepted", **_ACTIVE)],
)
CONTRACT_MARK_DEFAULTED = Operation(
    tag=MURABAHA_TAG,
    summary="Mark an active contract defaulted (staff)",
    description="active → defaulted: what remains is written off; its unearned markup "
    "leaves the deferred profit (never income). Nothing is added to what the customer "
    "owes; payments after it are accepted as recoveries."
    + _four_eyes("write_off", "staff.loan_mark_defaulted", "customer"),
    errors=_FOUR_EYES_ERRORS,
    examples=[
        approval_example(
            "Asked: waiting for a second person",
            kind="write_off",
            amount="19500.00",
            subject="loans.murabahacontract",
            reason="Write off the 19500.00 amina@example.org has not paid of a murabaha",
        ),
        contract_example("Defaulted", status="defaulted", days_past_due=95),
    ],
)
CONTRACT_REBATE = Operation(
    tag=MURABAHA_TAG,
    summary="Grant an early-settlement rebate, ibra' (staff)",
    description="A discretionary rebate on an active contract: never promised in the "
    "contract (AAOIFI SS 8), at most the deferred profit (else 400 `rebate_too_large`, "
    "checked when asking and again when executing). Executed, it lowers what the customer "
    "owes (from the last installment backwards) and the deferred profit; income is "
    "untouched." + _four_eyes("rebate", "staff.loan_rebate", "customer"),
    errors=(400, RebateTooLarge, *_FOUR_EYES_ERRORS),
    examples=[
        request_example("Rebate", {"amount": "300.00"}),
        approval_example(
            "Asked: waiting for a second person",
            kind="rebate",
            amount="300.00",
            subject="loans.murabahacontract",
            reason="Rebate (ibra') of 300.00 to amina@example.org on a murabaha",
        ),
        contract_example(
            "Rebated",
            **_ACTIVE,
            rebate_amount="300.00",
            remaining_balance="19200.00",
        ),
    ],
)
CONTRACT_RESCHEDULE = Operation(
    tag=MURABAHA_TAG,
    summary="Reschedule an active contract (respite, staff)",
    description="What remains is spread again over `installments_count` new monthly "
    "installments from today (the last takes the remainder); paid installments stay. "
    "Nothing is ever added: the sale price and the markup stay as agreed (Qur'an 2:280). "
    "Staff holding `staff.loan_decide`; not on their own contract (403 "
    "`conflict_of_interest`); not active → 400 `invalid_transition`.",
    errors=(400, InvalidTransition, 401, 403, ConflictOfInterest, 404, 429),
    examples=[
        request_example("Spread over more months", {"installments_count": 36}),
        contract_example("Rescheduled", **_ACTIVE, installments_count=36),
    ],
)
CONTRACT_CHARITY_PAYMENT = Operation(
    tag=MURABAHA_TAG,
    summary="Pay the late-payment charity pledge",
    description="Pays what the late-payment charity undertaking asks (`charity_pledge_due`) "
    "into the charity fund, which only gives to charity: it is never the institution's "
    "income (AAOIFI SS 3). More than is due → 400 `overpayment`. The customer pays from "
    'the wallet; staff record only cash received (`"source": "external"`); staff asking '
    "for the customer's wallet get 403 `wallet_not_yours`.",
    errors=(400, ContractNotActive, Overpayment, 401, 402, 403, WalletNotYours, 404, 409, 429),
    parameters=(IDEMPOTENCY_PARAMETER,),
    examples=[
        request_example("Pay the pledge", {"amount": "16.25"}),
        contract_example("Pledge paid", **_ACTIVE),
    ],
)
CONTRACT_CANCEL = Operation(
    tag=MURABAHA_TAG,
    summary="Cancel before acceptance (customer or staff)",
    description="requested, asset_acquired or offered → cancelled. No money moves; an "
    "asset already bought stays with the institution for resale.",
    errors=_MOVE_ERRORS,
    examples=[contract_example("Cancelled", status="cancelled")],
)
CONTRACT_SCHEDULE = Operation(
    tag=MURABAHA_TAG,
    summary="A contract's installment schedule",
    description="Monthly from the acceptance date, summing to sale - down payment exactly. "
    "Empty before acceptance.",
    errors=_READ_ERRORS,
    examples=[OpenApiExample("Schedule", value=SCHEDULE_EXAMPLE, response_only=True)],
)
CONTRACT_PAYMENT = Operation(
    tag=MURABAHA_TAG,
    summary="Pay installments",
    description="As a loan repayment: oldest installment first, 402 when the wallet is "
    "short, `overpayment` refused whole, `contract_not_active` unless active or defaulted "
    "(a payment after a default is a recovery), external cash by staff only (403 "
    "otherwise), and only the customer pays from the wallet (staff: 403 "
    "`wallet_not_yours`). Each payment earns its share of the markup (deferred * paid / "
    "still owed; the last one the rest). At zero the contract is `completed`. No late "
    "charge, ever: a late-payment charity undertaking is paid separately, to charity.",
    errors=(400, ContractNotActive, Overpayment, 401, 402, 403, WalletNotYours, 404, 409, 429),
    parameters=(IDEMPOTENCY_PARAMETER,),
    examples=[
        request_example("Pay", {"amount": "812.50"}),
        contract_example(
            "Paid in part", **_ACTIVE, paid_amount="812.50", remaining_balance="18687.50"
        ),
    ],
)
