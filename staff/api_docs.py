"""Examples and documented errors of the staff API (the endpoints name them)."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from config.api.schema import ErrorOut

REQUEST_ID = "3d0f6c5e-8e0b-4a5e-9d43-1c2b"
APPROVAL_ID = "5b2d7c1e-9f4a-4e6b-8c3d-1a2b3c4d5e6f"
USER_ID = "1f0e9d8c-7b6a-4c5d-8e9f-0a1b2c3d4e5f"
FINANCE_ID = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d"


def errors(status_code: int, *codes: tuple[str, str]) -> dict[int, OpenApiResponse]:
    """One documented status with an example per error code it can carry."""
    return {
        status_code: OpenApiResponse(
            response=ErrorOut,
            description=" / ".join(code for code, _ in codes),
            examples=[
                OpenApiExample(
                    code,
                    value={"error": code, "message": message, "request_id": REQUEST_ID},
                    response_only=True,
                    status_codes=[str(status_code)],
                )
                for code, message in codes
            ],
        )
    }


E_VALIDATION = ("validation_error", "The request is not valid.")
E_NOT_PENDING = ("approval_not_pending", "This approval has already been decided.")
E_TRANSITION = ("invalid_transition", "That change of status is not allowed.")
E_DENIED = ("permission_denied", "You do not have permission to perform this action.")
E_FOUR_EYES = ("four_eyes_required", "A second person must approve what you requested.")
E_CONFLICT = ("conflict_of_interest", "You cannot act as staff on something of your own.")
E_FUNDS = ("insufficient_funds", "Your wallet balance is too low for this payment.")

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
        "request_id": REQUEST_ID,
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
