"""The OpenAPI side of giving/api.py: one `extend_schema` per operation."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from accounts.services import PaymentUnavailable
from campaigns.serializers import DonationOut
from campaigns.services import CampaignNotActive, NotZakatEligible
from config.api.schema import error_responses
from config.idempotency import IDEMPOTENCY_PARAMETER
from giving.serializers import (
    CheckoutIn,
    CheckoutPendingOut,
    RecurringDonationIn,
    RecurringDonationOut,
    RecurringDonationPatchIn,
    RecurringRunOut,
)
from giving.services import CheckoutFailed, RecurringCancelled

TAGS = ["giving"]
GIFT_ID = "3c9a1e7b-5d2f-4b8e-a6c4-1f0e9d8c7b6a"
CAMPAIGN_ID = "5d1c8f0e-2b7a-4c2e-9a51-7e0f3b6d4a21"

GIFT_EXAMPLE = {
    "id": GIFT_ID,
    "campaign_id": CAMPAIGN_ID,
    "amount": "25.00",
    "frequency": "monthly",
    "designation": "sadaqah",
    "status": "active",
    "next_run_on": "2026-12-03",
    "last_error": "",
    "created_at": "2026-12-03T09:00:00Z",
}
PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF.")}


def _response(name: str, value: dict, status: str = "200") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])


RECURRING_LIST = extend_schema(
    tags=TAGS,
    summary="My recurring gifts",
    responses={200: RecurringDonationOut(many=True), **error_responses(400, 401, 429)},
    examples=[_response("Gift", GIFT_EXAMPLE)],
)
RECURRING_CREATE = extend_schema(
    tags=TAGS,
    summary="Set up a recurring gift",
    description="Given daily, weekly, monthly or on each of the last ten nights of Ramadan "
    "(Ramadan 21 to its last day, Umm al-Qura calendar) by the daily task, through the same "
    "donation service as a gift by hand. A failed run (a short wallet) e-mails the donor; "
    "three failures in a row, or a campaign that no longer takes gifts, pause it.",
    request=RecurringDonationIn,
    responses={
        201: RecurringDonationOut,
        **error_responses(400, 401, 404, 429, CampaignNotActive, NotZakatEligible),
    },
    examples=[
        OpenApiExample(
            "Monthly",
            value={"campaign_id": CAMPAIGN_ID, "amount": "25.00", "frequency": "monthly"},
            request_only=True,
        ),
        _response("Set up", GIFT_EXAMPLE, "201"),
    ],
)
RECURRING_UPDATE = extend_schema(
    tags=TAGS,
    summary="Change the amount, pause or resume a recurring gift",
    request=RecurringDonationPatchIn,
    responses={
        200: RecurringDonationOut,
        **error_responses(400, 401, 403, 404, 429, RecurringCancelled),
    },
    examples=[
        OpenApiExample("Pause", value={"paused": True}, request_only=True),
        _response("Paused", {**GIFT_EXAMPLE, "status": "paused"}),
    ],
)
RECURRING_CANCEL = extend_schema(
    tags=TAGS,
    summary="Cancel a recurring gift",
    responses={204: None, **error_responses(401, 403, 404, 429)},
)
RECURRING_RUNS = extend_schema(
    tags=TAGS,
    summary="A recurring gift's runs",
    description="Newest first; a failed run says why.",
    responses={200: RecurringRunOut(many=True), **error_responses(400, 401, 403, 404, 429)},
    examples=[
        _response(
            "Run",
            {
                "run_on": "2026-12-03",
                "status": "failed",
                "donation_id": None,
                "error": "Your wallet balance is too low for this payment.",
            },
        )
    ],
)
CHECKOUT = extend_schema(
    tags=TAGS,
    summary="Donate by card (checkout)",
    description="Pays a donation by card whatever the wallet holds: a top-up of the amount "
    "through the configured payment gateway carries the donation, and once the payment "
    "succeeds the top-up's credit and the donation commit together. The sandbox approves at "
    "once (201 with the donation); a provider answers 202 with a `redirect_url`, and its "
    "webhook makes the donation, once however often it is delivered.",
    parameters=[IDEMPOTENCY_PARAMETER],
    request=CheckoutIn,
    responses={
        201: DonationOut,
        202: CheckoutPendingOut,
        **error_responses(
            400,
            401,
            404,
            409,
            429,
            CampaignNotActive,
            NotZakatEligible,
            CheckoutFailed,
            PaymentUnavailable,
        ),
    },
    examples=[
        OpenApiExample(
            "Checkout", value={"campaign_id": CAMPAIGN_ID, "amount": "50.00"}, request_only=True
        ),
        _response(
            "Pending",
            {
                "id": GIFT_ID,
                "status": "pending",
                "redirect_url": "https://pay.example/checkout/1",
            },
            "202",
        ),
    ],
)
DONATION_RECEIPT = extend_schema(
    tags=TAGS,
    summary="A donation's receipt as PDF",
    description="The donor and staff (`staff.staff_read`); anyone else 403.",
    responses={**PDF, **error_responses(401, 403, 404, 429)},
)
ZAKAT_RECEIPT = extend_schema(
    tags=TAGS,
    summary="A zakat payment's receipt as PDF",
    description="The payer and staff (`staff.staff_read`); anyone else 403.",
    responses={**PDF, **error_responses(401, 403, 404, 429)},
)
FITR_RECEIPT = extend_schema(
    tags=TAGS,
    summary="A zakat al-fitr payment's receipt as PDF",
    description="The payer and staff (`staff.staff_read`); anyone else 403.",
    responses={**PDF, **error_responses(401, 403, 404, 429)},
)
STATEMENT = extend_schema(
    tags=TAGS,
    summary="My giving statement for a year, as PDF",
    description="Every completed donation, zakat and zakat al-fitr payment of the calendar "
    "year, with totals. A year before 2000 or after this one is 400.",
    responses={**PDF, **error_responses(400, 401, 404, 429)},
)
