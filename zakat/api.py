"""Zakat API: calculation (v1 and v2), metal prices, nisab, records and payments.

Thin: an input serializer for the shape, a service or selector, an output serializer.
The domain rules live in zakat.calculation and zakat.services; what the schema says
beside the serializers lives in zakat.api_docs."""

from uuid import UUID

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import money
from config.api.filters import StrictFilterSet
from config.api.lists import SelectorListView
from config.api.pagination import CursorPagination
from config.errors import NotFound
from config.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from staff.permissions import HasPerm
from zakat import api_docs as docs
from zakat import calculation, selectors, services
from zakat.models import FitrPayment, MetalPrice, ZakatRecord
from zakat.serializers import (
    FitrOut,
    FitrPaymentIn,
    FitrPaymentOut,
    FitrRateIn,
    FitrRateOut,
    ZakatCalculateIn,
    ZakatCalculateOut,
    ZakatCalculateV2In,
    ZakatCalculateV2Out,
    ZakatHawlIn,
    ZakatHawlOut,
    ZakatMetalPriceIn,
    ZakatMetalPriceOut,
    ZakatNisabOut,
    ZakatPaymentIn,
    ZakatPaymentOut,
    ZakatRecordOut,
)

# --- Calculation ----------------------------------------------------------------------


@extend_schema_view(
    post=extend_schema(
        request=ZakatCalculateIn,
        responses={200: ZakatCalculateOut, **docs.CALCULATE_V1_ERRORS},
        **docs.CALCULATE_V1,
    )
)
class ZakatCalculateV1View(APIView):
    permission_classes = [IsAuthenticated]

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
        "other_standard": {
            "nisab_standard": result.other_standard.nisab_standard,
            "nisab_threshold": money.quantize(result.other_standard.nisab_threshold),
            "is_obligated": result.other_standard.is_obligated,
        },
        "prices_stale": services.prices_stale(snapshot),
    }


@extend_schema_view(
    post=extend_schema(
        request=ZakatCalculateV2In,
        responses={200: ZakatCalculateV2Out, **docs.CALCULATE_V2_ERRORS},
        **docs.CALCULATE_V2,
    )
)
class ZakatCalculateV2View(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatCalculateV2In(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result, snapshot = services.calculate_itemized(
            assets=calculation.Assets(**v.get("assets", {})),
            liabilities=calculation.Liabilities(**v.get("liabilities", {})),
            nisab_standard=v.get("nisab_standard"),
        )
        return Response(ZakatCalculateV2Out(v2_body(result, snapshot)).data)


# --- Metal prices and nisab -----------------------------------------------------------


class AsOfPagination(CursorPagination):
    ordering = ("-as_of", "-created_at")


@extend_schema_view(
    get=extend_schema(
        responses={200: ZakatMetalPriceOut(many=True), **docs.METAL_PRICE_LIST_ERRORS},
        **docs.METAL_PRICE_LIST,
    ),
    post=extend_schema(
        request=ZakatMetalPriceIn,
        responses={201: ZakatMetalPriceOut, **docs.METAL_PRICE_CREATE_ERRORS},
        **docs.METAL_PRICE_CREATE,
    ),
)
class ZakatMetalPriceListCreate(SelectorListView):
    permission_classes = [HasPerm("staff.metal_price_enter")]
    serializer_class = ZakatMetalPriceOut
    pagination_class = AsOfPagination
    queryset = MetalPrice.objects.none()

    def get_permissions(self) -> list[permissions.BasePermission]:
        # Anyone reads (AllowAny itself, so the schema documents reads as public).
        if self.request.method in permissions.SAFE_METHODS:
            return [AllowAny()]
        return super().get_permissions()

    def select(self) -> QuerySet[MetalPrice]:
        return selectors.metal_price_list()

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatMetalPriceIn(data=request.data)
        data.is_valid(raise_exception=True)
        snapshot = services.metal_price_create(**data.validated_data, created_by=request.user)
        return Response(ZakatMetalPriceOut(snapshot).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(responses={200: ZakatNisabOut, **docs.NISAB_ERRORS}, **docs.NISAB)
)
class ZakatNisabView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request, *args, **kwargs) -> Response:
        snapshot = services.prices_in_force()
        thresholds = calculation.nisab_thresholds(
            gold_price_per_gram=snapshot.gold_price_per_gram,
            silver_price_per_gram=snapshot.silver_price_per_gram,
        )
        body = {
            "currency": snapshot.currency,
            "gold_price_per_gram": snapshot.gold_price_per_gram,
            "silver_price_per_gram": snapshot.silver_price_per_gram,
            "gold_nisab_grams": str(calculation.GOLD_NISAB_GRAMS),
            "silver_nisab_grams": str(calculation.SILVER_NISAB_GRAMS),
            "gold_nisab_threshold": thresholds[calculation.GOLD],
            "silver_nisab_threshold": thresholds[calculation.SILVER],
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


class ZakatRecordListBase(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = ZakatRecordOut
    filterset_class = ZakatRecordFilter
    queryset = ZakatRecord.objects.none()
    mine = False

    def select(self) -> QuerySet[ZakatRecord]:
        return selectors.zakat_record_list(user=self.request.user, mine=self.mine)


@extend_schema_view(
    get=extend_schema(
        responses={200: ZakatRecordOut(many=True), **docs.RECORD_LIST_ERRORS},
        **docs.RECORD_LIST,
    ),
    post=extend_schema(
        request=ZakatCalculateIn,
        responses={201: ZakatRecordOut, **docs.RECORD_CREATE_ERRORS},
        **docs.RECORD_CREATE,
    ),
)
class ZakatRecordListCreate(ZakatRecordListBase):
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatCalculateIn(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.zakat_record_create(payer=request.user, **data.validated_data)
        return Response(ZakatRecordOut(record).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        responses={200: ZakatRecordOut(many=True), **docs.RECORD_LIST_ERRORS},
        **docs.MY_RECORD_LIST,
    )
)
class ZakatMyRecordList(ZakatRecordListBase):
    mine = True


@extend_schema_view(
    get=extend_schema(responses={200: ZakatRecordOut, **docs.RECORD_GET_ERRORS}, **docs.RECORD_GET),
    put=extend_schema(
        request=ZakatCalculateIn,
        responses={200: ZakatRecordOut, **docs.RECORD_CHANGE_ERRORS},
        **docs.RECORD_PUT,
    ),
    patch=extend_schema(
        request=ZakatCalculateIn(partial=True),
        responses={200: ZakatRecordOut, **docs.RECORD_CHANGE_ERRORS},
        **docs.RECORD_PATCH,
    ),
    delete=extend_schema(responses=docs.RECORD_DELETE_RESPONSES, **docs.RECORD_DELETE),
)
class ZakatRecordDetail(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        record = selectors.zakat_record_get_for(user=request.user, pk=pk)
        return Response(ZakatRecordOut(record).data)

    def put(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        return self._update(request, pk, partial=False)

    def patch(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        return self._update(request, pk, partial=True)

    def delete(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        record = selectors.zakat_record_get_for(user=request.user, pk=pk)
        services.zakat_record_delete(record=record, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, pk: UUID, *, partial: bool) -> Response:
        record = selectors.zakat_record_get_for(user=request.user, pk=pk)
        data = ZakatCalculateIn(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        record = services.zakat_record_update(record=record, by=request.user, **data.validated_data)
        return Response(ZakatRecordOut(record).data)


# --- Payments -------------------------------------------------------------------------


@extend_schema_view(
    post=extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ZakatPaymentIn,
        responses={201: ZakatPaymentOut, **docs.PAYMENT_CREATE_ERRORS},
        **docs.PAYMENT_CREATE,
    )
)
class ZakatPaymentCreate(APIView):
    permission_classes = [IsAuthenticated]

    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatPaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        pk = data.validated_data["record_id"]
        record = selectors.zakat_record_get_for(user=request.user, pk=pk)
        payment = services.zakat_payment_create(record=record, payer=request.user)
        return Response(ZakatPaymentOut(payment).data, status=status.HTTP_201_CREATED)


# --- Hawl -----------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(responses={200: ZakatHawlOut, **docs.HAWL_GET_ERRORS}, **docs.HAWL_GET),
    put=extend_schema(
        request=ZakatHawlIn,
        responses={200: ZakatHawlOut, **docs.HAWL_PUT_ERRORS},
        **docs.HAWL_PUT,
    ),
)
class ZakatHawlView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, *args, **kwargs) -> Response:
        hawl = selectors.hawl_for(user=request.user)
        if hawl is None:
            raise NotFound(docs.HAWL_NOT_SET)
        return Response(ZakatHawlOut(hawl).data)

    def put(self, request: Request, *args, **kwargs) -> Response:
        data = ZakatHawlIn(data=request.data)
        data.is_valid(raise_exception=True)
        hawl = services.hawl_set(user=request.user, **data.validated_data)
        return Response(ZakatHawlOut(hawl).data)


# --- Zakat al-fitr --------------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: FitrOut, **docs.FITR_ERRORS}, **docs.FITR))
class FitrView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request, *args, **kwargs) -> Response:
        season = selectors.fitr_season()
        body = {
            "hijri_year": season.hijri_year,
            "amount_per_person": season.rate.amount_per_person if season.rate else None,
            "currency": season.rate.currency if season.rate else money.currency(),
            "deadline": season.deadline,
        }
        return Response(FitrOut(body).data)


@extend_schema_view(
    post=extend_schema(
        request=FitrRateIn,
        responses={201: FitrRateOut, **docs.FITR_RATE_CREATE_ERRORS},
        **docs.FITR_RATE_CREATE,
    )
)
class FitrRateCreate(APIView):
    permission_classes = [HasPerm("staff.set_fitr_rate")]

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = FitrRateIn(data=request.data)
        data.is_valid(raise_exception=True)
        rate = services.fitr_rate_set(**data.validated_data, by=request.user)
        return Response(FitrRateOut(rate).data, status=status.HTTP_201_CREATED)


class PaidAtPagination(CursorPagination):
    ordering = ("-paid_at", "-id")


@extend_schema_view(
    get=extend_schema(
        responses={200: FitrPaymentOut(many=True), **docs.FITR_PAYMENT_LIST_ERRORS},
        **docs.FITR_PAYMENT_LIST,
    ),
    post=extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        request=FitrPaymentIn,
        responses={201: FitrPaymentOut, **docs.FITR_PAYMENT_CREATE_ERRORS},
        **docs.FITR_PAYMENT_CREATE,
    ),
)
class FitrPaymentListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = FitrPaymentOut
    pagination_class = PaidAtPagination
    queryset = FitrPayment.objects.none()

    def select(self) -> QuerySet[FitrPayment]:
        return selectors.fitr_payment_list(user=self.request.user)

    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = FitrPaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.fitr_payment_create(payer=request.user, **data.validated_data)
        return Response(FitrPaymentOut(payment).data, status=status.HTTP_201_CREATED)
