"""The API's content negotiation answers what DRF's answers, header for header."""

import pytest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api.negotiation import ContentNegotiation
from config.api.renderers import JSONRenderer

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "",
    "application/*",
    "application/json; indent=4",
    "text/html",
    "text/html, */*;q=0.1",
    "application/json, text/plain, */*",
    "application/xml",
]


def _select(negotiator, accept, query="", suffix=None):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/campaigns{query}", **headers))
    try:
        renderer, media_type = negotiator.select_renderer(request, [JSONRenderer()], suffix)
    except (exceptions.NotAcceptable, Http404) as exc:
        return type(exc)
    return type(renderer), media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(
    ("query", "suffix"), [("", None), ("?format=json", None), ("?format=xml", None), ("", "json")]
)
def test_the_same_renderer_and_media_type_as_drfs(accept, query, suffix):
    ours = _select(ContentNegotiation(), accept, query, suffix)
    assert ours == _select(DefaultContentNegotiation(), accept, query, suffix)


def test_several_renderers_are_negotiated_by_drf():
    from rest_framework.renderers import BrowsableAPIRenderer

    request = Request(APIRequestFactory().get("/", HTTP_ACCEPT="*/*"))
    renderers = [BrowsableAPIRenderer(), JSONRenderer()]
    ours = ContentNegotiation().select_renderer(request, renderers)
    theirs = DefaultContentNegotiation().select_renderer(request, renderers)
    assert (type(ours[0]), ours[1]) == (type(theirs[0]), theirs[1])


def test_the_api_still_refuses_html(api_client):
    response = api_client.get("/api/v1/campaigns", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response.json()["error"] == "not_acceptable"
