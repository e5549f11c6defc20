"""API routes of the campaigns app, mounted by config/api/urls.py under /api/v1/ (and /api/v2/)."""

from django.urls import path

from campaigns import api

v1: list = [
    path("campaigns", api.CampaignListCreate.as_view(), name="campaigns"),
    path("campaigns/<uuid:pk>", api.CampaignDetail.as_view(), name="campaign"),
    path(
        "campaigns/<uuid:pk>/activate",
        api.CampaignActivate.as_view(),
        name="campaign-activate",
    ),
    path(
        "campaigns/<uuid:pk>/complete",
        api.CampaignComplete.as_view(),
        name="campaign-complete",
    ),
    path("campaigns/<uuid:pk>/cancel", api.CampaignCancel.as_view(), name="campaign-cancel"),
    path(
        "campaigns/<uuid:pk>/donations",
        api.CampaignDonations.as_view(),
        name="campaign-donations",
    ),
    path("campaigns/<uuid:pk>/cover", api.CampaignCover.as_view(), name="campaign-cover"),
    path(
        "campaigns/<uuid:pk>/updates",
        api.CampaignUpdates.as_view(),
        name="campaign-updates",
    ),
    path("donations", api.DonationListCreate.as_view(), name="donations"),
    path("donations/<uuid:pk>", api.DonationDetail.as_view(), name="donation"),
    path(
        "donations/<uuid:pk>/refund",
        api.DonationRefund.as_view(),
        name="donation-refund",
    ),
]
v2: list = []
