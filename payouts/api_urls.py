"""API routes of the payouts app, mounted by config/api/urls.py under /api/v1/."""

from django.urls import path

from payouts import api

v1: list = [
    path("payout-accounts", api.PayoutAccountListCreate.as_view(), name="payout-account-list"),
    path(
        "payout-accounts/<uuid:pk>",
        api.PayoutAccountDetail.as_view(),
        name="payout-account-detail",
    ),
    path("wallet/withdrawals", api.WithdrawalListCreate.as_view(), name="withdrawal-list"),
    path(
        "campaigns/<uuid:pk>/payouts",
        api.CampaignPayoutListCreate.as_view(),
        name="campaign-payout-list",
    ),
    path("payouts/webhooks/<slug:gateway>", api.PayoutWebhook.as_view(), name="payout-webhook"),
]
v2: list = []
