"""Websocket routes of the campaigns app."""

from django.urls import path

from campaigns.consumers import CampaignProgressConsumer

websocket_urlpatterns: list = [
    path("ws/campaigns/<uuid:campaign_id>/", CampaignProgressConsumer.as_asgi()),
]
