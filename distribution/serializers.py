"""The zakat distribution API's input and output serializers (shape only; the rules
are the services'). They live apart from the handlers so api_docs.py can name them."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import MoneyField
from config.api.serializers import InputSerializer
from distribution.models import (
    HOUSEHOLD_MAX,
    NAME_MAX_LENGTH,
    NEED_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REFERENCE_MAX_LENGTH,
    AsnafCategory,
    ZakatCase,
    ZakatCaseDocument,
    ZakatDisbursement,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


class ZakatCaseDocumentOut(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="The protected download (the applicant and zakat staff only)."
    )

    class Meta:
        model = ZakatCaseDocument
        fields = ["id", "original_name", "content_type", "size", "created_at", "url"]

    def get_url(self, document: ZakatCaseDocument) -> str:
        return f"/zakat/cases/{document.case_id}/documents/{document.pk}/"


class ZakatCaseOut(serializers.ModelSerializer):
    applicant_id = serializers.UUIDField(allow_null=True)
    monthly_income = serializers.DecimalField(**MONEY)
    amount_requested = serializers.DecimalField(**MONEY)
    approved_amount = serializers.DecimalField(**MONEY, allow_null=True)
    disbursed_amount = serializers.DecimalField(**MONEY)
    asnaf_category = serializers.ChoiceField(
        choices=AsnafCategory.choices, allow_null=True, help_text="Null until approved."
    )
    documents = ZakatCaseDocumentOut(many=True, read_only=True)

    class Meta:
        model = ZakatCase
        fields = [
            "id",
            "applicant_id",
            "beneficiary_name",
            "household_size",
            "monthly_income",
            "need_description",
            "amount_requested",
            "asnaf_category",
            "approved_amount",
            "disbursed_amount",
            "status",
            "rejection_reason",
            "created_at",
            "documents",
        ]


class ZakatCaseListOut(ZakatCaseOut):
    """A case in a list: its documents are on the case itself (GET .../{id})."""

    class Meta(ZakatCaseOut.Meta):
        fields = [name for name in ZakatCaseOut.Meta.fields if name != "documents"]


class _CaseFields(serializers.Serializer):
    household_size = serializers.IntegerField(min_value=1, max_value=HOUSEHOLD_MAX)
    monthly_income = MoneyField(min_value=Decimal("0.00"))
    need_description = serializers.CharField(max_length=NEED_MAX_LENGTH)
    amount_requested = MoneyField()
    beneficiary_name = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Zakat officers: the person a case is entered for (no account needed). "
        "Others: defaults to the applicant's name.",
    )


class ZakatCaseCreateIn(InputSerializer, _CaseFields):
    """A JSON application (no documents: send multipart/form-data to attach them)."""


class ZakatCaseCreateMultipartIn(_CaseFields):
    """The same as multipart/form-data, with `documents` (PDF, JPEG, PNG; 5 MB each)."""

    documents = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False), required=False, max_length=10
    )


class ZakatCaseApproveIn(InputSerializer):
    asnaf_category = serializers.ChoiceField(choices=AsnafCategory.choices)
    approved_amount = MoneyField()
    note = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class ZakatCaseRejectIn(InputSerializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class ZakatCaseCloseIn(InputSerializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


@extend_schema_field(
    {"type": "string", "enum": ZakatDisbursement.Source.values, "default": "zakat"},
    component_name="ZakatDisbursementSource",
)
class DisbursementSourceField(serializers.ChoiceField):
    """`zakat`, `fitr` or `campaign`; documented inline (other apps' enums are also
    named Source)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=ZakatDisbursement.Source.choices,
            default=ZakatDisbursement.Source.ZAKAT,
            **kwargs,
        )


class ZakatDisbursementIn(InputSerializer):
    amount = MoneyField()
    method = serializers.ChoiceField(choices=ZakatDisbursement.Method.choices)
    source = DisbursementSourceField(
        help_text="Which zakat fund pays: `zakat` (default), `fitr` or `campaign`.",
    )
    campaign_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Required when `source` is `campaign`."
    )
    reference = serializers.CharField(
        max_length=REFERENCE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="For `external`: the bank transfer or cash receipt reference.",
    )


class CategoryTotalOut(serializers.Serializer):
    category = serializers.ChoiceField(choices=AsnafCategory.choices)
    amount = serializers.DecimalField(**MONEY)
    cases = serializers.IntegerField()


class FundTotalOut(serializers.Serializer):
    fund = serializers.ChoiceField(choices=["zakat", "fitr", "campaign"])
    balance = serializers.DecimalField(**MONEY)
    collected = serializers.DecimalField(**MONEY)
    distributed = serializers.DecimalField(**MONEY)
    overdue_amount = serializers.DecimalField(**MONEY)


class ZakatFundOut(serializers.Serializer):
    balance = serializers.DecimalField(**MONEY)
    hijri_year = serializers.IntegerField()
    collected = serializers.DecimalField(**MONEY, help_text="Received this Hijri year.")
    distributed = serializers.DecimalField(**MONEY, help_text="Paid to cases this Hijri year.")
    by_category = CategoryTotalOut(many=True)
    overdue_amount = serializers.DecimalField(
        **MONEY, help_text="Received over a lunar year ago and still here (first in, first out)."
    )
    oldest_undistributed_date = serializers.DateField(allow_null=True)
    by_fund = FundTotalOut(many=True)


class ZakatTransparencyOut(serializers.Serializer):
    hijri_year = serializers.IntegerField()
    collected = serializers.DecimalField(**MONEY)
    distributed = serializers.DecimalField(**MONEY)
    by_category = CategoryTotalOut(many=True)
