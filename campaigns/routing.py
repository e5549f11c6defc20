"""Websocket routes of the campaigns app."""

websocket_urlpatterns: list = []
