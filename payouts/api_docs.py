"""OpenAPI documentation of the payouts API: examples, descriptions, error tables."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from accounts.services import InsufficientFunds
from config.api.schema import error_responses
from config.errors import ConflictOfInterest
from config.idempotency import IDEMPOTENCY_PARAMETER
from payouts.serializers import (
    CampaignPayoutIn,
    CampaignPayoutOut,
    PayoutAccountIn,
    PayoutAccountOut,
    WithdrawalIn,
    WithdrawalOut,
)
from staff.serializers import ApprovalEnvelopeOut

TAG = "payouts"
ACCOUNT_ID = "9d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a"
PAYOUT_ID = "2e4f6a8c-1b3d-4f5e-9a7b-8c6d4e2f0a1b"
CAMPAIGN_ID = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
USER_ID = "1f0e9d8c-7b6a-4c5d-8e9f-0a1b2c3d4e5f"

ACCOUNT_EXAMPLE = {
    "id": ACCOUNT_ID,
    "holder_name": "Amina Yusuf",
    "iban_masked": "DE** **** **** 3000",
    "created_at": "2026-12-01T10:00:00Z",
}
WITHDRAWAL_EXAMPLE = {
    "id": PAYOUT_ID,
    "amount": "250.00",
    "status": "processing",
    "payout_account_id": ACCOUNT_ID,
    "iban_masked": "DE** **** **** 3000",
    "created_at": "2026-12-01T10:05:00Z",
}
CAMPAIGN_PAYOUT_EXAMPLE = {
    "id": PAYOUT_ID,
    "campaign_id": CAMPAIGN_ID,
    "amount": "5000.00",
    "status": "paid",
    "payee_name": "Al-Noor Water Wells Ltd",
    "description": "Second well, invoice 2026-114",
    "payout_account_id": None,
    "iban_masked": "",
    "created_at": "2026-12-01T11:00:00Z",
    "settled_at": "2026-12-01T11:00:01Z",
}


def _approval(kind: str, amount: str, subject: str, subject_id: str, reason: str) -> dict:
    return {
        "approval": {
            "id": "5b2d7c1e-9f4a-4e6b-8c3d-1a2b3c4d5e6f",
            "kind": kind,
            "status": "pending",
            "amount": amount,
            "currency": "USD",
            "subject_type": subject,
            "subject_id": subject_id,
            "requested_by": {"id": USER_ID, "name": "Amina Yusuf"},
            "requested_at": "2026-12-01T11:00:00Z",
            "decided_by": None,
            "decided_at": None,
            "reason": reason,
        }
    }


PAYOUT_ACCOUNT_LIST = extend_schema(
    tags=[TAG],
    summary="My bank accounts",
    description="The caller's saved bank accounts, newest first. IBANs are shown masked only.",
    responses={200: PayoutAccountOut(many=True), **error_responses(400, 401, 429)},
    examples=[OpenApiExample("Accounts", value=ACCOUNT_EXAMPLE, response_only=True)],
)
PAYOUT_ACCOUNT_CREATE = extend_schema(
    tags=[TAG],
    summary="Save a bank account",
    description="The IBAN is checked (country, length, ISO 7064 checksum), stored encrypted "
    "and never shown again except masked. The same IBAN twice is a 400.",
    request=PayoutAccountIn,
    responses={201: PayoutAccountOut, **error_responses(400, 401, 429)},
    examples=[
        OpenApiExample(
            "Save",
            value={"holder_name": "Amina Yusuf", "iban": "DE89 3704 0044 0532 0130 00"},
            request_only=True,
        ),
        OpenApiExample("Saved", value=ACCOUNT_EXAMPLE, response_only=True, status_codes=["201"]),
    ],
)
PAYOUT_ACCOUNT_DELETE = extend_schema(
    tags=[TAG],
    summary="Remove a bank account",
    description="204. An account payouts went to is kept, marked removed, for their record.",
    responses={
        204: OpenApiResponse(description="Removed."),
        **error_responses(401, 403, 404, 429),
    },
)
WITHDRAWAL_LIST = extend_schema(
    tags=[TAG],
    summary="My withdrawals",
    description="Newest first; `?status=` filters.",
    responses={200: WithdrawalOut(many=True), **error_responses(400, 401, 429)},
    examples=[OpenApiExample("Withdrawals", value=WITHDRAWAL_EXAMPLE, response_only=True)],
)
WITHDRAWAL_CREATE = extend_schema(
    tags=[TAG],
    summary="Withdraw from my wallet to my bank account",
    description="The wallet drops at once: the money is held in transit until the payout "
    "provider pays (`paid`) or fails (`failed`, the money back in the wallet). Up to "
    "PAYOUT_APPROVAL_LIMIT it goes to the provider at once (`processing`); above it "
    "finance approves first (`pending_approval`, an approval of kind `withdrawal`; "
    "rejected: `rejected`, the money back). Someone else's bank account is 403.",
    parameters=[IDEMPOTENCY_PARAMETER],
    request=WithdrawalIn,
    responses={
        201: WithdrawalOut,
        **error_responses(400, 401, 403, 404, InsufficientFunds, 409, 429),
    },
    examples=[
        OpenApiExample(
            "Withdraw",
            value={"amount": "250.00", "payout_account_id": ACCOUNT_ID},
            request_only=True,
        ),
        OpenApiExample(
            "On its way", value=WITHDRAWAL_EXAMPLE, response_only=True, status_codes=["201"]
        ),
        OpenApiExample(
            "Above the limit",
            value={**WITHDRAWAL_EXAMPLE, "amount": "1500.00", "status": "pending_approval"},
            response_only=True,
            status_codes=["201"],
        ),
    ],
)
CAMPAIGN_PAYOUT_LIST = extend_schema(
    tags=[TAG],
    summary="A campaign's payouts",
    description="The organizer and staff see them; anyone else 403.",
    responses={200: CampaignPayoutOut(many=True), **error_responses(400, 401, 403, 404, 429)},
    examples=[OpenApiExample("Payouts", value=CAMPAIGN_PAYOUT_EXAMPLE, response_only=True)],
)
CAMPAIGN_PAYOUT_CREATE = extend_schema(
    tags=[TAG],
    summary="Ask for a payout from a campaign's fund",
    description="The organizer, a campaign manager or finance names a payee; the answer is "
    "202 with an approval of kind `campaign_payout` that finance approves (or 201 with the "
    "payout when the kind is not in FOUR_EYES). On execution the campaign's sadaqah fund "
    "pays out through the payout provider; zakat held for the campaign is never touched. "
    "More than the fund holds is 402, when asked and again when approved.",
    request=CampaignPayoutIn,
    responses={
        202: ApprovalEnvelopeOut,
        201: CampaignPayoutOut,
        **error_responses(400, 401, 403, ConflictOfInterest, 404, InsufficientFunds, 429),
    },
    examples=[
        OpenApiExample(
            "Ask",
            value={
                "amount": "5000.00",
                "payee_name": "Al-Noor Water Wells Ltd",
                "description": "Second well, invoice 2026-114",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Waiting for finance",
            value=_approval(
                "campaign_payout",
                "5000.00",
                "campaigns.campaign",
                CAMPAIGN_ID,
                "Pay Al-Noor Water Wells Ltd from the fund of Wells for Tharparkar",
            ),
            response_only=True,
            status_codes=["202"],
        ),
    ],
)
PAYOUT_WEBHOOK = extend_schema(
    tags=[TAG],
    summary="Payout provider webhook",
    description="The provider's signed verdict on a payout: `paid`, or `failed` and the money "
    "goes back. Settles once; repeated or late deliveries change nothing (204). An "
    "unsigned, forged or unknown delivery is 404.",
    request=None,
    responses={204: OpenApiResponse(description="Accepted."), **error_responses(404)},
)
