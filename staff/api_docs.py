"""The OpenAPI side of staff/api.py: one `extend_schema` per operation.

Each operation names its pieces here (summary, description, request and
response schemas, examples); errors come from `error_responses` with the domain
errors the services raise (staff/errors.py and the ledger's), so the documented
codes and messages are the services' own. api.py attaches these with
`extend_schema_view`.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema

from accounts.services import InsufficientFunds
from config.api.schema import REQUEST_ID_EXAMPLE, error_responses
from config.errors import InvalidTransition
from staff.errors import ApprovalNotPending, ConflictOfInterest, FourEyesRequired
from staff.serializers import (
    ApprovalEnvelopeOut,
    ApprovalOut,
    AuditEventOut,
    MfaResetIn,
    RejectIn,
    RoleOut,
    UserRolesIn,
    UserRolesOut,
    WalletAdjustmentIn,
    WalletAdjustmentOut,
)

TAGS = ["staff"]
APPROVAL_ID = "5b2d7c1e-9f4a-4e6b-8c3d-1a2b3c4d5e6f"
USER_ID = "1f0e9d8c-7b6a-4c5d-8e9f-0a1b2c3d4e5f"
FINANCE_ID = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d"

# --- Examples ----------------------------------------------------------------------

_APPROVAL = {
    "id": APPROVAL_ID,
    "kind": "wallet_adjustment",
    "status": "pending",
    "amount": "-25.00",
    "currency": "USD",
    "subject_type": "accounts.user",
    "subject_id": USER_ID,
    "requested_by": {"id": FINANCE_ID, "name": "Farida Finance"},
    "requested_at": "2026-12-01T09:30:00Z",
    "decided_by": None,
    "decided_at": None,
    "reason": "Duplicate top-up credited twice by the provider",
}


def approval_example(name: str, *, status_code: str = "200", **changes) -> OpenApiExample:
    return OpenApiExample(
        name, value={**_APPROVAL, **changes}, response_only=True, status_codes=[status_code]
    )


EXECUTED = {
    "status": "executed",
    "decided_by": {"id": USER_ID.replace("1f", "2e", 1), "name": "Samir Second"},
    "decided_at": "2026-12-01T10:02:00Z",
}
REJECTED = {**EXECUTED, "status": "rejected"}

APPROVAL_PENDING_202 = OpenApiExample(
    "Waiting for a second person",
    value={"approval": _APPROVAL},
    response_only=True,
    status_codes=["202"],
)

ROLES_EXAMPLE = OpenApiExample(
    "Roles",
    value=[
        {
            "name": "auditor",
            "description": "Reads every staff list, report and the audit trail; can write nothing.",
            "permissions": ["staff.audit_read", "staff.staff_read", "loans.view_loan"],
        }
    ],
    response_only=True,
)

USER_ROLES_EXAMPLE = OpenApiExample(
    "Roles set",
    value={
        "id": USER_ID,
        "email": "farida@ose.example",
        "name": "Farida Finance",
        "is_staff": True,
        "roles": ["finance"],
    },
    response_only=True,
)

AUDIT_EXAMPLE = OpenApiExample(
    "Approval executed",
    value={
        "id": 4812,
        "at": "2026-12-01T10:02:00Z",
        "actor_id": FINANCE_ID,
        "actor_email": "samir@ose.example",
        "action": "approval.executed",
        "subject_type": "accounts.user",
        "subject_id": USER_ID,
        "request_id": REQUEST_ID_EXAMPLE,
        "changes": {
            "approval_id": APPROVAL_ID,
            "kind": "wallet_adjustment",
            "amount": "-25.00",
            "status": ["pending", "executed"],
        },
        "reason": "Duplicate top-up credited twice by the provider",
    },
    response_only=True,
)


# --- Roles -------------------------------------------------------------------------

ROLE_LIST = extend_schema(
    tags=TAGS,
    summary="The staff roles",
    description="Each role with what it may do and its permissions (`app.codename`). "
    "Staff holding staff.staff_read (every role) only.",
    responses={200: RoleOut(many=True), **error_responses(401, 403, 429)},
    examples=[ROLES_EXAMPLE],
)

USER_ROLES_SET = extend_schema(
    tags=TAGS,
    summary="Set a person's roles",
    description="Administrators only. The list replaces the person's roles; any role "
    "makes them staff, `[]` removes staff. Your own roles: 403 `conflict_of_interest`; "
    "an unknown role: 400. Audited (`roles.set`).",
    request=UserRolesIn,
    responses={
        200: UserRolesOut,
        **error_responses(400, 401, 403, ConflictOfInterest, 404, 429),
    },
    examples=[
        OpenApiExample("Make finance", value={"roles": ["finance"]}, request_only=True),
        USER_ROLES_EXAMPLE,
    ],
)

# --- Approvals ---------------------------------------------------------------------

APPROVAL_LIST = extend_schema(
    tags=TAGS,
    summary="List approvals",
    description="Every request waiting for (or decided by) a second person, newest "
    "first. Filter by `?status=` and `?kind=`. Staff only.",
    responses={200: ApprovalOut(many=True), **error_responses(400, 401, 403, 429)},
    examples=[approval_example("Pending adjustment")],
)

APPROVAL_RETRIEVE = extend_schema(
    tags=TAGS,
    summary="One approval",
    responses={200: ApprovalOut, **error_responses(401, 403, 404, 429)},
    examples=[approval_example("Pending adjustment")],
)

APPROVAL_APPROVE = extend_schema(
    tags=TAGS,
    summary="Approve and execute",
    description="A second person holding the kind's checker permission (finance for "
    "money) approves; the action happens in the same transaction, exactly once. The "
    "requester: 403 `four_eyes_required`; the subject's owner: 403 "
    "`conflict_of_interest`; already decided: 400 `approval_not_pending`. When a rule "
    "of the action fails now (402 `insufficient_funds`, 400 `invalid_transition`...) "
    "that error is the answer and the approval stays `pending`.",
    request=None,
    responses={
        200: ApprovalOut,
        **error_responses(
            ApprovalNotPending,
            InvalidTransition,
            400,
            InsufficientFunds,
            403,
            FourEyesRequired,
            ConflictOfInterest,
            401,
            404,
            429,
        ),
    },
    examples=[approval_example("Executed", **EXECUTED)],
)

APPROVAL_REJECT = extend_schema(
    tags=TAGS,
    summary="Reject, or withdraw your own request",
    description="A checker rejects, or the requester withdraws; nothing of the action "
    "happens. A reason is required.",
    request=RejectIn,
    responses={
        200: ApprovalOut,
        **error_responses(ApprovalNotPending, 400, 403, ConflictOfInterest, 401, 404, 429),
    },
    examples=[
        OpenApiExample(
            "Reject", value={"reason": "The top-up was not doubled."}, request_only=True
        ),
        approval_example("Rejected", **REJECTED),
    ],
)

# --- Wallet adjustments ------------------------------------------------------------

WALLET_ADJUSTMENT_CREATE = extend_schema(
    tags=TAGS,
    summary="Request a wallet adjustment",
    description="Finance only. `amount` is signed and not zero (positive credits), at "
    "most WALLET_ADJUSTMENT_MAX (default 10000.00) either way; a reason is required; "
    "nobody adjusts their own wallet (403 `conflict_of_interest`). Answers 202 with the "
    "approval a second finance person approves; with `wallet_adjustment` left out of "
    "FOUR_EYES the adjustment is posted at once (201).",
    request=WalletAdjustmentIn,
    responses={
        202: ApprovalEnvelopeOut,
        201: WalletAdjustmentOut,
        **error_responses(400, InsufficientFunds, 403, ConflictOfInterest, 401, 429),
    },
    examples=[
        OpenApiExample(
            "Debit a double credit",
            value={
                "user_id": USER_ID,
                "amount": "-25.00",
                "reason": "Duplicate top-up credited twice by the provider",
            },
            request_only=True,
        ),
        APPROVAL_PENDING_202,
    ],
)

MFA_RESET_CREATE = extend_schema(
    tags=TAGS,
    summary="Request the reset of someone's second factor",
    description="Administrators only. For a staff member who lost their authenticator "
    "and recovery codes: their authenticator and codes are removed when another "
    "administrator approves (kind `mfa_reset`, 202), and they enrol again at their next "
    "sign-in. Nobody resets their own (403 `conflict_of_interest`). With `mfa_reset` left "
    "out of FOUR_EYES the reset happens at once (204).",
    request=MfaResetIn,
    responses={
        202: ApprovalEnvelopeOut,
        204: None,
        **error_responses(400, 401, 403, ConflictOfInterest, 404, 429),
    },
    examples=[
        OpenApiExample(
            "Lost phone",
            value={"reason": "Phone stolen; identity checked in person by the branch manager"},
            request_only=True,
        ),
        OpenApiExample(
            "Pending",
            value={
                "approval": {
                    **_APPROVAL,
                    "kind": "mfa_reset",
                    "amount": None,
                    "currency": "",
                    "reason": "Phone stolen; identity checked in person by the branch manager",
                }
            },
            response_only=True,
            status_codes=["202"],
        ),
    ],
)

# --- Audit trail -------------------------------------------------------------------

AUDIT_EVENT_LIST = extend_schema(
    tags=TAGS,
    summary="The audit trail",
    description="Who did what to which thing, newest first: every staff write and "
    "every money movement. Auditors and administrators only. Filter by `?actor=` (user "
    "id), `?action=` and `?subject_id=`.",
    responses={200: AuditEventOut(many=True), **error_responses(400, 401, 403, 429)},
    examples=[AUDIT_EXAMPLE],
)
