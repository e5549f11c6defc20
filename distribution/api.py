"""Zakat distribution API: cases, decisions, disbursements, the fund and transparency.

Thin: an input serializer for the shape, a selector or service, an output
serializer. The rules are distribution.services'; the docs distribution.api_docs'."""

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.filters import StrictFilterSet
from config.api.lists import SelectorListView
from config.api.moves import MoveView
from config.api.parsers import JSONParser
from distribution import api_docs as docs
from distribution import selectors, services
from distribution.models import ZakatCase
from distribution.serializers import (
    ZakatCaseApproveIn,
    ZakatCaseCloseIn,
    ZakatCaseCreateIn,
    ZakatCaseCreateMultipartIn,
    ZakatCaseListOut,
    ZakatCaseOut,
    ZakatCaseRejectIn,
    ZakatDisbursementIn,
    ZakatFundOut,
    ZakatTransparencyOut,
)
from staff.permissions import HasPerm
from staff.serializers import ApprovalEnvelopeOut, ApprovalOut


class ZakatCaseFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=ZakatCase.Status.choices)

    class Meta:
        model = ZakatCase
        fields = ["status"]


@extend_schema_view(
    get=docs.CASE_LIST.schema(ZakatCaseListOut(many=True)),
    post=docs.CASE_CREATE.schema(
        ZakatCaseOut,
        request={
            "application/json": ZakatCaseCreateIn,
            "multipart/form-data": ZakatCaseCreateMultipartIn,
        },
        status=status.HTTP_201_CREATED,
    ),
)
class ZakatCaseListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser]
    serializer_class = ZakatCaseListOut
    filterset_class = ZakatCaseFilter
    queryset = ZakatCase.objects.none()

    def select(self) -> QuerySet[ZakatCase]:
        return selectors.zakat_case_list(user=self.request.user)

    def post(self, request: Request, *args, **kwargs) -> Response:
        multipart = request.content_type.startswith("multipart/")
        shape = ZakatCaseCreateMultipartIn if multipart else ZakatCaseCreateIn
        data = shape(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        documents = fields.pop("documents", [])
        if multipart:
            documents = request.FILES.getlist("documents")
        case = services.zakat_case_submit(by=request.user, documents=documents, **fields)
        return Response(ZakatCaseOut(case).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=docs.CASE_DETAIL.schema(ZakatCaseOut))
class ZakatCaseDetail(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk, *args, **kwargs) -> Response:
        return Response(ZakatCaseOut(selectors.zakat_case_get_for(user=request.user, pk=pk)).data)


class _CaseMove(MoveView):
    selector = selectors.zakat_case_get_for
    subject = "case"
    output_serializer = ZakatCaseOut


@extend_schema_view(post=docs.CASE_APPROVE.schema(ZakatCaseOut, request=ZakatCaseApproveIn))
class ZakatCaseApprove(_CaseMove):
    permission_classes = [HasPerm("staff.zakat_case_decide")]
    service = services.zakat_case_approve
    input_serializer = ZakatCaseApproveIn


@extend_schema_view(post=docs.CASE_REJECT.schema(ZakatCaseOut, request=ZakatCaseRejectIn))
class ZakatCaseReject(_CaseMove):
    permission_classes = [HasPerm("staff.zakat_case_decide")]
    service = services.zakat_case_reject
    input_serializer = ZakatCaseRejectIn


@extend_schema_view(post=docs.CASE_CLOSE.schema(ZakatCaseOut, request=ZakatCaseCloseIn))
class ZakatCaseClose(_CaseMove):
    permission_classes = [HasPerm("staff.zakat_case_decide")]
    service = services.zakat_case_close
    input_serializer = ZakatCaseCloseIn


@extend_schema_view(
    post=docs.CASE_DISBURSE.schema(
        ZakatCaseOut, request=ZakatDisbursementIn, accepted=ApprovalEnvelopeOut
    )
)
class ZakatCaseDisbursements(_CaseMove):
    """Four-eyes (`zakat_disbursement`): 202 with the approval, or 200 when not in FOUR_EYES."""

    permission_classes = [HasPerm("staff.zakat_disbursement_request")]
    service = services.zakat_disbursement_request
    input_serializer = ZakatDisbursementIn
    approval_serializer = ApprovalOut


@extend_schema_view(get=docs.FUND.schema(ZakatFundOut))
class ZakatFundView(APIView):
    permission_classes = [HasPerm("distribution.view_zakatcase")]

    def get(self, request: Request, *args, **kwargs) -> Response:
        return Response(ZakatFundOut(selectors.zakat_fund_figures()).data)


@extend_schema_view(get=docs.TRANSPARENCY.schema(ZakatTransparencyOut))
class ZakatTransparencyView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request, *args, **kwargs) -> Response:
        figures = selectors.zakat_fund_figures(with_ageing=False)
        return Response(ZakatTransparencyOut(figures).data)
