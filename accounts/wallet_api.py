"""Wallet API: balance, history and top-ups. Thin: parse, call a service, answer."""

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import money, selectors, services
from accounts.models import LedgerEntry, LedgerTransaction, TopUp
from accounts.payments import WebhookRejected, WebhookSignatureInvalid, get_gateway_by_name
from config.api.fields import MoneyField
from config.api.schema import error_responses
from config.api.serializers import InputSerializer
from config.errors import DomainError
from config.idempotency import IDEMPOTENCY_PARAMETER, idempotent


class WalletOut(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=18, decimal_places=2)
    currency = serializers.CharField()


class WalletTransactionOut(serializers.ModelSerializer):
    id = serializers.UUIDField(source="transaction_id")
    kind = serializers.ChoiceField(
        source="transaction.kind",
        choices=[c for c in LedgerTransaction.Kind.values if c != "write_off"],
    )
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text="Signed: money in is positive, out negative."
    )
    balance_after = serializers.DecimalField(max_digits=18, decimal_places=2)
    reference = serializers.CharField(source="transaction.reference")

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "amount", "balance_after", "reference", "created_at"]


class WebhookInvalid(DomainError):
    code = "webhook_invalid"
    default_message = "The webhook's signature does not verify."


class TopUpIn(InputSerializer):
    amount = MoneyField(max_value=money.quantize("1000000.00"))
    payment_method = serializers.CharField(
        required=False,
        max_length=200,
        help_text="The payment provider's token of the payer's card (Stripe: `pm_...`, made "
        "by Stripe's client libraries); the provider confirms with it at once.",
    )


class TopUpOut(serializers.Serializer):
    id = serializers.UUIDField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    status = serializers.ChoiceField(choices=TopUp.Status.choices)
    balance = serializers.DecimalField(max_digits=18, decimal_places=2)
    redirect_url = serializers.CharField(
        allow_null=True, help_text="Where to send the payer to confirm, when pending."
    )


class WalletView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["wallet"],
        summary="My wallet balance",
        responses={200: WalletOut, **error_responses(401, 429)},
        examples=[
            OpenApiExample(
                "Wallet", value={"balance": "2500.00", "currency": "USD"}, response_only=True
            )
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        balance = selectors.wallet_balance(user=request.user)
        return Response(WalletOut({"balance": balance, "currency": money.currency()}).data)


@extend_schema(
    tags=["wallet"],
    summary="My wallet's movements",
    description="Newest first. `amount` is signed; `balance_after` is the wallet's balance "
    "right after the movement.",
    responses={200: WalletTransactionOut(many=True), **error_responses(400, 401, 429)},
    examples=[
        OpenApiExample(
            "History",
            value={
                "id": "0b8e2d8c-5a7a-4f7e-8f43-0d7f6c1d2e11",
                "kind": "top_up",
                "amount": "100.00",
                "balance_after": "100.00",
                "reference": "Top-up via sandbox",
                "created_at": "2026-11-26T12:00:00Z",
            },
            response_only=True,
        )
    ],
)
class WalletTransactionList(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = WalletTransactionOut
    queryset = LedgerEntry.objects.none()  # for the schema; real rows come from the selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.wallet_entry_list(user=self.request.user)


class TopUpCreate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["wallet"],
        summary="Top up my wallet",
        description="Goes through the configured payment gateway. The sandbox approves at "
        "once (`status: succeeded`); a real provider may answer `pending` with a "
        "`redirect_url` and confirm later.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=TopUpIn,
        responses={
            201: TopUpOut,
            **error_responses(400, 401, 409, 429, 503, e503="payment_unavailable"),
        },
        examples=[
            OpenApiExample("Top up", value={"amount": "100.00"}, request_only=True),
            OpenApiExample(
                "Approved",
                value={
                    "id": "6b4f1c2a-0d3e-4e5f-8a9b-1c2d3e4f5a6b",
                    "amount": "100.00",
                    "status": "succeeded",
                    "balance": "100.00",
                    "redirect_url": None,
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = TopUpIn(data=request.data)
        data.is_valid(raise_exception=True)
        top_up = services.top_up_create(
            user=request.user,
            amount=data.validated_data["amount"],
            payment_method=data.validated_data.get("payment_method", ""),
        )
        body = {
            "id": top_up.pk,
            "amount": top_up.amount,
            "status": top_up.status,
            "balance": selectors.wallet_balance(user=request.user),
            "redirect_url": top_up.redirect_url or None,
        }
        return Response(TopUpOut(body).data, status=status.HTTP_201_CREATED)


class TopUpWebhook(APIView):
    """A payment provider's confirmation. The gateway authenticates it (e.g. by an
    HMAC signature); the sandbox has none, so for it this is always 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        tags=["wallet"],
        summary="Payment provider webhook",
        request=None,
        responses={
            204: OpenApiResponse(description="Settled, or already settled (delivered again)."),
            **error_responses(400, 404, WebhookInvalid),
        },
    )
    def post(self, request: Request, gateway: str, *args, **kwargs) -> Response:
        provider = get_gateway_by_name(gateway)
        if provider is None:
            raise Http404
        try:
            event = provider.parse_webhook(request)
        except WebhookSignatureInvalid as exc:
            raise WebhookInvalid(str(exc)) from None
        except WebhookRejected:
            raise Http404 from None
        services.top_up_webhook_apply(gateway=gateway, event=event)
        return Response(status=status.HTTP_204_NO_CONTENT)
