"""The OpenAPI side of campaigns/api.py: one `extend_schema` per operation.

Each operation names its pieces here (summary, description, request and
response schemas, examples); errors come from `error_responses` with the domain
errors the services raise, so the documented codes and messages are the
services' own. api.py attaches these with `extend_schema_view`.
"""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from accounts.services import InsufficientFunds
from campaigns.serializers import (
    CampaignCoverIn,
    CampaignDonationIn,
    CampaignIn,
    CampaignOut,
    CampaignUpdateIn,
    CampaignUpdateOut,
    DonationIn,
    DonationOut,
    DonationRefundIn,
)
from campaigns.services import (
    AlreadyRefunded,
    CampaignEditDenied,
    CampaignNotActive,
    CampaignNotDraft,
    CampaignWriteDenied,
    NotZakatEligible,
    RefundNotPossible,
)
from config.api.schema import error_responses
from config.errors import ConflictOfInterest, InvalidTransition
from config.idempotency import IDEMPOTENCY_PARAMETER

TAGS = ["campaigns"]
EXAMPLE_CAMPAIGN_ID = "5d1c8f0e-2b7a-4c2e-9a51-7e0f3b6d4a21"
EXAMPLE_DONATION_ID = "9a7e4c1b-3f2d-4e8a-b6c5-0d1e2f3a4b5c"

# --- Examples ----------------------------------------------------------------------

CAMPAIGN_EXAMPLE = {
    "id": EXAMPLE_CAMPAIGN_ID,
    "name": "Winter blankets for families",
    "description": "Warm blankets and heaters for 300 families before the first frost.",
    "target_amount": "15000.00",
    "current_amount": "6250.00",
    "donor_count": 42,
    "status": "active",
    "start_date": "2026-11-01",
    "end_date": "2027-01-31",
    "progress_percentage": "41.67",
    "organizer_name": "Amina Yusuf",
    "zakat_eligible": True,
    "cover_url": f"/media/campaigns/covers/{EXAMPLE_CAMPAIGN_ID}-20261020091500000000.jpg",
    "cover_thumbnail_url": (
        f"/media/campaigns/covers/{EXAMPLE_CAMPAIGN_ID}-20261020091500000000-thumb.jpg"
    ),
    "created_at": "2026-10-20T09:15:00Z",
}
CAMPAIGN_IN_EXAMPLE = {
    "name": "Winter blankets for families",
    "description": "Warm blankets and heaters for 300 families before the first frost.",
    "target_amount": "15000.00",
    "start_date": "2026-11-01",
    "end_date": "2027-01-31",
}
DONATION_EXAMPLE = {
    "id": EXAMPLE_DONATION_ID,
    "campaign_id": EXAMPLE_CAMPAIGN_ID,
    "amount": "50.00",
    "message": "For the children, may it keep them warm.",
    "is_anonymous": False,
    "donor_name": "Bilal Rahman",
    "designation": "sadaqah",
    "status": "completed",
    "created_at": "2026-11-26T12:00:00Z",
}
DONATE_IN_EXAMPLE = {"amount": "50.00", "message": "For the children.", "is_anonymous": False}


def _response(name: str, value: dict, status: str = "200") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])


def _request(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


DONATE_ERRORS = error_responses(
    400, CampaignNotActive, NotZakatEligible, 401, InsufficientFunds, 404, 409, 429
)
DESIGNATION_RULES = (
    '`designation` is `"sadaqah"` (the default: into the campaign\'s fund) or `"zakat"`: '
    "held apart in the campaign's zakat account and spent only on zakat recipients. Only "
    "a campaign staff marked `zakat_eligible` takes zakat (else 400 `not_zakat_eligible`). "
    "`current_amount` counts both."
)
ZAKAT_DONATE_IN_EXAMPLE = {**DONATE_IN_EXAMPLE, "designation": "zakat"}

# --- Campaigns ---------------------------------------------------------------------

CAMPAIGN_LIST = extend_schema(
    tags=TAGS,
    summary="List campaigns",
    description="Newest first. Drafts appear only for their organizer and staff. "
    "`?status=` filters by status, `?search=` looks in names and descriptions.",
    responses={
        200: CampaignOut(many=True),
        **error_responses(400, 401, 429, e401="token_invalid"),
    },
    examples=[OpenApiExample("Campaign", value=CAMPAIGN_EXAMPLE, response_only=True)],
)

CAMPAIGN_CREATE = extend_schema(
    tags=TAGS,
    summary="Start a campaign",
    description="Creates a draft (`status: draft`); staff review and activate it. "
    "Status and amounts in the body are ignored. A campaign never starts "
    "`zakat_eligible`: staff asking for it on their own campaign get 403 "
    "`conflict_of_interest`, anyone else's value is ignored.",
    request=CampaignIn,
    responses={201: CampaignOut, **error_responses(400, 401, ConflictOfInterest, 429)},
    examples=[
        _request("New campaign", CAMPAIGN_IN_EXAMPLE),
        _response(
            "Draft created",
            {
                **CAMPAIGN_EXAMPLE,
                "status": "draft",
                "current_amount": "0.00",
                "donor_count": 0,
                "progress_percentage": "0.00",
            },
            status="201",
        ),
    ],
)

CAMPAIGN_RETRIEVE = extend_schema(
    tags=TAGS,
    summary="One campaign",
    responses={200: CampaignOut, **error_responses(401, 404, 429, e401="token_invalid")},
    examples=[OpenApiExample("Campaign", value=CAMPAIGN_EXAMPLE, response_only=True)],
)

CAMPAIGN_UPDATE = extend_schema(
    tags=TAGS,
    summary="Change a campaign",
    description="The organizer may change a draft; staff may change any campaign. "
    "Only name, description, target_amount and the dates change; the organizer "
    "editing a campaign that is no longer a draft gets 400 `campaign_not_draft`. "
    "`zakat_eligible` is set only by staff holding `staff.campaign_manage` (audited), "
    "never on their own campaign (403 `conflict_of_interest`); anyone else's value is "
    "ignored.",
    request=CampaignIn(partial=True),
    responses={
        200: CampaignOut,
        **error_responses(
            400, CampaignNotDraft, 401, CampaignWriteDenied, ConflictOfInterest, 404, 429
        ),
    },
    examples=[
        _request("Raise the target", {"target_amount": "20000.00"}),
        OpenApiExample(
            "Changed",
            value={**CAMPAIGN_EXAMPLE, "target_amount": "20000.00", "progress_percentage": "31.25"},
            response_only=True,
        ),
    ],
)

CAMPAIGN_DELETE = extend_schema(
    tags=TAGS,
    summary="Delete a draft campaign",
    description="Only drafts can be deleted (by their organizer or staff); cancel a live one.",
    responses={
        204: OpenApiResponse(description="Deleted."),
        **error_responses(CampaignNotDraft, 401, CampaignWriteDenied, 404, 429),
    },
)


def _campaign_move(move: str, summary: str, description: str, status: str) -> Callable:
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        operation_id=f"campaigns_{move}",
        request=None,
        responses={200: CampaignOut, **error_responses(InvalidTransition, 401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "Moved", value={**CAMPAIGN_EXAMPLE, "status": status}, response_only=True
            )
        ],
    )


CAMPAIGN_ACTIVATE = _campaign_move(
    "activate", "Activate a campaign (staff)", "draft → active.", "active"
)
CAMPAIGN_COMPLETE = _campaign_move(
    "complete", "Complete a campaign (staff)", "active → completed.", "completed"
)
CAMPAIGN_CANCEL = _campaign_move(
    "cancel", "Cancel a campaign (staff)", "draft or active → cancelled.", "cancelled"
)

# --- Donations ---------------------------------------------------------------------

CAMPAIGN_DONATION_LIST = extend_schema(
    tags=TAGS,
    summary="A campaign's donations",
    description='Newest first. Anonymous donors appear as "Anonymous" (their own '
    "donations and staff excepted). Refunded donations are listed for staff only.",
    responses={
        200: DonationOut(many=True),
        **error_responses(400, 401, 404, 429, e401="token_invalid"),
    },
    examples=[
        OpenApiExample(
            "Anonymous donation",
            value={**DONATION_EXAMPLE, "is_anonymous": True, "donor_name": "Anonymous"},
            response_only=True,
        )
    ],
)

CAMPAIGN_DONATE = extend_schema(
    tags=TAGS,
    summary="Donate to this campaign",
    description="Same as `POST /donations` with the campaign taken from the path. "
    + DESIGNATION_RULES,
    parameters=[IDEMPOTENCY_PARAMETER],
    request=CampaignDonationIn,
    responses={201: DonationOut, **DONATE_ERRORS},
    examples=[
        _request("Donate", DONATE_IN_EXAMPLE),
        _request("Give zakat", ZAKAT_DONATE_IN_EXAMPLE),
        _response("Donated", DONATION_EXAMPLE, status="201"),
    ],
)

DONATION_LIST = extend_schema(
    tags=TAGS,
    summary="My donations",
    description="The caller's donations, newest first (staff: everyone's). "
    "`?campaign=<id>` keeps one campaign's, `?designation=sadaqah|zakat` one designation.",
    responses={200: DonationOut(many=True), **error_responses(400, 401, 429)},
    examples=[OpenApiExample("Donation", value=DONATION_EXAMPLE, response_only=True)],
)

DONATION_CREATE = extend_schema(
    tags=TAGS,
    summary="Donate to a campaign",
    description="Pays `amount` from the caller's wallet into the campaign's fund. "
    "The campaign must be active and today within its dates "
    "(else 400 `campaign_not_active`); a short wallet is 402 `insufficient_funds` "
    "with `available_amount` and `required_amount`. A receipt is e-mailed and "
    "everyone watching the campaign's websocket gets a `new_donation` message. "
    + DESIGNATION_RULES,
    parameters=[IDEMPOTENCY_PARAMETER],
    request=DonationIn,
    responses={201: DonationOut, **DONATE_ERRORS},
    examples=[
        _request("Donate", {"campaign_id": EXAMPLE_CAMPAIGN_ID, **DONATE_IN_EXAMPLE}),
        _request("Give zakat", {"campaign_id": EXAMPLE_CAMPAIGN_ID, **ZAKAT_DONATE_IN_EXAMPLE}),
        _response("Donated", DONATION_EXAMPLE, status="201"),
    ],
)

DONATION_RETRIEVE = extend_schema(
    tags=TAGS,
    summary="One donation",
    description="The donor and staff may read it; anyone else gets 403.",
    responses={200: DonationOut, **error_responses(401, 403, 404, 429)},
    examples=[OpenApiExample("Donation", value=DONATION_EXAMPLE, response_only=True)],
)

DONATION_REFUND = extend_schema(
    tags=TAGS,
    summary="Refund a donation (staff)",
    description="Reverses the donation's ledger transaction: the amount goes back to "
    "the donor's wallet, the campaign's totals and donor count drop, the donor is "
    "e-mailed and watchers get a `donation_refunded` message. At most once: "
    "400 `already_refunded` after that. If the fund has already paid the money out, "
    "400 `refund_not_possible`.",
    request=DonationRefundIn,
    responses={
        200: DonationOut,
        **error_responses(400, AlreadyRefunded, RefundNotPossible, 401, 403, 404, 429),
    },
    examples=[
        _request("Refund", {"reason": "Donated twice by mistake"}),
        OpenApiExample(
            "Refunded", value={**DONATION_EXAMPLE, "status": "refunded"}, response_only=True
        ),
    ],
)


# --- Cover image and updates ------------------------------------------------------------

UPDATE_EXAMPLE = {
    "id": "3b9d2f6a-8c1e-4a7b-9d0f-1e2a3b4c5d6e",
    "campaign_id": EXAMPLE_CAMPAIGN_ID,
    "title": "The first 100 blankets are delivered",
    "body": "Thanks to you, 100 families received blankets this week.",
    "author_name": "Amina Yusuf",
    "created_at": "2026-11-28T10:00:00Z",
}

CAMPAIGN_COVER = extend_schema(
    tags=TAGS,
    summary="Set the campaign's cover image",
    description="Multipart field `image`: a JPEG, PNG or WebP of at most 5 MB, decided by "
    "its content (a file named .jpg that is not an image is refused). Images of more "
    "pixels than the server decodes (decompression bombs) are refused. The image is "
    "re-encoded, turned upright and stripped of its metadata (EXIF, GPS), and a "
    "thumbnail is made for lists. The organizer (whatever the status) or a "
    "campaign manager (`staff.campaign_manage`, audited) only. Anything else is a 400 "
    "`validation_error` naming `image`, and nothing is stored.",
    request={"multipart/form-data": CampaignCoverIn},
    responses={
        200: CampaignOut,
        **error_responses(400, 401, CampaignEditDenied, 404, 429),
    },
    examples=[OpenApiExample("Campaign with a cover", value=CAMPAIGN_EXAMPLE, response_only=True)],
)

CAMPAIGN_UPDATE_LIST = extend_schema(
    tags=TAGS,
    summary="A campaign's updates",
    description="News its organizer posted, newest first. Anyone may read the updates "
    "of a campaign they may see (a draft's: its organizer and staff).",
    responses={
        200: CampaignUpdateOut(many=True),
        **error_responses(400, 401, 404, 429, e401="token_invalid"),
    },
    examples=[OpenApiExample("Update", value=UPDATE_EXAMPLE, response_only=True)],
)

CAMPAIGN_UPDATE_CREATE = extend_schema(
    tags=TAGS,
    summary="Post an update on a campaign",
    description="The organizer or a campaign manager (`staff.campaign_manage`, audited "
    "when it is not their own campaign). Each donor of the campaign is e-mailed the "
    "update, one message each.",
    request=CampaignUpdateIn,
    responses={
        201: CampaignUpdateOut,
        **error_responses(400, 401, CampaignEditDenied, 404, 429),
    },
    examples=[
        _request(
            "Update",
            {"title": UPDATE_EXAMPLE["title"], "body": UPDATE_EXAMPLE["body"]},
        ),
        _response("Posted", UPDATE_EXAMPLE, "201"),
    ],
)
