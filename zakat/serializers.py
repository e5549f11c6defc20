"""Zakat's serializers: input shapes (amounts as strings or numbers, never floats)
and output bodies, shared by zakat/api.py and the schema pieces in zakat/api_docs.py."""

import re
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import money
from config.api import formatting
from config.api.fields import MoneyField
from config.api.serializers import InputSerializer
from zakat import api_docs as docs
from zakat import calculation, services
from zakat.models import (
    FITR_PEOPLE_MAX,
    HIJRI_YEAR_MAX,
    HIJRI_YEAR_MIN,
    FitrPayment,
    FitrRate,
    MetalPrice,
    ZakatRecord,
)


@extend_schema_field(docs.GRAMS_SCHEMA)
class GramsField(MoneyField):
    """A weight in grams: read like money, with up to 3 places and never negative."""

    default_error_messages = {
        "invalid": "Enter a weight in grams like 85 or 12.5: digits, optionally up to 3 decimals.",
    }
    plain = re.compile(docs.GRAMS_PATTERN)

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_digits", calculation.GRAMS_MAX_DIGITS)
        kwargs.setdefault("decimal_places", calculation.GRAMS_DECIMAL_PLACES)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)


def _optional_money() -> MoneyField:
    return MoneyField(required=False, min_value=Decimal("0"), default=money.ZERO)


def _money_out(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, **kwargs)


# The v1 figures, also a record's. No docstring: it would change the v1 body's schema.
class ZakatCalculateIn(InputSerializer):
    payer_id = serializers.CharField(
        min_length=services.PAYER_REFERENCE_MIN_LENGTH,
        max_length=services.PAYER_REFERENCE_MAX_LENGTH,
        trim_whitespace=True,
    )
    wealth_amount = MoneyField()
    nisab_threshold = MoneyField()


class ZakatCalculateOut(serializers.Serializer):
    payer_id = serializers.CharField()
    wealth_amount = _money_out()
    nisab_threshold = _money_out()
    zakat_amount = _money_out()
    is_obligated = serializers.BooleanField()
    calculation_date = serializers.DateTimeField()

    def to_representation(self, body: dict) -> dict:
        # The fields in one go (as CampaignOut); a test holds it equal to DRF's.
        return {
            "payer_id": str(body["payer_id"]),
            "wealth_amount": formatting.money(body["wealth_amount"]),
            "nisab_threshold": formatting.money(body["nisab_threshold"]),
            "zakat_amount": formatting.money(body["zakat_amount"]),
            "is_obligated": bool(body["is_obligated"]),
            "calculation_date": formatting.datetime(body["calculation_date"]),
        }


class ZakatAssetsIn(InputSerializer):
    cash = _optional_money()
    gold_grams = GramsField(required=False, default=Decimal("0"))
    gold_karat = serializers.IntegerField(
        required=False,
        default=calculation.PURE_GOLD_KARAT,
        min_value=1,
        max_value=calculation.PURE_GOLD_KARAT,
        help_text="Purity of the gold, 1 to 24 (default 24, pure): the gold counted is "
        "gold_grams x gold_karat / 24.",
    )
    silver_grams = GramsField(required=False, default=Decimal("0"))
    investments = _optional_money()
    business_inventory = _optional_money()
    receivables = _optional_money()


class ZakatLiabilitiesIn(InputSerializer):
    short_term_debts = _optional_money()


class ZakatCalculateV2In(InputSerializer):
    assets = ZakatAssetsIn(required=False)
    liabilities = ZakatLiabilitiesIn(required=False)
    nisab_standard = serializers.ChoiceField(
        choices=calculation.NISAB_STANDARDS,
        required=False,
        help_text="Omitted: the platform's ZAKAT_DEFAULT_NISAB (silver unless set).",
    )


class ZakatBreakdownLineOut(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(calculation.LINE_LABELS))
    label = serializers.CharField()
    amount = _money_out(help_text="Signed: debts are negative.")
    quantity = serializers.DecimalField(
        max_digits=calculation.GRAMS_MAX_DIGITS,
        decimal_places=calculation.GRAMS_DECIMAL_PLACES,
        allow_null=True,
        help_text="Grams, metal lines only.",
    )
    unit_price = _money_out(allow_null=True, help_text="Per gram, metal lines only.")


class ZakatOtherStandardOut(serializers.Serializer):
    nisab_standard = serializers.ChoiceField(choices=calculation.NISAB_STANDARDS)
    nisab_threshold = _money_out()
    is_obligated = serializers.BooleanField()


class ZakatCalculateV2Out(serializers.Serializer):
    zakatable_wealth = _money_out()
    nisab_standard = serializers.ChoiceField(choices=calculation.NISAB_STANDARDS)
    nisab_threshold = _money_out()
    gold_price_per_gram = _money_out()
    silver_price_per_gram = _money_out()
    prices_as_of = serializers.DateTimeField()
    zakat_amount = _money_out()
    is_obligated = serializers.BooleanField()
    breakdown = ZakatBreakdownLineOut(many=True)
    other_standard = ZakatOtherStandardOut(
        help_text="The same wealth judged against the other nisab standard."
    )
    prices_stale = serializers.BooleanField(
        help_text="True when the prices in force are older than METAL_PRICES_MAX_AGE_DAYS."
    )


class ZakatMetalPriceIn(InputSerializer):
    gold_price_per_gram = MoneyField(max_value=services.MAX_PRICE_PER_GRAM)
    silver_price_per_gram = MoneyField(max_value=services.MAX_PRICE_PER_GRAM)


class ZakatMetalPriceOut(serializers.ModelSerializer):
    class Meta:
        model = MetalPrice
        fields = [
            "id",
            "currency",
            "gold_price_per_gram",
            "silver_price_per_gram",
            "as_of",
            "source",
        ]


class ZakatNisabOut(serializers.Serializer):
    currency = serializers.CharField()
    gold_price_per_gram = _money_out()
    silver_price_per_gram = _money_out()
    gold_nisab_grams = serializers.CharField()
    silver_nisab_grams = serializers.CharField()
    gold_nisab_threshold = _money_out()
    silver_nisab_threshold = _money_out()
    as_of = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=MetalPrice.Source.choices)


class ZakatRecordOut(serializers.ModelSerializer):
    payer_id = serializers.CharField(source="payer_reference")
    nisab_standard = serializers.CharField(
        help_text="`gold` or `silver` when saved from the itemized calculator; `stated` when "
        "the nisab threshold was given by the payer."
    )
    price_snapshot = ZakatMetalPriceOut(
        allow_null=True, help_text="The metal prices in force when the figures were computed."
    )
    breakdown = ZakatBreakdownLineOut(
        many=True, help_text="The itemized lines when saved from the calculator, else empty."
    )

    class Meta:
        model = ZakatRecord
        fields = [
            "id",
            "payer_id",
            "wealth_amount",
            "nisab_threshold",
            "zakat_amount",
            "is_obligated",
            "nisab_standard",
            "payment_status",
            "calculation_date",
            "price_snapshot",
            "breakdown",
            "created_at",
            "updated_at",
        ]


class ZakatPaymentIn(InputSerializer):
    record_id = serializers.UUIDField()


class ZakatPaymentOut(serializers.Serializer):
    id = serializers.UUIDField()
    record_id = serializers.UUIDField()
    amount = _money_out()
    paid_at = serializers.DateTimeField()
    receipt_number = serializers.CharField(source="receipt_label")


class ZakatHawlIn(InputSerializer):
    start_date = serializers.DateField(
        help_text="The day your wealth first reached the nisab (not in the future)."
    )


class ZakatHawlOut(serializers.Serializer):
    start_date = serializers.DateField(source="started_on")
    start_hijri = serializers.CharField(help_text="Umm al-Qura Hijri date, YYYY-MM-DD.")
    next_due_date = serializers.DateField(
        source="next_due", help_text="The same Hijri day one Hijri year later."
    )
    next_due_hijri = serializers.CharField(help_text="Umm al-Qura Hijri date, YYYY-MM-DD.")


# --- Zakat al-fitr ----------------------------------------------------------------------


class FitrOut(serializers.Serializer):
    hijri_year = serializers.IntegerField()
    amount_per_person = _money_out(allow_null=True, help_text="null until staff set it.")
    currency = serializers.CharField()
    deadline = serializers.DateTimeField(
        help_text="The start of 1 Shawwal of `hijri_year` (Umm al-Qura): payments close then."
    )


class FitrRateIn(InputSerializer):
    hijri_year = serializers.IntegerField(min_value=HIJRI_YEAR_MIN, max_value=HIJRI_YEAR_MAX)
    amount_per_person = MoneyField(max_value=services.MAX_FITR_RATE)


class FitrRateOut(serializers.ModelSerializer):
    amount_per_person = _money_out()

    class Meta:
        model = FitrRate
        fields = ["id", "hijri_year", "amount_per_person", "currency", "created_at", "updated_at"]


class FitrPaymentIn(InputSerializer):
    people = serializers.IntegerField(min_value=1, max_value=FITR_PEOPLE_MAX)


class FitrPaymentOut(serializers.ModelSerializer):
    amount = _money_out()
    amount_per_person = _money_out()
    receipt_number = serializers.CharField(source="receipt_label")

    class Meta:
        model = FitrPayment
        fields = [
            "id",
            "people",
            "amount",
            "hijri_year",
            "receipt_number",
            "paid_at",
            "amount_per_person",
        ]
