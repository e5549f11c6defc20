"""Financing API: qard hasan loans and murabaha contracts.

Thin: an input serializer checks the shape, a selector loads and authorizes, a
service applies the rules, an output serializer answers. Qard hasan carries no
interest, fee or markup field anywhere; a murabaha's sale price is cost + a
disclosed markup, fixed at acceptance. The documentation is in loans/api_docs.py.
"""

from uuid import UUID

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.filters import StrictFilterSet
from config.api.lists import SelectorListView
from config.api.moves import MoveView
from config.idempotency import idempotent
from loans import api_docs as docs
from loans import selectors, services
from loans.models import (
    Loan,
    MurabahaContract,
)
from loans.serializers import (
    LoanApplyIn,
    LoanInstallmentOut,
    LoanOut,
    LoanRejectIn,
    LoanRepaymentIn,
    LoanRescheduleIn,
    MurabahaAcquireIn,
    MurabahaCharityPaymentIn,
    MurabahaContractOut,
    MurabahaOfferIn,
    MurabahaPaymentIn,
    MurabahaRebateIn,
    MurabahaRequestIn,
    MurabahaRescheduleIn,
)
from staff.permissions import HasPerm
from staff.serializers import ApprovalEnvelopeOut, ApprovalOut

# --- filters ---------------------------------------------------------------------------


class LoanFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Loan.Status.choices)

    class Meta:
        model = Loan
        fields = ["status"]


class MurabahaFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=MurabahaContract.Status.choices)

    class Meta:
        model = MurabahaContract
        fields = ["status"]


# --- Qard hasan ------------------------------------------------------------------------


@extend_schema_view(
    get=docs.LOAN_LIST.schema(LoanOut(many=True)),
    post=docs.LOAN_APPLY.schema(LoanOut, request=LoanApplyIn, status=status.HTTP_201_CREATED),
)
class LoanListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = LoanOut
    filterset_class = LoanFilter
    queryset = Loan.objects.none()

    def select(self) -> QuerySet[Loan]:
        return selectors.loan_list(user=self.request.user)

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = LoanApplyIn(data=request.data)
        data.is_valid(raise_exception=True)
        loan = services.loan_apply(borrower=request.user, **data.validated_data)
        return Response(LoanOut(loan).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=docs.LOAN_DETAIL.schema(LoanOut))
class LoanDetail(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        return Response(LoanOut(selectors.loan_get_for(user=request.user, pk=pk)).data)


@extend_schema_view(get=docs.LOAN_SCHEDULE.schema(LoanInstallmentOut(many=True)))
class LoanSchedule(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        loan = selectors.loan_get_for(user=request.user, pk=pk)
        return Response(LoanInstallmentOut(selectors.installment_list(parent=loan), many=True).data)


class _StaffLoanMove(MoveView):
    """A staff move on a loan (the service checks the actor too)."""

    selector = selectors.loan_get_for
    subject = "loan"
    output_serializer = LoanOut


@extend_schema_view(post=docs.LOAN_APPROVE.schema(LoanOut))
class LoanApprove(_StaffLoanMove):
    permission_classes = [HasPerm("staff.loan_decide")]
    service = services.loan_approve


@extend_schema_view(post=docs.LOAN_REJECT.schema(LoanOut, request=LoanRejectIn))
class LoanReject(_StaffLoanMove):
    permission_classes = [HasPerm("staff.loan_decide")]
    service = services.loan_reject
    input_serializer = LoanRejectIn


@extend_schema_view(post=docs.LOAN_DISBURSE.schema(LoanOut, accepted=ApprovalEnvelopeOut))
class LoanDisburse(_StaffLoanMove):
    """Four-eyes (`loan_disbursement`): 202 with the approval, or 200 when not in FOUR_EYES."""

    permission_classes = [HasPerm("staff.loan_disburse")]
    service = services.loan_disburse_request
    approval_serializer = ApprovalOut


@extend_schema_view(post=docs.LOAN_MARK_DEFAULTED.schema(LoanOut, accepted=ApprovalEnvelopeOut))
class LoanMarkDefaulted(_StaffLoanMove):
    """Four-eyes (`write_off`): 202 with the approval, or 200 when not in FOUR_EYES."""

    permission_classes = [HasPerm("staff.loan_mark_defaulted")]
    service = services.loan_mark_defaulted_request
    approval_serializer = ApprovalOut


@extend_schema_view(post=docs.LOAN_RESCHEDULE.schema(LoanOut, request=LoanRescheduleIn))
class LoanReschedule(_StaffLoanMove):
    permission_classes = [HasPerm("staff.loan_decide")]
    service = services.loan_reschedule
    input_serializer = LoanRescheduleIn


class _InstallmentPayment(MoveView):
    """Pay a loan's or a contract's installments: the owner (or staff) pays, and a
    retried request with the same Idempotency-Key is answered once."""

    permission_classes = [IsAuthenticated]
    post = idempotent(MoveView.post)


@extend_schema_view(post=docs.LOAN_REPAYMENT.schema(LoanOut, request=LoanRepaymentIn))
class LoanRepayment(_InstallmentPayment):
    selector = selectors.loan_get_for
    service = services.loan_repay
    subject = "loan"
    input_serializer = LoanRepaymentIn
    output_serializer = LoanOut


# --- Murabaha --------------------------------------------------------------------------


@extend_schema_view(
    get=docs.CONTRACT_LIST.schema(MurabahaContractOut(many=True)),
    post=docs.CONTRACT_REQUEST.schema(
        MurabahaContractOut, request=MurabahaRequestIn, status=status.HTTP_201_CREATED
    ),
)
class ContractListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = MurabahaContractOut
    filterset_class = MurabahaFilter
    queryset = MurabahaContract.objects.none()

    def select(self) -> QuerySet[MurabahaContract]:
        return selectors.contract_list(user=self.request.user)

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = MurabahaRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        contract = services.murabaha_request(customer=request.user, **data.validated_data)
        return Response(MurabahaContractOut(contract).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=docs.CONTRACT_DETAIL.schema(MurabahaContractOut))
class ContractDetail(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        contract = selectors.contract_get_for(user=request.user, pk=pk)
        return Response(MurabahaContractOut(contract).data)


@extend_schema_view(get=docs.CONTRACT_SCHEDULE.schema(LoanInstallmentOut(many=True)))
class ContractSchedule(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: UUID, *args, **kwargs) -> Response:
        contract = selectors.contract_get_for(user=request.user, pk=pk)
        rows = selectors.installment_list(parent=contract)
        return Response(LoanInstallmentOut(rows, many=True).data)


class _ContractMove(MoveView):
    permission_classes = [IsAuthenticated]
    selector = selectors.contract_get_for
    subject = "contract"
    output_serializer = MurabahaContractOut


@extend_schema_view(
    post=docs.CONTRACT_ACQUIRE.schema(
        MurabahaContractOut, request=MurabahaAcquireIn, accepted=ApprovalEnvelopeOut
    )
)
class ContractAcquire(_ContractMove):
    """Four-eyes (`murabaha_purchase`): 202 with the approval, or 200 when not in FOUR_EYES."""

    permission_classes = [HasPerm("staff.murabaha_acquire")]
    service = services.murabaha_acquire_request
    input_serializer = MurabahaAcquireIn
    approval_serializer = ApprovalOut


@extend_schema_view(
    post=docs.CONTRACT_MARK_DEFAULTED.schema(MurabahaContractOut, accepted=ApprovalEnvelopeOut)
)
class ContractMarkDefaulted(_ContractMove):
    """Four-eyes (`write_off`): 202 with the approval, or 200 when not in FOUR_EYES."""

    permission_classes = [HasPerm("staff.loan_mark_defaulted")]
    service = services.murabaha_mark_defaulted_request
    approval_serializer = ApprovalOut


@extend_schema_view(
    post=docs.CONTRACT_REBATE.schema(
        MurabahaContractOut, request=MurabahaRebateIn, accepted=ApprovalEnvelopeOut
    )
)
class ContractRebate(_ContractMove):
    """Four-eyes (`rebate`): 202 with the approval, or 200 when not in FOUR_EYES."""

    permission_classes = [HasPerm("staff.loan_rebate")]
    service = services.murabaha_rebate_request
    input_serializer = MurabahaRebateIn
    approval_serializer = ApprovalOut


@extend_schema_view(
    post=docs.CONTRACT_RESCHEDULE.schema(MurabahaContractOut, request=MurabahaRescheduleIn)
)
class ContractReschedule(_ContractMove):
    permission_classes = [HasPerm("staff.loan_decide")]
    service = services.murabaha_reschedule
    input_serializer = MurabahaRescheduleIn


@extend_schema_view(post=docs.CONTRACT_OFFER.schema(MurabahaContractOut, request=MurabahaOfferIn))
class ContractOffer(_ContractMove):
    permission_classes = [HasPerm("staff.murabaha_offer")]
    service = services.murabaha_offer
    input_serializer = MurabahaOfferIn


@extend_schema_view(post=docs.CONTRACT_ACCEPT.schema(MurabahaContractOut))
class ContractAccept(_ContractMove):
    """Only the customer may accept (the service's rule; staff get 403 too)."""

    service = services.murabaha_accept


@extend_schema_view(post=docs.CONTRACT_CANCEL.schema(MurabahaContractOut))
class ContractCancel(_ContractMove):
    service = services.murabaha_cancel


@extend_schema_view(
    post=docs.CONTRACT_PAYMENT.schema(MurabahaContractOut, request=MurabahaPaymentIn)
)
class ContractPayment(_InstallmentPayment):
    selector = selectors.contract_get_for
    service = services.murabaha_pay
    subject = "contract"
    input_serializer = MurabahaPaymentIn
    output_serializer = MurabahaContractOut


@extend_schema_view(
    post=docs.CONTRACT_CHARITY_PAYMENT.schema(MurabahaContractOut, request=MurabahaCharityPaymentIn)
)
class ContractCharityPayment(_InstallmentPayment):
    selector = selectors.contract_get_for
    service = services.murabaha_charity_pay
    subject = "contract"
    input_serializer = MurabahaCharityPaymentIn
    output_serializer = MurabahaContractOut
