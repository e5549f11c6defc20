"""Financing API: qard hasan loans and murabaha contracts.

Thin: an input serializer checks the shape, a service applies the rules, an
output serializer answers. Qard hasan carries no interest, fee or markup field
anywhere; a murabaha's sale price is cost + a disclosed markup, fixed at acceptance.
"""

import django_filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import MoneyField
from config.api.filters import StrictFilterSet
from config.api.schema import ErrorOut, error_responses
from config.api.serializers import InputSerializer
from config.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from loans import selectors, services
from loans.models import (
    ASSET_MAX_LENGTH,
    MAX_MONTHS,
    PURPOSE_MAX_LENGTH,
    Installment,
    Loan,
    MurabahaContract,
    Payment,
)

MONEY_OUT = {"max_digits": 18, "decimal_places": 2}
REQUEST_ID = "3d0f6c5e-8e0b-4a5e-9d43-1c2b"
LOAN_ID = "7c1e2a90-3b7d-4f0e-9a55-2f1d0c9e8b11"
CONTRACT_ID = "a4d9f3b2-6c1e-4e8a-b0f7-93e5d2c1a6f0"
USER_ID = "1f0e9d8c-7b6a-4c5d-8e9f-0a1b2c3d4e5f"


def _errors(status_code: int, *codes: tuple[str, str]) -> dict[int, OpenApiResponse]:
    """One documented status with an example per domain error code it can carry."""
    examples = [
        OpenApiExample(
            code,
            value={"error": code, "message": message, "request_id": REQUEST_ID},
            response_only=True,
            status_codes=[str(status_code)],
        )
        for code, message in codes
    ]
    return {
        status_code: OpenApiResponse(
            response=ErrorOut, description=" / ".join(c for c, _ in codes), examples=examples
        )
    }


E400_VALIDATION = ("validation_error", "The request is not valid.")
E400_TRANSITION = ("invalid_transition", "That change of status is not allowed.")


# --- serializers -----------------------------------------------------------------------


class LoanOut(serializers.ModelSerializer):
    borrower_id = serializers.UUIDField()
    principal_amount = serializers.DecimalField(**MONEY_OUT)
    repaid_amount = serializers.DecimalField(**MONEY_OUT)
    remaining_balance = serializers.DecimalField(
        **MONEY_OUT, help_text="principal - repaid. Nothing is ever added to it."
    )
    days_past_due = serializers.IntegerField(
        help_text="Days since the oldest unpaid installment fell due; 0 when none is late."
    )

    class Meta:
        model = Loan
        fields = [
            "id",
            "borrower_id",
            "principal_amount",
            "repaid_amount",
            "remaining_balance",
            "status",
            "purpose",
            "repayment_months",
            "disbursement_date",
            "created_at",
            "days_past_due",
        ]


class LoanApplyIn(InputSerializer):
    principal_amount = MoneyField(help_text="More than 0 and at most LOAN_MAX_PRINCIPAL.")
    purpose = serializers.CharField(max_length=PURPOSE_MAX_LENGTH)
    repayment_months = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS)


class LoanInstallmentOut(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY_OUT)
    paid_amount = serializers.DecimalField(**MONEY_OUT)

    class Meta:
        model = Installment
        fields = ["number", "due_date", "amount", "paid_amount", "status"]


@extend_schema_field(
    {"type": "string", "enum": Payment.Source.values, "default": Payment.Source.WALLET},
    component_name="FinancingPaymentSource",
)
class PaymentSourceField(serializers.ChoiceField):
    """`wallet` or `external`; documented inline (another app's enum is also named Source)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Payment.Source.choices, default=Payment.Source.WALLET, **kwargs)


class LoanRepaymentIn(InputSerializer):
    payment_amount = MoneyField()
    source = PaymentSourceField(
        help_text="`wallet` (default): from the borrower's wallet. `external`: cash staff "
        "received outside the platform; staff only (a borrower gets 403).",
    )


class LoanRejectIn(InputSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class MurabahaContractOut(serializers.ModelSerializer):
    customer_id = serializers.UUIDField()
    cost_price = serializers.DecimalField(**MONEY_OUT)
    markup_amount = serializers.DecimalField(
        **MONEY_OUT, allow_null=True, help_text="Null until the institution makes its offer."
    )
    sale_price = serializers.DecimalField(
        **MONEY_OUT, allow_null=True, help_text="cost + markup; fixed once accepted."
    )
    down_payment = serializers.DecimalField(**MONEY_OUT)
    paid_amount = serializers.DecimalField(
        **MONEY_OUT, help_text="Paid towards the installments (the down payment excluded)."
    )
    remaining_balance = serializers.DecimalField(
        **MONEY_OUT, help_text="sale - down payment - paid (cost - down payment before an offer)."
    )
    days_past_due = serializers.IntegerField()

    class Meta:
        model = MurabahaContract
        fields = [
            "id",
            "customer_id",
            "asset_description",
            "cost_price",
            "markup_amount",
            "sale_price",
            "down_payment",
            "installments_count",
            "paid_amount",
            "remaining_balance",
            "status",
            "created_at",
            "days_past_due",
        ]


class MurabahaRequestIn(InputSerializer):
    asset_description = serializers.CharField(max_length=ASSET_MAX_LENGTH)
    cost_price = MoneyField(max_value=services.MURABAHA_MAX_PRICE)
    installments_count = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS)
    down_payment = MoneyField(min_value=0, required=False, default="0.00")


class MurabahaOfferIn(InputSerializer):
    markup_amount = MoneyField(min_value=0, max_value=services.MURABAHA_MAX_PRICE)


class MurabahaPaymentIn(InputSerializer):
    amount = MoneyField()
    source = PaymentSourceField(
        help_text="`external` (cash received by staff) is for staff only.",
    )


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


LOAN_EXAMPLE = {
    "id": LOAN_ID,
    "borrower_id": USER_ID,
    "principal_amount": "1200.00",
    "repaid_amount": "100.00",
    "remaining_balance": "1100.00",
    "status": "active",
    "purpose": "Sewing machine for my tailoring work",
    "repayment_months": 12,
    "disbursement_date": "2026-01-31",
    "created_at": "2026-01-20T09:30:00Z",
    "days_past_due": 0,
}
CONTRACT_EXAMPLE = {
    "id": CONTRACT_ID,
    "customer_id": USER_ID,
    "asset_description": "Refrigerated delivery van",
    "cost_price": "20000.00",
    "markup_amount": "1500.00",
    "sale_price": "21500.00",
    "down_payment": "2000.00",
    "installments_count": 24,
    "paid_amount": "0.00",
    "remaining_balance": "19500.00",
    "status": "offered",
    "created_at": "2026-02-01T10:00:00Z",
    "days_past_due": 0,
}
SCHEDULE_EXAMPLE = [
    {
        "number": 1,
        "due_date": "2026-02-28",
        "amount": "100.00",
        "paid_amount": "100.00",
        "status": "paid",
    },
    {
        "number": 2,
        "due_date": "2026-03-31",
        "amount": "100.00",
        "paid_amount": "0.00",
        "status": "due",
    },
]


def _loan_example(name: str, **changes) -> OpenApiExample:
    return OpenApiExample(name, value={**LOAN_EXAMPLE, **changes}, response_only=True)


def _contract_example(name: str, **changes) -> OpenApiExample:
    return OpenApiExample(name, value={**CONTRACT_EXAMPLE, **changes}, response_only=True)


def _loan_body(loan: Loan) -> dict:
    return LoanOut(loan).data


def _contract_body(contract: MurabahaContract) -> dict:
    return MurabahaContractOut(contract).data


# --- Qard hasan ------------------------------------------------------------------------


class LoanListCreate(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = LoanOut
    filterset_class = LoanFilter
    queryset = Loan.objects.none()  # for the schema; real rows come from the selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.loan_list(user=self.request.user)

    @extend_schema(
        tags=["qard hasan"],
        summary="List loans",
        description="The caller's loans, newest first (staff: everyone's). Filter by `?status=`.",
        responses={200: LoanOut(many=True), **error_responses(400, 401, 429)},
        examples=[_loan_example("Active loan")],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["qard hasan"],
        summary="Apply for a qard hasan loan",
        description="Interest-free: exactly the principal is repaid, with no interest, fee or "
        "markup. `principal_amount` > 0 and ≤ the configured maximum (LOAN_MAX_PRINCIPAL, "
        "default 50000.00); `repayment_months` 1-60. Starts `pending`. Server-computed fields "
        "(`status`, `repaid_amount`...) in the body are ignored.",
        request=LoanApplyIn,
        responses={201: LoanOut, **error_responses(400, 401, 429)},
        examples=[
            OpenApiExample(
                "Apply",
                value={
                    "principal_amount": "1200.00",
                    "purpose": "Sewing machine for my tailoring work",
                    "repayment_months": 12,
                },
                request_only=True,
            ),
            _loan_example(
                "Pending application",
                status="pending",
                repaid_amount="0.00",
                remaining_balance="1200.00",
                disbursement_date=None,
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = LoanApplyIn(data=request.data)
        data.is_valid(raise_exception=True)
        loan = services.loan_apply(borrower=request.user, **data.validated_data)
        return Response(_loan_body(loan), status=status.HTTP_201_CREATED)


class LoanDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["qard hasan"],
        summary="One loan",
        description="The borrower and staff may read it; anyone else gets 403.",
        responses={200: LoanOut, **error_responses(401, 403, 404, 429)},
        examples=[_loan_example("Loan")],
    )
    def get(self, request: Request, pk, *args, **kwargs) -> Response:
        return Response(_loan_body(selectors.loan_get_for(user=request.user, pk=pk)))


class _LoanMove(APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]
    move = staticmethod(lambda **kwargs: None)

    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        loan = selectors.loan_get_for(user=request.user, pk=pk)
        loan = type(self).move(loan=loan, by=request.user)
        return Response(_loan_body(loan))


def _move_schema(summary: str, description: str, example: OpenApiExample, forbidden: str = ""):
    return extend_schema(
        tags=["qard hasan"],
        summary=summary,
        description=description + " Staff only; a move the lifecycle does not allow is 400 "
        "`invalid_transition`." + forbidden,
        request=None,
        responses={
            200: LoanOut,
            **_errors(400, E400_TRANSITION),
            **error_responses(401, 403, 404, 429),
        },
        examples=[example],
    )


class LoanApprove(_LoanMove):
    move = staticmethod(services.loan_approve)

    @_move_schema(
        "Approve an application",
        "pending → approved.",
        _loan_example(
            "Approved",
            status="approved",
            repaid_amount="0.00",
            remaining_balance="1200.00",
            disbursement_date=None,
        ),
        " A staff member cannot approve their own application: 403 `permission_denied`.",
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        return super().post(request, pk, *args, **kwargs)


class LoanReject(_LoanMove):
    @extend_schema(
        tags=["qard hasan"],
        summary="Reject an application",
        description="pending or approved (not yet disbursed) → rejected, with an optional "
        "reason. Staff only; otherwise 400 `invalid_transition`.",
        request=LoanRejectIn,
        responses={
            200: LoanOut,
            **_errors(400, E400_VALIDATION, E400_TRANSITION),
            **error_responses(401, 403, 404, 429),
        },
        examples=[
            OpenApiExample("Reject", value={"reason": "Incomplete application"}, request_only=True),
            _loan_example(
                "Rejected",
                status="rejected",
                repaid_amount="0.00",
                remaining_balance="1200.00",
                disbursement_date=None,
            ),
        ],
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        data = LoanRejectIn(data=request.data)
        data.is_valid(raise_exception=True)
        loan = selectors.loan_get_for(user=request.user, pk=pk)
        loan = services.loan_reject(
            loan=loan, by=request.user, reason=data.validated_data.get("reason", "")
        )
        return Response(_loan_body(loan))


class LoanDisburse(_LoanMove):
    move = staticmethod(services.loan_disburse)

    @_move_schema(
        "Disburse an approved loan",
        "approved → active: the principal is credited to the borrower's wallet and the monthly "
        "schedule is fixed from today (first installment one month later).",
        _loan_example("Disbursed", repaid_amount="0.00", remaining_balance="1200.00"),
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        return super().post(request, pk, *args, **kwargs)


class LoanMarkDefaulted(_LoanMove):
    move = staticmethod(services.loan_mark_defaulted)

    @_move_schema(
        "Mark an active loan defaulted",
        "active → defaulted: the unpaid remainder is written off in the ledger. Nothing is "
        "added to what the borrower owes.",
        _loan_example("Defaulted", status="defaulted", days_past_due=95),
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        return super().post(request, pk, *args, **kwargs)


class LoanSchedule(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["qard hasan"],
        summary="A loan's repayment schedule",
        description="Monthly from the disbursement date; the amounts sum to the principal "
        "exactly (equal cents, the last takes the remainder). Empty before disbursement. "
        "`status`: due, partially_paid, paid or overdue.",
        responses={200: LoanInstallmentOut(many=True), **error_responses(401, 403, 404, 429)},
        examples=[OpenApiExample("Schedule", value=SCHEDULE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk, *args, **kwargs) -> Response:
        loan = selectors.loan_get_for(user=request.user, pk=pk)
        rows = selectors.installment_list(parent=loan)
        return Response(LoanInstallmentOut(rows, many=True).data)


class LoanRepayment(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["qard hasan"],
        summary="Repay a loan",
        description="Pays the oldest unpaid installments first; partial payments are fine. "
        "The borrower pays from the wallet (402 when short). Staff may record cash received "
        'with `"source": "external"`; a borrower sending it gets 403. More than the '
        "remaining balance → 400 `overpayment` and nothing is taken; not active → 400 "
        "`loan_not_active`. At zero the loan becomes `fully_repaid`. Late payment never adds "
        "anything to what is owed.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=LoanRepaymentIn,
        responses={
            200: LoanOut,
            **_errors(
                400,
                E400_VALIDATION,
                ("loan_not_active", "This loan is not active, so it cannot take a repayment."),
                ("overpayment", "The payment is more than the remaining balance."),
            ),
            **error_responses(401, 402, 403, 404, 409, 429),
        },
        examples=[
            OpenApiExample("From my wallet", value={"payment_amount": "100.00"}, request_only=True),
            OpenApiExample(
                "Cash received (staff)",
                value={"payment_amount": "100.00", "source": "external"},
                request_only=True,
            ),
            _loan_example("Repaid in part"),
        ],
    )
    @idempotent
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        loan = selectors.loan_get_for(user=request.user, pk=pk)
        data = LoanRepaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        loan = services.loan_repay(
            loan=loan,
            amount=data.validated_data["payment_amount"],
            source=data.validated_data["source"],
            by=request.user,
        )
        return Response(_loan_body(loan))


# --- Murabaha --------------------------------------------------------------------------


class ContractListCreate(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MurabahaContractOut
    filterset_class = MurabahaFilter
    queryset = MurabahaContract.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.contract_list(user=self.request.user)

    @extend_schema(
        tags=["murabaha"],
        summary="List murabaha contracts",
        description="The caller's contracts, newest first (staff: everyone's). `?status=`.",
        responses={200: MurabahaContractOut(many=True), **error_responses(400, 401, 429)},
        examples=[_contract_example("Offered contract")],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["murabaha"],
        summary="Request a murabaha",
        description="Ask the institution to buy an asset and sell it to you at its cost plus a "
        "disclosed markup, paid in installments. `cost_price` > 0, `down_payment` ≥ 0 and "
        "below the cost, `installments_count` 1-60. Starts `requested`.",
        request=MurabahaRequestIn,
        responses={201: MurabahaContractOut, **error_responses(400, 401, 429)},
        examples=[
            OpenApiExample(
                "Request",
                value={
                    "asset_description": "Refrigerated delivery van",
                    "cost_price": "20000.00",
                    "installments_count": 24,
                    "down_payment": "2000.00",
                },
                request_only=True,
            ),
            _contract_example(
                "Requested",
                status="requested",
                markup_amount=None,
                sale_price=None,
                remaining_balance="18000.00",
            ),
        ],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = MurabahaRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        contract = services.murabaha_request(customer=request.user, **data.validated_data)
        return Response(_contract_body(contract), status=status.HTTP_201_CREATED)


class ContractDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["murabaha"],
        summary="One murabaha contract",
        description="The customer and staff may read it; anyone else gets 403.",
        responses={200: MurabahaContractOut, **error_responses(401, 403, 404, 429)},
        examples=[_contract_example("Contract")],
    )
    def get(self, request: Request, pk, *args, **kwargs) -> Response:
        return Response(_contract_body(selectors.contract_get_for(user=request.user, pk=pk)))


_CONTRACT_MOVE_ERRORS = {
    **_errors(400, E400_TRANSITION),
    **error_responses(401, 403, 404, 429),
}


class ContractAcquire(APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]

    @extend_schema(
        tags=["murabaha"],
        summary="Record the purchase of the asset (staff)",
        description="requested → asset_acquired: the institution buys the asset at cost and "
        "owns it (recorded in the ledger). Otherwise 400 `invalid_transition`.",
        request=None,
        responses={200: MurabahaContractOut, **_CONTRACT_MOVE_ERRORS},
        examples=[
            _contract_example(
                "Acquired",
                status="asset_acquired",
                markup_amount=None,
                sale_price=None,
                remaining_balance="18000.00",
            )
        ],
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        contract = selectors.contract_get_for(user=request.user, pk=pk)
        return Response(
            _contract_body(services.murabaha_acquire(contract=contract, by=request.user))
        )


class ContractOffer(APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]

    @extend_schema(
        tags=["murabaha"],
        summary="Offer the asset at cost plus a markup (staff)",
        description="asset_acquired → offered; `sale_price = cost_price + markup_amount`. The "
        "institution must own the asset first: an offer before acquire is 400 "
        "`invalid_transition`.",
        request=MurabahaOfferIn,
        responses={
            200: MurabahaContractOut,
            **_errors(400, E400_VALIDATION, E400_TRANSITION),
            **error_responses(401, 403, 404, 429),
        },
        examples=[
            OpenApiExample("Offer", value={"markup_amount": "1500.00"}, request_only=True),
            _contract_example("Offered"),
        ],
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        contract = selectors.contract_get_for(user=request.user, pk=pk)
        data = MurabahaOfferIn(data=request.data)
        data.is_valid(raise_exception=True)
        contract = services.murabaha_offer(
            contract=contract, markup_amount=data.validated_data["markup_amount"], by=request.user
        )
        return Response(_contract_body(contract))


class ContractAccept(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["murabaha"],
        summary="Accept the offer (customer)",
        description="offered → active. The sale price is fixed from now on; the down payment "
        "is taken from the wallet (402 when short, and then nothing changes) and the schedule "
        "over sale - down payment is fixed from today. Only the customer may accept (403).",
        request=None,
        responses={
            200: MurabahaContractOut,
            **_errors(400, E400_TRANSITION),
            **error_responses(401, 402, 403, 404, 429),
        },
        examples=[_contract_example("Accepted", status="active")],
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        contract = selectors.contract_get_for(user=request.user, pk=pk)
        return Response(
            _contract_body(services.murabaha_accept(contract=contract, by=request.user))
        )


class ContractCancel(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["murabaha"],
        summary="Cancel before acceptance (customer or staff)",
        description="requested, asset_acquired or offered → cancelled. No money moves; an "
        "asset already bought stays with the institution for resale.",
        request=None,
        responses={200: MurabahaContractOut, **_CONTRACT_MOVE_ERRORS},
        examples=[_contract_example("Cancelled", status="cancelled")],
    )
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        contract = selectors.contract_get_for(user=request.user, pk=pk)
        return Response(
            _contract_body(services.murabaha_cancel(contract=contract, by=request.user))
        )


class ContractSchedule(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["murabaha"],
        summary="A contract's installment schedule",
        description="Monthly from the acceptance date, summing to sale - down payment exactly. "
        "Empty before acceptance.",
        responses={200: LoanInstallmentOut(many=True), **error_responses(401, 403, 404, 429)},
        examples=[OpenApiExample("Schedule", value=SCHEDULE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk, *args, **kwargs) -> Response:
        contract = selectors.contract_get_for(user=request.user, pk=pk)
        rows = selectors.installment_list(parent=contract)
        return Response(LoanInstallmentOut(rows, many=True).data)


class ContractPayment(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["murabaha"],
        summary="Pay installments",
        description="As a loan repayment: oldest installment first, 402 when the wallet is "
        "short, `overpayment` refused whole, `contract_not_active` unless active, external cash "
        "by staff only (403 otherwise). At zero the contract is `completed`. No late charge.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=MurabahaPaymentIn,
        responses={
            200: MurabahaContractOut,
            **_errors(
                400,
                E400_VALIDATION,
                ("contract_not_active", "This contract is not active."),
                ("overpayment", "The payment is more than the remaining balance."),
            ),
            **error_responses(401, 402, 403, 404, 409, 429),
        },
        examples=[
            OpenApiExample("Pay", value={"amount": "812.50"}, request_only=True),
            _contract_example(
                "Paid in part", status="active", paid_amount="812.50", remaining_balance="18687.50"
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        contract = selectors.contract_get_for(user=request.user, pk=pk)
        data = MurabahaPaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        contract = services.murabaha_pay(
            contract=contract,
            amount=data.validated_data["amount"],
            source=data.validated_data["source"],
            by=request.user,
        )
        return Response(_contract_body(contract))
