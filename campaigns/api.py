"""Campaigns API: campaigns, their lifecycle, donations and refunds.

Thin: an input serializer checks the shape, a service or selector does the
work, an output serializer answers. Visibility lives in the selectors."""

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors, services
from campaigns.models import (
    DESCRIPTION_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    Campaign,
    Donation,
)
from config.api.fields import MoneyField
from config.api.filters import StrictFilterSet
from config.api.schema import error_responses
from config.api.serializers import InputSerializer
from config.idempotency import IDEMPOTENCY_PARAMETER, idempotent

TAGS = ["campaigns"]
EXAMPLE_CAMPAIGN_ID = "5d1c8f0e-2b7a-4c2e-9a51-7e0f3b6d4a21"
EXAMPLE_DONATION_ID = "9a7e4c1b-3f2d-4e8a-b6c5-0d1e2f3a4b5c"

# --- Serializers -----------------------------------------------------------------------


class CampaignOut(serializers.ModelSerializer):
    target_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    current_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    progress_percentage = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        help_text="current_amount / target_amount * 100, to two places; may pass 100.",
    )
    organizer_name = serializers.CharField(source="organizer.name")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "description",
            "target_amount",
            "current_amount",
            "donor_count",
            "status",
            "start_date",
            "end_date",
            "progress_percentage",
            "organizer_name",
            "created_at",
        ]

    def to_representation(self, campaign: Campaign) -> dict:
        """The declared fields, built in one go: DRF's field-by-field walk (and
        building the fields on every request) was half the cost of a list page
        (docs/benchmarks.md). Values go through DRF's own field formatting; a
        test holds this equal to DRF's generic output."""
        return {
            "id": str(campaign.pk),
            "name": campaign.name,
            "description": campaign.description,
            "target_amount": _AMOUNT.to_representation(campaign.target_amount),
            "current_amount": _AMOUNT.to_representation(campaign.current_amount),
            "donor_count": campaign.donor_count,
            "status": campaign.status,
            "start_date": _DATE.to_representation(campaign.start_date),
            "end_date": _DATE.to_representation(campaign.end_date),
            "progress_percentage": _PERCENT.to_representation(campaign.progress_percentage),
            "organizer_name": campaign.organizer.name,
            "created_at": _DATETIME.to_representation(campaign.created_at),
        }


# The formatting of CampaignOut's fields, built once (see its to_representation).
_AMOUNT = serializers.DecimalField(max_digits=18, decimal_places=2)
_PERCENT = serializers.DecimalField(max_digits=20, decimal_places=2)
_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


class CampaignIn(InputSerializer):
    name = serializers.CharField(min_length=NAME_MIN_LENGTH, max_length=NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    target_amount = MoneyField(max_value=services.MAX_TARGET)
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="Must be after start_date.")


class DonationOut(serializers.ModelSerializer):
    campaign_id = serializers.UUIDField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    donor_name = serializers.SerializerMethodField(
        help_text='"Anonymous" for an anonymous donation, except to the donor and staff.'
    )

    class Meta:
        model = Donation
        fields = [
            "id",
            "campaign_id",
            "amount",
            "message",
            "is_anonymous",
            "donor_name",
            "status",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_donor_name(self, donation: Donation) -> str:
        request = self.context.get("request")
        return donation.donor_name_for(getattr(request, "user", None))

    def to_representation(self, donation: Donation) -> dict:
        """The declared fields in one go, as CampaignOut (a test holds the two equal)."""
        return {
            "id": str(donation.pk),
            "campaign_id": str(donation.campaign_id),
            "amount": _AMOUNT.to_representation(donation.amount),
            "message": donation.message,
            "is_anonymous": donation.is_anonymous,
            "donor_name": self.get_donor_name(donation),
            "status": donation.status,
            "created_at": _DATETIME.to_representation(donation.created_at),
        }


class CampaignDonationIn(InputSerializer):
    amount = MoneyField(max_value=services.MAX_DONATION)
    message = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    is_anonymous = serializers.BooleanField(required=False, default=False)


class DonationIn(CampaignDonationIn):
    campaign_id = serializers.UUIDField()


class DonationRefundIn(InputSerializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, required=False, default="")


# --- Filters -----------------------------------------------------------------------


class CampaignFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Campaign.Status.choices)
    search = filters.CharFilter(method="filter_search", max_length=200, label="Search")

    class Meta:
        model = Campaign
        fields = ["status"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class DonationFilter(StrictFilterSet):
    campaign = filters.UUIDFilter(field_name="campaign_id", label="Campaign id")

    class Meta:
        model = Donation
        fields = ["campaign"]


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
    "status": "completed",
    "created_at": "2026-11-26T12:00:00Z",
}
NOT_ACTIVE = {
    "error": "campaign_not_active",
    "message": "This campaign is completed and is not accepting donations.",
    "request_id": "3d0f6c5e-8e0b-4a5e-9d43-1c2b",
}
SHORT_WALLET = {
    "error": "insufficient_funds",
    "message": "Your wallet balance is too low for this payment.",
    "available_amount": "20.00",
    "required_amount": "50.00",
    "request_id": "3d0f6c5e-8e0b-4a5e-9d43-1c2b",
}


def _donate_responses() -> dict:
    errors = error_responses(400, 401, 402, 404, 409, 429)
    errors[400] = OpenApiResponse(
        response=errors[400].response,
        description="Invalid input, or the campaign is not active or outside its dates.",
        examples=[
            *errors[400].examples,
            OpenApiExample(
                "campaign_not_active", value=NOT_ACTIVE, response_only=True, status_codes=["400"]
            ),
        ],
    )
    errors[402] = OpenApiResponse(
        response=errors[402].response,
        description="The wallet holds less than the amount.",
        examples=[
            OpenApiExample(
                "insufficient_funds", value=SHORT_WALLET, response_only=True, status_codes=["402"]
            )
        ],
    )
    return errors


def _move_errors() -> dict:
    return error_responses(400, 401, 403, 404, 429, e400="invalid_transition")


# --- Views -------------------------------------------------------------------------


def _visible_campaign(request: Request, pk) -> Campaign:
    return selectors.campaign_get_for(user=request.user, pk=pk)


class CampaignListCreate(generics.ListAPIView):
    serializer_class = CampaignOut
    filterset_class = CampaignFilter
    queryset = Campaign.objects.none()

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated()]
        return [AllowAny()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.campaign_list(user=self.request.user)

    @extend_schema(
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
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Start a campaign",
        description="Creates a draft (`status: draft`); staff review and activate it. "
        "Status and amounts in the body are ignored.",
        request=CampaignIn,
        responses={201: CampaignOut, **error_responses(400, 401, 429)},
        examples=[
            OpenApiExample("New campaign", value=CAMPAIGN_IN_EXAMPLE, request_only=True),
            OpenApiExample(
                "Draft created",
                value={
                    **CAMPAIGN_EXAMPLE,
                    "status": "draft",
                    "current_amount": "0.00",
                    "donor_count": 0,
                    "progress_percentage": "0.00",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = CampaignIn(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(organizer=request.user, **data.validated_data)
        return Response(CampaignOut(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetail(APIView):
    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        tags=TAGS,
        summary="One campaign",
        responses={200: CampaignOut, **error_responses(401, 404, 429, e401="token_invalid")},
        examples=[OpenApiExample("Campaign", value=CAMPAIGN_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, campaign_id, *args, **kwargs) -> Response:
        return Response(CampaignOut(_visible_campaign(request, campaign_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a campaign",
        description="The organizer may change a draft; staff may change any campaign. "
        "Only name, description, target_amount and the dates change; the organizer "
        "editing a campaign that is no longer a draft gets 400 `campaign_not_draft`.",
        request=CampaignIn(partial=True),
        responses={
            200: CampaignOut,
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "Raise the target", value={"target_amount": "20000.00"}, request_only=True
            ),
            OpenApiExample(
                "Changed",
                value={
                    **CAMPAIGN_EXAMPLE,
                    "target_amount": "20000.00",
                    "progress_percentage": "31.25",
                },
                response_only=True,
            ),
        ],
    )
    def patch(self, request: Request, campaign_id, *args, **kwargs) -> Response:
        campaign = _visible_campaign(request, campaign_id)
        data = CampaignIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_update(
            campaign=campaign, by=request.user, **data.validated_data
        )
        return Response(CampaignOut(campaign).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a draft campaign",
        description="Only drafts can be deleted (by their organizer or staff); cancel a live one.",
        responses={
            204: OpenApiResponse(description="Deleted."),
            **error_responses(400, 401, 403, 404, 429, e400="campaign_not_draft"),
        },
    )
    def delete(self, request: Request, campaign_id, *args, **kwargs) -> Response:
        services.campaign_delete(campaign=_visible_campaign(request, campaign_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _lifecycle_view(move: str, summary: str, description: str, example_status: str):
    service = getattr(services, f"campaign_{move}")

    class CampaignMove(APIView):
        permission_classes = [IsAdminUser]

        @extend_schema(
            tags=TAGS,
            summary=summary,
            description=description,
            operation_id=f"campaigns_{move}",
            request=None,
            responses={200: CampaignOut, **_move_errors()},
            examples=[
                OpenApiExample(
                    "Moved",
                    value={**CAMPAIGN_EXAMPLE, "status": example_status},
                    response_only=True,
                )
            ],
        )
        def post(self, request: Request, campaign_id, *args, **kwargs) -> Response:
            campaign = _visible_campaign(request, campaign_id)
            return Response(CampaignOut(service(campaign=campaign, by=request.user)).data)

    CampaignMove.__name__ = f"Campaign{move.title()}"
    CampaignMove.__qualname__ = CampaignMove.__name__
    return CampaignMove


CampaignActivate = _lifecycle_view(
    "activate", "Activate a campaign (staff)", "draft → active.", "active"
)
CampaignComplete = _lifecycle_view(
    "complete", "Complete a campaign (staff)", "active → completed.", "completed"
)
CampaignCancel = _lifecycle_view(
    "cancel", "Cancel a campaign (staff)", "draft or active → cancelled.", "cancelled"
)


class CampaignDonations(generics.ListAPIView):
    serializer_class = DonationOut
    queryset = Donation.objects.none()

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated()]
        return [AllowAny()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        campaign = _visible_campaign(self.request, self.kwargs["campaign_id"])
        return selectors.campaign_donation_list(campaign=campaign, user=self.request.user)

    @extend_schema(
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
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Donate to this campaign",
        description="Same as `POST /donations` with the campaign taken from the path.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=CampaignDonationIn,
        responses={201: DonationOut, **_donate_responses()},
        examples=[
            OpenApiExample(
                "Donate",
                value={"amount": "50.00", "message": "For the children.", "is_anonymous": False},
                request_only=True,
            ),
            OpenApiExample(
                "Donated", value=DONATION_EXAMPLE, response_only=True, status_codes=["201"]
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, campaign_id, *args, **kwargs) -> Response:
        data = CampaignDonationIn(data=request.data)
        data.is_valid(raise_exception=True)
        # The service reads the campaign as it locks it (404 if not visible).
        donation = services.donation_create(
            donor=request.user, campaign=campaign_id, **data.validated_data
        )
        return Response(
            DonationOut(donation, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class DonationListCreate(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = DonationOut
    filterset_class = DonationFilter
    queryset = Donation.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.donation_list(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="My donations",
        description="The caller's donations, newest first (staff: everyone's). "
        "`?campaign=<id>` keeps one campaign's.",
        responses={200: DonationOut(many=True), **error_responses(400, 401, 429)},
        examples=[OpenApiExample("Donation", value=DONATION_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAGS,
        summary="Donate to a campaign",
        description="Pays `amount` from the caller's wallet into the campaign's fund. "
        "The campaign must be active and today within its dates "
        "(else 400 `campaign_not_active`); a short wallet is 402 `insufficient_funds` "
        "with `available_amount` and `required_amount`. A receipt is e-mailed and "
        "everyone watching the campaign's websocket gets a `new_donation` message.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=DonationIn,
        responses={201: DonationOut, **_donate_responses()},
        examples=[
            OpenApiExample(
                "Donate",
                value={
                    "campaign_id": EXAMPLE_CAMPAIGN_ID,
                    "amount": "50.00",
                    "message": "For the children.",
                    "is_anonymous": False,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Donated", value=DONATION_EXAMPLE, response_only=True, status_codes=["201"]
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = DonationIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        # The service reads the campaign as it locks it (404 if not visible).
        donation = services.donation_create(
            donor=request.user, campaign=fields.pop("campaign_id"), **fields
        )
        return Response(
            DonationOut(donation, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class DonationDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="One donation",
        description="The donor and staff may read it; anyone else gets 403.",
        responses={200: DonationOut, **error_responses(401, 403, 404, 429)},
        examples=[OpenApiExample("Donation", value=DONATION_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, donation_id, *args, **kwargs) -> Response:
        donation = selectors.donation_get_for(user=request.user, pk=donation_id)
        return Response(DonationOut(donation, context={"request": request}).data)


class DonationRefund(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
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
            **error_responses(400, 401, 403, 404, 429, e400="already_refunded"),
        },
        examples=[
            OpenApiExample(
                "Refund", value={"reason": "Donated twice by mistake"}, request_only=True
            ),
            OpenApiExample(
                "Refunded", value={**DONATION_EXAMPLE, "status": "refunded"}, response_only=True
            ),
        ],
    )
    def post(self, request: Request, donation_id, *args, **kwargs) -> Response:
        donation = selectors.donation_get_for(user=request.user, pk=donation_id)
        data = DonationRefundIn(data=request.data)
        data.is_valid(raise_exception=True)
        donation = services.donation_refund(
            donation=donation, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(DonationOut(donation, context={"request": request}).data)
