"""Websocket routes of every app, gathered in one list for config.asgi."""

from campaigns.routing import websocket_urlpatterns as campaign_routes

websocket_urlpatterns: list = [*campaign_routes]
