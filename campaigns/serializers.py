"""The campaigns API's input and output serializers.

Output serializers are what an endpoint answers with; input serializers check
the shape of a request body before a service checks its rules. They live apart
from the handlers so the OpenAPI documentation (api_docs.py) can name them."""

from functools import cached_property

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import MEMO_MAX_LENGTH
from campaigns import services
from campaigns.models import (
    DESCRIPTION_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    NAME_MIN_LENGTH,
    UPDATE_BODY_MAX_LENGTH,
    UPDATE_TITLE_MAX_LENGTH,
    Campaign,
    CampaignUpdate,
    Donation,
)
from config.api import formatting
from config.api.fields import MoneyField
from config.api.serializers import InputSerializer


class CampaignOut(serializers.ModelSerializer):
    target_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    current_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    progress_percentage = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        help_text="current_amount / target_amount * 100, to two places; may pass 100.",
    )
    organizer_name = serializers.CharField(source="organizer.name")
    cover_url = serializers.CharField(
        allow_null=True, help_text="The cover image (re-encoded), or null when there is none."
    )
    cover_thumbnail_url = serializers.CharField(
        allow_null=True, help_text="A small version of the cover for lists, or null."
    )

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
            "zakat_eligible",
            "cover_url",
            "cover_thumbnail_url",
            "created_at",
        ]

    def to_representation(self, campaign: Campaign) -> dict:
        """The declared fields, built in one go: DRF's field-by-field walk (and
        building the fields on every request) was half the cost of a list page
        (docs/benchmarks.md). Values are formatted as DRF's fields format them
        (config.api.formatting); a test holds this equal to DRF's generic output."""
        return {
            "id": str(campaign.pk),
            "name": campaign.name,
            "description": campaign.description,
            "target_amount": formatting.money(campaign.target_amount),
            "current_amount": formatting.money(campaign.current_amount),
            "donor_count": campaign.donor_count,
            "status": campaign.status,
            "start_date": formatting.date(campaign.start_date),
            "end_date": formatting.date(campaign.end_date),
            "progress_percentage": formatting.decimal_string(campaign.progress_percentage, 20, 2),
            "organizer_name": campaign.organizer.name,
            "zakat_eligible": campaign.zakat_eligible,
            "cover_url": campaign.cover_url,
            "cover_thumbnail_url": campaign.cover_thumbnail_url,
            "created_at": formatting.datetime(campaign.created_at, self._time_zone),
        }

    @cached_property
    def _time_zone(self):
        # Once per serializer (one response), not once per row of a list.
        return timezone.get_current_timezone()


class CampaignIn(InputSerializer):
    name = serializers.CharField(min_length=NAME_MIN_LENGTH, max_length=NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    target_amount = MoneyField(max_value=services.MAX_TARGET)
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="Must be after start_date.")
    zakat_eligible = serializers.BooleanField(
        required=False,
        help_text="Whether the campaign takes zakat. Only staff holding "
        "staff.campaign_manage set it; anyone else's value is ignored.",
    )


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
            "designation",
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
            "amount": formatting.money(donation.amount),
            "message": donation.message,
            "is_anonymous": donation.is_anonymous,
            "donor_name": self.get_donor_name(donation),
            "designation": donation.designation,
            "status": donation.status,
            "created_at": formatting.datetime(donation.created_at),
        }


class CampaignDonationIn(InputSerializer):
    amount = MoneyField(max_value=services.MAX_DONATION)
    message = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    is_anonymous = serializers.BooleanField(required=False, default=False)
    designation = serializers.ChoiceField(
        choices=Donation.Designation.choices,
        required=False,
        default=Donation.Designation.SADAQAH,
        help_text='"sadaqah" (default) goes to the campaign\'s fund; "zakat" is held in its '
        "zakat account and spent only on zakat recipients (zakat-eligible campaigns only, "
        "else 400 not_zakat_eligible).",
    )


class DonationIn(CampaignDonationIn):
    campaign_id = serializers.UUIDField()


class DonationRefundIn(InputSerializer):
    reason = serializers.CharField(
        max_length=MEMO_MAX_LENGTH, allow_blank=True, required=False, default=""
    )


class CampaignCoverIn(InputSerializer):
    image = serializers.FileField(
        help_text="A JPEG, PNG or WebP image of at most 5 MB, checked by its content; it "
        "is re-encoded (EXIF and other metadata dropped, turned upright) before it is stored."
    )


class CampaignUpdateIn(InputSerializer):
    title = serializers.CharField(max_length=UPDATE_TITLE_MAX_LENGTH)
    body = serializers.CharField(max_length=UPDATE_BODY_MAX_LENGTH)


class CampaignUpdateOut(serializers.ModelSerializer):
    campaign_id = serializers.UUIDField()
    author_name = serializers.CharField(source="author.name")

    class Meta:
        model = CampaignUpdate
        fields = ["id", "campaign_id", "title", "body", "author_name", "created_at"]
