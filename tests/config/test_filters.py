"""The filter backend skips django-filter only when there is nothing to filter."""

import django_filters
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from campaigns.api import CampaignFilter, CampaignListCreate
from campaigns.models import Campaign
from config.api import filters
from config.api.filters import FilterBackend, StrictFilterSet
from tests.campaigns.factories import make_campaign

pytestmark = pytest.mark.django_db
LIST = "/api/v1/campaigns"


@pytest.fixture
def campaigns():
    return [
        make_campaign(name="Water pumps"),
        make_campaign(name="School books", status="completed"),
        make_campaign(name="Winter coats", status="cancelled"),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?limit=2",
        "?unknown=1",
        "?status=completed",
        "?search=water",
        "?search=",
        "?status_x=1",
        "?statusy=1",
    ],
)
def test_the_same_rows_as_django_filters_backend(campaigns, query):
    view = CampaignListCreate()
    request = Request(APIRequestFactory().get(f"{LIST}{query}"))
    queryset = Campaign.objects.order_by("-created_at", "-id")
    ours = FilterBackend().filter_queryset(request, queryset, view)
    theirs = DjangoFilterBackend().filter_queryset(request, queryset, view)
    assert list(ours) == list(theirs)


@pytest.mark.parametrize("query", ["?status=", "?status=sideways", "?status=%20"])
def test_a_named_filter_is_still_validated(api_client, campaigns, query):
    response = api_client.get(f"{LIST}{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "status" in response.json()["details"]


def test_no_filter_named_costs_no_extra_query(api_client, campaigns):
    api_client.get(LIST)
    with CaptureQueriesContext(connection) as plain:
        assert api_client.get(LIST).status_code == 200
    with CaptureQueriesContext(connection) as filtered:
        assert api_client.get(f"{LIST}?status=active").status_code == 200
    assert len(plain.captured_queries) == len(filtered.captured_queries) == 1


def test_a_filterset_with_a_required_filter_always_takes_the_full_path():
    class Required(StrictFilterSet):
        status = django_filters.ChoiceFilter(choices=Campaign.Status.choices, required=True)

        class Meta:
            model = Campaign
            fields = ["status"]

    assert filters._names(Required) is None
    assert filters._names(CampaignFilter) == ("status", "search")
