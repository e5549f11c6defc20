"""Input and output shapes of the giving API."""

from rest_framework import serializers

from campaigns.models import MESSAGE_MAX_LENGTH
from campaigns.services import MAX_DONATION
from config.api.fields import MoneyField
from config.api.serializers import InputSerializer
from giving.models import Checkout, Designation, RecurringDonation, RecurringRun


class RecurringDonationIn(InputSerializer):
    campaign_id = serializers.UUIDField()
    amount = MoneyField(max_value=MAX_DONATION)
    frequency = serializers.ChoiceField(choices=RecurringDonation.Frequency.choices)
    designation = serializers.ChoiceField(
        choices=Designation.choices,
        required=False,
        default=Designation.SADAQAH,
        help_text='"sadaqah" (default) or "zakat" (zakat-eligible campaigns only).',
    )


class RecurringDonationPatchIn(InputSerializer):
    amount = MoneyField(max_value=MAX_DONATION, required=False)
    paused = serializers.BooleanField(
        required=False, help_text="true pauses the gift, false resumes it."
    )


class RecurringDonationOut(serializers.ModelSerializer):
    campaign_id = serializers.UUIDField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        model = RecurringDonation
        fields = [
            "id",
            "campaign_id",
            "amount",
            "frequency",
            "designation",
            "status",
            "next_run_on",
            "last_error",
            "created_at",
        ]


class RecurringRunOut(serializers.ModelSerializer):
    donation_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = RecurringRun
        fields = ["run_on", "status", "donation_id", "error"]


class CheckoutIn(InputSerializer):
    campaign_id = serializers.UUIDField()
    amount = MoneyField(max_value=MAX_DONATION)
    designation = serializers.ChoiceField(
        choices=Designation.choices, required=False, default=Designation.SADAQAH
    )
    message = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    is_anonymous = serializers.BooleanField(required=False, default=False)


class CheckoutPendingOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Checkout.Status.choices)
    redirect_url = serializers.CharField(help_text="Where the payer confirms the card payment.")
