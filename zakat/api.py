"""Zakat API: calculation (v1 and v2), metal prices, nisab, records and payments.

Thin: an input serializer for the shape, a service or selector, an output serializer.
The domain rules live in zakat.calculation and zakat.services."""

import re
from decimal import Decimal

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import money
from config.api.fields import MoneyField
from config.api.filters import StrictFilterSet
from config.api.pagination import CursorPagination
from config.api.schema import error_responses
from config.api.serializers import InputSerializer
from config.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from zakat import calculation, selectors, services
from zakat.models import MetalPrice, ZakatRecord

TAGS = ["zakat"]
RULES = (
    "**Rules.** Nisab is 85 g of gold or 595 g of silver at the price in force. Zakat is "
    "2.5% of the whole zakatable wealth when it reaches the nisab (inclusive: wealth equal "
    "to the nisab is obligated), rounded half-up to the cent once, at the end; below the "
    "nisab it is 0.00. Zakat falls due one lunar year (hawl, 354 days) after the wealth "
    "first reached the nisab."
)
EXAMPLE_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
MAX_AMOUNT = Decimal("9999999999999999.99")


# --- Fields and serializers -----------------------------------------------------------

_PLAIN_GRAMS = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,3})?$")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,3})?$", "example": "85.000"},
            {"type": "number", "minimum": 0, "example": 85},
        ],
        "description": "A weight in grams, 0 or more, at most 3 decimals, as a string or a number.",
    }
)
class GramsField(serializers.DecimalField):
    """A weight in grams: a plain decimal, at most 3 places, 0 or more."""

    default_error_messages = {
        "invalid": "Enter a weight in grams like 85 or 12.5: digits, optionally up to 3 decimals.",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 3)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int, Decimal)):
            self.fail("invalid")
        text = str(data).strip()
        if not _PLAIN_GRAMS.match(text):
            if re.match(r"^[0-9]+\.[0-9]{4,}$", text):
                self.fail("max_decimal_places", max_decimal_places=self.decimal_places)
            self.fail("invalid")
        return super().to_internal_value(text)


def _optional_money() -> MoneyField:
    return MoneyField(required=False, min_value=Decimal("0"), default=money.ZERO)


class ZakatCalculateIn(InputSerializer):
    payer_id = serializers.CharField(min_length=5, max_length=50, trim_whitespace=True)
    wealth_amount = MoneyField()
    nisab_threshold = MoneyField()


class ZakatCalculateOut(serializers.Serializer):
    payer_id = serializers.CharField()
    wealth_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    nisab_threshold = serializers.DecimalField(max_digits=18, decimal_places=2)
    zakat_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    is_obligated = serializers.BooleanField()
    calculation_date = serializers.DateTimeField()


class ZakatAssetsIn(InputSerializer):
    cash = _optional_money()
    gold_grams = GramsField(required=False, default=Decimal("0"))
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
        choices=calculation.NISAB_STANDARDS, required=False, default=calculation.GOLD
    )


class ZakatBreakdownLineOut(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(calculation.LINE_LABELS))
    label = serializers.CharField()
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Signed: debts are negative."
    )
    quantity = serializers.DecimalField(
        max_digits=15, decimal_places=3, allow_null=True, help_text="Grams, metal lines only."
    )
    unit_price = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text="Per gram, metal lines only."
    )


class ZakatCalculateV2Out(serializers.Serializer):
    zakatable_wealth = serializers.DecimalField(max_digits=18, decimal_places=2)
    nisab_standard = serializers.ChoiceField(choices=calculation.NISAB_STANDARDS)
    nisab_threshold = serializers.DecimalField(max_digits=18, decimal_places=2)
    gold_price_per_gram = serializers.DecimalField(max_digits=18, decimal_places=2)
    silver_price_per_gram = serializers.DecimalField(max_digits=18, decimal_places=2)
    prices_as_of = serializers.DateTimeField()
    zakat_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    is_obligated = serializers.BooleanField()
    breakdown = ZakatBreakdownLineOut(many=True)


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
    gold_price_per_gram = serializers.DecimalField(max_digits=18, decimal_places=2)
    silver_price_per_gram = serializers.DecimalField(max_digits=18, decimal_places=2)
    gold_nisab_grams = serializers.CharField()
    silver_nisab_grams = serializers.CharField()
    gold_nisab_threshold = serializers.DecimalField(max_digits=18, decimal_places=2)
    silver_nisab_threshold = serializers.DecimalField(max_digits=18, decimal_places=2)
    as_of = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=MetalPrice.Source.choices)


class ZakatRecordIn(InputSerializer):
    payer_id = serializers.CharField(min_length=5, max_length=50, trim_whitespace=True)
    wealth_amount = MoneyField()
    nisab_threshold = MoneyField()


class ZakatPriceSnapshotOut(serializers.ModelSerializer):
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
        ref_name = "ZakatPriceSnapshot"


class ZakatRecordOut(serializers.ModelSerializer):
    payer_id = serializers.CharField(source="payer_reference")
    nisab_standard = serializers.CharField(
        help_text="`gold` or `silver` when saved from the itemized calculator; `stated` when "
        "the nisab threshold was given by the payer."
    )
    price_snapshot = ZakatPriceSnapshotOut(
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
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    paid_at = serializers.DateTimeField()
    receipt_number = serializers.CharField(source="receipt_label")


# --- Examples -------------------------------------------------------------------------

PRICE_EXAMPLE = {
    "id": EXAMPLE_ID,
    "currency": "USD",
    "gold_price_per_gram": "95.00",
    "silver_price_per_gram": "1.10",
    "as_of": "2026-11-26T09:00:00Z",
    "source": "manual",
}
RECORD_EXAMPLE = {
    "id": EXAMPLE_ID,
    "payer_id": "amina-2026",
    "wealth_amount": "10000.00",
    "nisab_threshold": "5000.00",
    "zakat_amount": "250.00",
    "is_obligated": True,
    "nisab_standard": "stated",
    "payment_status": "pending",
    "calculation_date": "2026-11-26T12:00:00Z",
    "price_snapshot": PRICE_EXAMPLE,
    "breakdown": [],
    "created_at": "2026-11-26T12:00:00Z",
    "updated_at": "2026-11-26T12:00:00Z",
}
RECORD_IN_EXAMPLE = OpenApiExample(
    "Record",
    value={"payer_id": "amina-2026", "wealth_amount": "10000.00", "nisab_threshold": "5000.00"},
    request_only=True,
)
NOT_PENDING = {
    "e400": "record_not_pending",
}


def _not_pending_response() -> dict:
    return {
        400: OpenApiResponse(
            response=error_responses(400)[400].response,
            description="Invalid input (`validation_error`), or the record is no longer "
            "pending (`record_not_pending`).",
            examples=[
                OpenApiExample(
                    "validation_error",
                    value={
                        "error": "validation_error",
                        "message": "The request is not valid.",
                        "request_id": "3d0f6c5e-8e0b-4a5e-9d43-1c2b",
                        "details": {
                            "wealth_amount": ["Ensure this value is greater than or equal to 0.01."]
                        },
                    },
                    response_only=True,
                    status_codes=["400"],
                ),
                OpenApiExample(
                    "record_not_pending",
                    value={
                        "error": "record_not_pending",
                        "message": services.RecordNotPending.default_message,
                        "request_id": "3d0f6c5e-8e0b-4a5e-9d43-1c2b",
                    },
                    response_only=True,
                    status_codes=["400"],
                ),
            ],
        )
    }


# --- Calculation ----------------------------------------------------------------------


class ZakatCalculateV1View(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="zakat_calculate_v1",
        summary="Calculate zakat (stated nisab)",
        description="Saves nothing. The caller states its wealth and the nisab threshold to "
        "use; `is_obligated` is true when `wealth_amount >= nisab_threshold` and `zakat_amount` "
        "is then 2.5% of `wealth_amount`, rounded half-up to the cent (else 0.00).\n\n" + RULES,
        request=ZakatCalculateIn,
        responses={200: ZakatCalculateOut, **error_responses(400, 401, 429)},
        examples=[
            OpenApiExample(
                "Above the nisab",
                value={
                    "payer_id": "amina-2026",
                    "wealth_amount": "10000.00",
                    "nisab_threshold": "5000.00",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Obligated",
                value={
                    "payer_id": "amina-2026",
                    "wealth_amount": "10000.00",
                    "nisab_threshold": "5000.00",
                    "zakat_amount": "250.00",
                    "is_obligated": True,
                    "calculation_date": "2026-11-26T12:00:00Z",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatCalculateIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = calculation.calculate_simple(
            wealth_amount=v["wealth_amount"], nisab_threshold=v["nisab_threshold"]
        )
        body = {
            "payer_id": v["payer_id"],
            "wealth_amount": result.wealth_amount,
            "nisab_threshold": result.nisab_threshold,
            "zakat_amount": result.zakat_amount,
            "is_obligated": result.is_obligated,
            "calculation_date": timezone.now(),
        }
        return Response(ZakatCalculateOut(body).data)


def v2_body(result: calculation.ItemizedResult, snapshot: MetalPrice) -> dict:
    return {
        "zakatable_wealth": money.quantize(result.zakatable_wealth),
        "nisab_standard": result.nisab_standard,
        "nisab_threshold": money.quantize(result.nisab_threshold),
        "gold_price_per_gram": result.gold_price_per_gram,
        "silver_price_per_gram": result.silver_price_per_gram,
        "prices_as_of": snapshot.as_of,
        "zakat_amount": result.zakat_amount,
        "is_obligated": result.is_obligated,
        "breakdown": services.breakdown_json(result),
    }


class ZakatCalculateV2View(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="zakat_calculate_v2",
        summary="Calculate zakat, itemized (nisab from current metal prices)",
        description="Saves nothing. Every field is optional and 0 or more (money: 2 places; "
        "grams: up to 3). Zakatable wealth = `cash` (cash and bank balances) + `gold_grams` x "
        "gold price per gram + `silver_grams` x silver price per gram + `investments` + "
        "`business_inventory` + `receivables` (expected to be paid) - `short_term_debts` "
        "(due now), never below zero. Each of these seven lines is in `breakdown`, in that "
        "order, with its signed amount (metal lines also show grams and the price used). "
        "`nisab_standard` is `gold` (default, 85 g) or `silver` (595 g) at the newest price "
        "snapshot, shown as `prices_as_of`; without any snapshot the answer is 503 "
        "`prices_unavailable`. Breakdown amounts are rounded to cents for display; the "
        "total is computed from exact values and zakat is rounded once.\n\n" + RULES,
        request=ZakatCalculateV2In,
        responses={
            200: ZakatCalculateV2Out,
            **error_responses(400, 401, 429, 503),
        },
        examples=[
            OpenApiExample(
                "Savings and gold, silver standard",
                value={
                    "assets": {"cash": "4000.00", "gold_grams": "20", "silver_grams": "0"},
                    "liabilities": {"short_term_debts": "500.00"},
                    "nisab_standard": "silver",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Obligated",
                value={
                    "zakatable_wealth": "5400.00",
                    "nisab_standard": "silver",
                    "nisab_threshold": "654.50",
                    "gold_price_per_gram": "95.00",
                    "silver_price_per_gram": "1.10",
                    "prices_as_of": "2026-11-26T09:00:00Z",
                    "zakat_amount": "135.00",
                    "is_obligated": True,
                    "breakdown": [
                        {
                            "code": "cash",
                            "label": "Cash and bank balances",
                            "amount": "4000.00",
                            "quantity": None,
                            "unit_price": None,
                        },
                        {
                            "code": "gold",
                            "label": "Gold",
                            "amount": "1900.00",
                            "quantity": "20.000",
                            "unit_price": "95.00",
                        },
                        {
                            "code": "silver",
                            "label": "Silver",
                            "amount": "0.00",
                            "quantity": "0.000",
                            "unit_price": "1.10",
                        },
                        {
                            "code": "investments",
                            "label": "Investments (shares, funds)",
                            "amount": "0.00",
                            "quantity": None,
                            "unit_price": None,
                        },
                        {
                            "code": "business_inventory",
                            "label": "Business inventory at market value",
                            "amount": "0.00",
                            "quantity": None,
                            "unit_price": None,
                        },
                        {
                            "code": "receivables",
                            "label": "Receivables expected to be paid",
                            "amount": "0.00",
                            "quantity": None,
                            "unit_price": None,
                        },
                        {
                            "code": "short_term_debts",
                            "label": "Short-term debts due now (deducted)",
                            "amount": "-500.00",
                            "quantity": None,
                            "unit_price": None,
                        },
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatCalculateV2In(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result, snapshot = services.calculate_itemized(
            assets=calculation.Assets(**v.get("assets", {})),
            liabilities=calculation.Liabilities(**v.get("liabilities", {})),
            nisab_standard=v["nisab_standard"],
        )
        return Response(ZakatCalculateV2Out(v2_body(result, snapshot)).data)


# --- Metal prices and nisab -----------------------------------------------------------


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class AsOfPagination(CursorPagination):
    ordering = ("-as_of", "-created_at")


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="Metal price snapshots",
        description="Newest first; the first one is the snapshot in force. Prices are per gram "
        "in the platform currency. `source` is `manual` (entered by staff) or `feed` "
        "(fetched from METAL_PRICES_URL).",
        responses={
            200: ZakatMetalPriceOut(many=True),
            **error_responses(400, 401, 429, e401="token_invalid"),
        },
        examples=[OpenApiExample("Snapshot", value=PRICE_EXAMPLE, response_only=True)],
    ),
    post=extend_schema(
        tags=TAGS,
        summary="Enter current metal prices (staff)",
        description="Staff only. Stores a `manual` snapshot as of now; it is in force at once "
        "and sets the nisab (85 g gold / 595 g silver) for the v2 calculation.",
        request=ZakatMetalPriceIn,
        responses={201: ZakatMetalPriceOut, **error_responses(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "Prices",
                value={"gold_price_per_gram": "95.00", "silver_price_per_gram": "1.10"},
                request_only=True,
            ),
            OpenApiExample("Stored", value=PRICE_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    ),
)
class ZakatMetalPriceListCreate(generics.ListAPIView):
    permission_classes = [IsStaffOrReadOnly]
    serializer_class = ZakatMetalPriceOut

    def get_permissions(self):
        # AllowAny itself for reads, so the schema documents them as public.
        if self.request.method in permissions.SAFE_METHODS:
            return [AllowAny()]
        return super().get_permissions()

    pagination_class = AsOfPagination
    queryset = MetalPrice.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.metal_price_list()

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatMetalPriceIn(data=request.data)
        data.is_valid(raise_exception=True)
        snapshot = services.metal_price_create(**data.validated_data, created_by=request.user)
        return Response(ZakatMetalPriceOut(snapshot).data, status=status.HTTP_201_CREATED)


class ZakatNisabView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        summary="The nisab in force",
        description="The newest price snapshot and both thresholds: 85 g of gold and 595 g "
        "of silver at its prices. 503 `prices_unavailable` until a snapshot exists.\n\n" + RULES,
        responses={200: ZakatNisabOut, **error_responses(401, 429, 503, e401="token_invalid")},
        examples=[
            OpenApiExample(
                "Nisab",
                value={
                    "currency": "USD",
                    "gold_price_per_gram": "95.00",
                    "silver_price_per_gram": "1.10",
                    "gold_nisab_grams": "85",
                    "silver_nisab_grams": "595",
                    "gold_nisab_threshold": "8075.00",
                    "silver_nisab_threshold": "654.50",
                    "as_of": "2026-11-26T09:00:00Z",
                    "source": "manual",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        snapshot = services.prices_in_force()
        prices = {
            "gold_price_per_gram": snapshot.gold_price_per_gram,
            "silver_price_per_gram": snapshot.silver_price_per_gram,
        }
        body = {
            "currency": snapshot.currency,
            **prices,
            "gold_nisab_grams": str(calculation.GOLD_NISAB_GRAMS),
            "silver_nisab_grams": str(calculation.SILVER_NISAB_GRAMS),
            "gold_nisab_threshold": calculation.nisab_threshold(standard="gold", **prices),
            "silver_nisab_threshold": calculation.nisab_threshold(standard="silver", **prices),
            "as_of": snapshot.as_of,
            "source": snapshot.source,
        }
        return Response(ZakatNisabOut(body).data)


# --- Records --------------------------------------------------------------------------


class ZakatRecordFilter(StrictFilterSet):
    payment_status = django_filters.ChoiceFilter(choices=ZakatRecord.PaymentStatus.choices)

    class Meta:
        model = ZakatRecord
        fields = ["payment_status"]


LIST_DESCRIPTION = "Newest first. Filter with `?payment_status=pending|completed|failed`."


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="Zakat records",
        description="Your records; staff see everyone's. " + LIST_DESCRIPTION,
        responses={200: ZakatRecordOut(many=True), **error_responses(400, 401, 429)},
        examples=[OpenApiExample("Record", value=RECORD_EXAMPLE, response_only=True)],
    ),
    post=extend_schema(
        tags=TAGS,
        summary="Save a zakat record",
        description="The server computes `zakat_amount` and `is_obligated` from `wealth_amount` "
        "and `nisab_threshold` (same rule as /zakat/calculate) and keeps the price snapshot in "
        "force with the record. Starts `pending`.\n\n" + RULES,
        request=ZakatRecordIn,
        responses={201: ZakatRecordOut, **error_responses(400, 401, 429)},
        examples=[
            RECORD_IN_EXAMPLE,
            OpenApiExample(
                "Created", value=RECORD_EXAMPLE, response_only=True, status_codes=["201"]
            ),
        ],
    ),
)
class ZakatRecordListCreate(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ZakatRecordOut
    filterset_class = ZakatRecordFilter
    queryset = ZakatRecord.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.zakat_record_list(user=self.request.user)

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatRecordIn(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.zakat_record_create(payer=request.user, **data.validated_data)
        return Response(ZakatRecordOut(record).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=TAGS,
    summary="My own zakat records",
    description="Only the caller's records, even for staff. " + LIST_DESCRIPTION,
    responses={200: ZakatRecordOut(many=True), **error_responses(400, 401, 429)},
    examples=[OpenApiExample("Record", value=RECORD_EXAMPLE, response_only=True)],
)
class ZakatMyRecordList(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ZakatRecordOut
    filterset_class = ZakatRecordFilter
    queryset = ZakatRecord.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.zakat_record_list_own(user=self.request.user)


def _record_for(request: Request, pk) -> ZakatRecord:
    record = get_object_or_404(ZakatRecord.objects.select_related("price_snapshot"), pk=pk)
    if record.payer_id != request.user.pk and not request.user.is_staff:
        raise PermissionDenied("This zakat record belongs to someone else.")
    return record


class ZakatRecordDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="One zakat record",
        description="The owner and staff may read it; anyone else gets 403.",
        responses={200: ZakatRecordOut, **error_responses(401, 403, 404, 429)},
        examples=[OpenApiExample("Record", value=RECORD_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk, *args, **kwargs) -> Response:
        return Response(ZakatRecordOut(_record_for(request, pk)).data)

    def _update(self, request: Request, pk, *, partial: bool) -> Response:
        record = _record_for(request, pk)
        data = ZakatRecordIn(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        record = services.zakat_record_update(record=record, **data.validated_data)
        return Response(ZakatRecordOut(record).data)

    @extend_schema(
        tags=TAGS,
        summary="Replace a pending zakat record",
        description="Owner or staff, only while `pending` (else 400 `record_not_pending`). "
        "`zakat_amount` and `is_obligated` are recomputed; changed figures make the nisab a "
        "stated one and store the price snapshot now in force.\n\n" + RULES,
        request=ZakatRecordIn,
        responses={
            200: ZakatRecordOut,
            **_not_pending_response(),
            **error_responses(401, 403, 404, 429),
        },
        examples=[
            RECORD_IN_EXAMPLE,
            OpenApiExample("Updated", value=RECORD_EXAMPLE, response_only=True),
        ],
    )
    def put(self, request: Request, pk, *args, **kwargs) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        tags=TAGS,
        summary="Change a pending zakat record",
        description="Like PUT, with only the fields to change.\n\n" + RULES,
        request=ZakatRecordIn(partial=True),
        responses={
            200: ZakatRecordOut,
            **_not_pending_response(),
            **error_responses(401, 403, 404, 429),
        },
        examples=[
            OpenApiExample("New wealth", value={"wealth_amount": "12000.00"}, request_only=True),
            OpenApiExample("Updated", value=RECORD_EXAMPLE, response_only=True),
        ],
    )
    def patch(self, request: Request, pk, *args, **kwargs) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        tags=TAGS,
        summary="Delete a pending zakat record",
        description="Owner or staff, only while `pending` (else 400 `record_not_pending`).",
        responses={
            204: OpenApiResponse(description="Deleted."),
            **_not_pending_response(),
            **error_responses(401, 403, 404, 429),
        },
    )
    def delete(self, request: Request, pk, *args, **kwargs) -> Response:
        services.zakat_record_delete(record=_record_for(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Payments -------------------------------------------------------------------------


class ZakatPaymentCreate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Pay a zakat record from my wallet",
        description="Owner only (staff too get 403 on someone else's record: the money comes "
        "from the payer's own wallet). Moves `zakat_amount` from the wallet into the zakat "
        "fund, marks the record `completed` and e-mails a numbered receipt in the background. "
        "A record is paid at most once, also under concurrent requests. Errors: 400 "
        "`record_not_pending` (already paid or failed), 400 `nothing_to_pay` (wealth below "
        "the nisab, zakat 0.00), 402 `insufficient_funds` with `available_amount` and "
        "`required_amount`, 404 for an unknown record.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ZakatPaymentIn,
        responses={
            201: ZakatPaymentOut,
            400: OpenApiResponse(
                response=error_responses(400)[400].response,
                description="`validation_error`, `record_not_pending` or `nothing_to_pay`.",
                examples=[
                    OpenApiExample(
                        code,
                        value={
                            "error": code,
                            "message": msg,
                            "request_id": "3d0f6c5e-8e0b-4a5e-9d43-1c2b",
                        },
                        response_only=True,
                        status_codes=["400"],
                    )
                    for code, msg in (
                        ("record_not_pending", services.RecordNotPending.default_message),
                        ("nothing_to_pay", services.NothingToPay.default_message),
                    )
                ],
            ),
            402: OpenApiResponse(
                response=error_responses(402)[402].response,
                description="The wallet holds less than the zakat.",
                examples=[
                    OpenApiExample(
                        "insufficient_funds",
                        value={
                            "error": "insufficient_funds",
                            "message": "Your wallet balance is too low for this payment.",
                            "request_id": "3d0f6c5e-8e0b-4a5e-9d43-1c2b",
                            "available_amount": "100.00",
                            "required_amount": "250.00",
                        },
                        response_only=True,
                        status_codes=["402"],
                    )
                ],
            ),
            **error_responses(401, 403, 404, 409, 429),
        },
        examples=[
            OpenApiExample("Pay", value={"record_id": EXAMPLE_ID}, request_only=True),
            OpenApiExample(
                "Paid",
                value={
                    "id": "0b8e2d8c-5a7a-4f7e-8f43-0d7f6c1d2e11",
                    "record_id": EXAMPLE_ID,
                    "amount": "250.00",
                    "paid_at": "2026-11-26T12:05:00Z",
                    "receipt_number": "ZK-000001",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatPaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        record = get_object_or_404(ZakatRecord, pk=data.validated_data["record_id"])
        payment = services.zakat_payment_create(record=record, payer=request.user)
        return Response(ZakatPaymentOut(payment).data, status=status.HTTP_201_CREATED)
