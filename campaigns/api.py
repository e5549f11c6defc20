"""Campaigns API: campaigns, their lifecycle, donations and refunds.

Thin: an input serializer checks the shape, a service or selector does the
work, an output serializer answers. Loading and authorizing one object is the
`*_get_for` selectors' job, who may act the services'; the OpenAPI side of
every operation is in api_docs.py."""

from uuid import UUID

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_view
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import api_docs as docs
from campaigns import selectors, services
from campaigns.models import Campaign, CampaignUpdate, Donation
from campaigns.serializers import (
    CampaignDonationIn,
    CampaignIn,
    CampaignOut,
    CampaignUpdateIn,
    CampaignUpdateOut,
    DonationIn,
    DonationOut,
    DonationRefundIn,
)
from config.api.filters import StrictFilterSet
from config.api.lists import SelectorListView
from config.api.moves import MoveView
from config.api.parsers import JSONParser
from config.idempotency import idempotent
from staff.permissions import HasPerm

# --- Filters -----------------------------------------------------------------------


class CampaignFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Campaign.Status.choices)
    search = filters.CharFilter(
        method="filter_search", max_length=selectors.SEARCH_MAX_LENGTH, label="Search"
    )

    class Meta:
        model = Campaign
        fields = ["status"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class DonationFilter(StrictFilterSet):
    campaign = filters.UUIDFilter(field_name="campaign_id", label="Campaign id")
    designation = filters.ChoiceFilter(choices=Donation.Designation.choices)

    class Meta:
        model = Donation
        fields = ["campaign", "designation"]


# --- Campaigns ---------------------------------------------------------------------


class _SignedInToPost:
    """A public list that a signed-in user adds to."""

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [IsAuthenticated()]
        return [AllowAny()]


@extend_schema_view(get=docs.CAMPAIGN_LIST, post=docs.CAMPAIGN_CREATE)
class CampaignListCreate(_SignedInToPost, SelectorListView):
    serializer_class = CampaignOut
    filterset_class = CampaignFilter
    queryset = Campaign.objects.none()

    def select(self) -> QuerySet[Campaign]:
        return selectors.campaign_list(user=self.request.user)

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = CampaignIn(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(organizer=request.user, **data.validated_data)
        return Response(CampaignOut(campaign).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=docs.CAMPAIGN_RETRIEVE, patch=docs.CAMPAIGN_UPDATE, delete=docs.CAMPAIGN_DELETE
)
class CampaignDetail(APIView):
    def get_permissions(self) -> list[BasePermission]:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        return Response(CampaignOut(selectors.campaign_get_for(user=request.user, pk=pk)).data)

    def patch(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        campaign = selectors.campaign_get_for(user=request.user, pk=pk)
        data = CampaignIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_update(
            campaign=campaign, by=request.user, **data.validated_data
        )
        return Response(CampaignOut(campaign).data)

    def delete(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        campaign = selectors.campaign_get_for(user=request.user, pk=pk)
        services.campaign_delete(campaign=campaign, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _CampaignMove(MoveView):
    """A staff move of a campaign's status; the service checks `by` again."""

    permission_classes = [HasPerm("staff.campaign_manage")]
    selector = selectors.campaign_get_for
    subject = "campaign"
    output_serializer = CampaignOut


@extend_schema_view(post=docs.CAMPAIGN_ACTIVATE)
class CampaignActivate(_CampaignMove):
    service = services.campaign_activate


@extend_schema_view(post=docs.CAMPAIGN_COMPLETE)
class CampaignComplete(_CampaignMove):
    service = services.campaign_complete


@extend_schema_view(post=docs.CAMPAIGN_CANCEL)
class CampaignCancel(_CampaignMove):
    service = services.campaign_cancel


@extend_schema_view(post=docs.CAMPAIGN_COVER)
class CampaignCover(APIView):
    """Multipart `image`. No input serializer before the service: who may act is
    decided before the upload is looked at (someone else's campaign is 403
    whatever they send), and the service names every bad upload under `image`."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, JSONParser]

    def post(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        campaign = selectors.campaign_get_for(user=request.user, pk=pk)
        image = request.FILES.get("image")
        campaign = services.campaign_cover_set(campaign=campaign, by=request.user, image=image)
        return Response(CampaignOut(campaign).data)


@extend_schema_view(get=docs.CAMPAIGN_UPDATE_LIST, post=docs.CAMPAIGN_UPDATE_CREATE)
class CampaignUpdates(_SignedInToPost, SelectorListView):
    serializer_class = CampaignUpdateOut
    queryset = CampaignUpdate.objects.none()

    def select(self) -> QuerySet[CampaignUpdate]:
        campaign = selectors.campaign_get_for(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.campaign_update_list(campaign=campaign)

    def post(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        campaign = selectors.campaign_get_for(user=request.user, pk=pk)
        data = CampaignUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.campaign_update_create(
            campaign=campaign, by=request.user, **data.validated_data
        )
        return Response(CampaignUpdateOut(update).data, status=status.HTTP_201_CREATED)


# --- Donations ---------------------------------------------------------------------


def _donated(request: Request, donation: Donation) -> Response:
    body = DonationOut(donation, context={"request": request}).data
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(get=docs.CAMPAIGN_DONATION_LIST, post=docs.CAMPAIGN_DONATE)
class CampaignDonations(_SignedInToPost, SelectorListView):
    serializer_class = DonationOut
    queryset = Donation.objects.none()

    def select(self) -> QuerySet[Donation]:
        campaign = selectors.campaign_get_for(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.campaign_donation_list(campaign=campaign, user=self.request.user)

    @idempotent
    def post(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        data = CampaignDonationIn(data=request.data)
        data.is_valid(raise_exception=True)
        # The service loads the campaign as it locks it (404 if not visible).
        donation = services.donation_create(donor=request.user, campaign=pk, **data.validated_data)
        return _donated(request, donation)


@extend_schema_view(get=docs.DONATION_LIST, post=docs.DONATION_CREATE)
class DonationListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = DonationOut
    filterset_class = DonationFilter
    queryset = Donation.objects.none()

    def select(self) -> QuerySet[Donation]:
        return selectors.donation_list(user=self.request.user)

    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = DonationIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        # The service loads the campaign as it locks it (404 if not visible).
        donation = services.donation_create(
            donor=request.user, campaign=fields.pop("campaign_id"), **fields
        )
        return _donated(request, donation)


@extend_schema_view(get=docs.DONATION_RETRIEVE)
class DonationDetail(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        donation = selectors.donation_get_for(user=request.user, pk=pk)
        return Response(DonationOut(donation, context={"request": request}).data)


@extend_schema_view(post=docs.DONATION_REFUND)
class DonationRefund(MoveView):
    """Staff only (the view's gate, and the service's own check of `by`)."""

    permission_classes = [HasPerm("staff.donation_refund")]
    selector = selectors.donation_get_for
    service = services.donation_refund
    subject = "donation"
    input_serializer = DonationRefundIn
    output_serializer = DonationOut
