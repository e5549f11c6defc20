"""Websocket routes of every app, gathered in one list for config.asgi."""

from django.urls import re_path

from campaigns.routing import websocket_urlpatterns as campaign_routes
from config.consumers import NotFoundConsumer

websocket_urlpatterns: list = [
    *campaign_routes,
    # Last: every other path closes with 4404 (the router alone raises, a 500).
    re_path(r"", NotFoundConsumer.as_asgi()),
]
