"""Payouts API: bank accounts, wallet withdrawals, campaign payouts, the provider's
webhook. Thin: an input serializer checks the shape, a selector loads and
authorizes, a service applies the rules. Documentation: payouts/api_docs.py."""

import contextlib
import logging

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.selectors import campaign_get_for
from config.api.filters import StrictFilterSet
from config.api.lists import SelectorListView
from config.errors import NotFound
from config.idempotency import idempotent
from payouts import api_docs as docs
from payouts import selectors, services
from payouts.gateways import WebhookRejected, get_payout_gateway_by_name
from payouts.models import Payout, PayoutAccount
from payouts.serializers import (
    CampaignPayoutIn,
    CampaignPayoutOut,
    PayoutAccountIn,
    PayoutAccountOut,
    WithdrawalIn,
    WithdrawalOut,
)
from staff.serializers import ApprovalOut

logger = logging.getLogger(__name__)


@extend_schema_view(get=docs.PAYOUT_ACCOUNT_LIST, post=docs.PAYOUT_ACCOUNT_CREATE)
class PayoutAccountListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = PayoutAccountOut
    queryset = PayoutAccount.objects.none()

    def select(self) -> QuerySet:
        return selectors.payout_account_list(user=self.request.user)

    def post(self, request: Request, *args, **kwargs) -> Response:
        data = PayoutAccountIn(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.payout_account_create(
            owner=request.user,
            holder_name=data.validated_data["holder_name"],
            iban_value=data.validated_data["iban"],
        )
        return Response(PayoutAccountOut(account).data, status=status.HTTP_201_CREATED)


@extend_schema_view(delete=docs.PAYOUT_ACCOUNT_DELETE)
class PayoutAccountDetail(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request: Request, pk, *args, **kwargs) -> Response:
        account = selectors.payout_account_get_for(user=request.user, pk=pk)
        services.payout_account_delete(account=account, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WithdrawalFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Payout.Status.choices)


@extend_schema_view(get=docs.WITHDRAWAL_LIST, post=docs.WITHDRAWAL_CREATE)
class WithdrawalListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = WithdrawalOut
    queryset = Payout.objects.none()
    filterset_class = WithdrawalFilter

    def select(self) -> QuerySet:
        # Even for staff this is "my withdrawals": the caller's own wallet.
        return selectors.withdrawal_list(user=self.request.user, mine=True)

    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = WithdrawalIn(data=request.data)
        data.is_valid(raise_exception=True)
        account = selectors.payout_account_get_for(
            user=request.user, pk=data.validated_data["payout_account_id"]
        )
        payout = services.withdrawal_create(
            user=request.user, amount=data.validated_data["amount"], payout_account=account
        )
        return Response(WithdrawalOut(payout).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=docs.CAMPAIGN_PAYOUT_LIST, post=docs.CAMPAIGN_PAYOUT_CREATE)
class CampaignPayoutListCreate(SelectorListView):
    permission_classes = [IsAuthenticated]
    serializer_class = CampaignPayoutOut
    queryset = Payout.objects.none()

    def select(self) -> QuerySet:
        campaign = campaign_get_for(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.campaign_payout_list(campaign=campaign, user=self.request.user)

    def post(self, request: Request, pk, *args, **kwargs) -> Response:
        campaign = campaign_get_for(user=request.user, pk=pk)
        data = CampaignPayoutIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        account_id = fields.pop("payout_account_id", None)
        account = (
            selectors.payout_account_get_for(user=request.user, pk=account_id)
            if account_id
            else None
        )
        outcome = services.campaign_payout_request(
            campaign=campaign, by=request.user, payout_account=account, **fields
        )
        if outcome.pending:
            body = {"approval": ApprovalOut(outcome.approval, context={"request": request}).data}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return Response(CampaignPayoutOut(outcome.result).data, status=status.HTTP_201_CREATED)


class PayoutWebhook(APIView):
    """The payout provider's verdict. The gateway authenticates it (an HMAC
    signature); the sandbox sends none, so for it this is always 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @docs.PAYOUT_WEBHOOK
    def post(self, request: Request, gateway: str, *args, **kwargs) -> Response:
        provider = get_payout_gateway_by_name(gateway)
        if provider is None:
            raise NotFound()
        try:
            event = provider.parse_webhook(request)
        except WebhookRejected as exc:
            logger.warning("Payout webhook for %s refused: %s", gateway, exc)
            raise NotFound() from None
        payout = Payout.objects.filter(pk=event.payout_id, gateway=gateway).first()
        if payout is None:
            raise NotFound()
        # Delivered again, or after another verdict: the first one stands.
        with contextlib.suppress(services.PayoutNotInTransit):
            services.payout_settle(
                payout=payout, paid=event.paid, failure_reason=event.failure_reason
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
