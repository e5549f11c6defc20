"""Input and output shapes of the payouts API (the IBAN only ever goes out masked)."""

from rest_framework import serializers

from accounts.models import MONEY
from config.api.fields import MoneyField
from config.api.serializers import InputSerializer
from payouts.models import (
    DESCRIPTION_MAX_LENGTH,
    HOLDER_NAME_MAX_LENGTH,
    PAYEE_MAX_LENGTH,
    Payout,
    PayoutAccount,
)
from payouts.services import AMOUNT_MAX


class PayoutAccountIn(InputSerializer):
    holder_name = serializers.CharField(max_length=HOLDER_NAME_MAX_LENGTH)
    iban = serializers.CharField(
        max_length=64, help_text="Spaces allowed; checked for country, length and checksum."
    )


class PayoutAccountOut(serializers.ModelSerializer):
    iban_masked = serializers.CharField(help_text="Country and last four characters only.")

    class Meta:
        model = PayoutAccount
        fields = ["id", "holder_name", "iban_masked", "created_at"]


class WithdrawalIn(InputSerializer):
    amount = MoneyField(max_value=AMOUNT_MAX)
    payout_account_id = serializers.UUIDField()


class WithdrawalOut(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)
    payout_account_id = serializers.UUIDField(allow_null=True)
    iban_masked = serializers.CharField()

    class Meta:
        model = Payout
        fields = ["id", "amount", "status", "payout_account_id", "iban_masked", "created_at"]


class CampaignPayoutIn(InputSerializer):
    amount = MoneyField(max_value=AMOUNT_MAX)
    payee_name = serializers.CharField(max_length=PAYEE_MAX_LENGTH)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    payout_account_id = serializers.UUIDField(required=False, allow_null=True, default=None)


class CampaignPayoutOut(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)
    campaign_id = serializers.UUIDField()
    payout_account_id = serializers.UUIDField(allow_null=True)
    iban_masked = serializers.CharField()

    class Meta:
        model = Payout
        fields = [
            "id",
            "campaign_id",
            "amount",
            "status",
            "payee_name",
            "description",
            "payout_account_id",
            "iban_masked",
            "created_at",
            "settled_at",
        ]
