"""Previous/next pagination of the HTML pages: one query per page, no COUNT."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import LedgerEntry
from config.paging import MAX_PAGE, page_number, page_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("abc", 1),
        ("1.5", 1),
        ("0", 1),
        ("-3", 1),
        ("2", 2),
        (" 7 ", 7),
        ("99999999999999999999", MAX_PAGE),
    ],
)
def test_page_number_is_a_positive_whole_number_or_one(raw, expected):
    assert page_number(raw) == expected


def entries(user, count: int):
    for _ in range(count):
        services.top_up_create(user=user, amount=Decimal("1.00"))
    return LedgerEntry.objects.filter(account__owner=user).order_by("-id")


def test_a_full_last_page_has_no_next_page(user):
    rows = entries(user, 4)

    first, second = page_of(rows, "1", 2), page_of(rows, "2", 2)

    assert len(first) == 2
    assert first.has_next()
    assert not first.has_previous()
    assert first.next_page_number() == 2
    assert len(second) == 2
    assert not second.has_next()
    assert second.has_previous()
    assert second.previous_page_number() == 1
    assert [e.pk for e in first] + [e.pk for e in second] == [e.pk for e in rows]


def test_one_query_per_page_and_no_count(user):
    rows = entries(user, 5)

    with CaptureQueriesContext(connection) as queries:
        page = page_of(rows, "2", 2)

    assert len(page) == 2
    assert page.has_next()
    assert len(queries) == 1
    assert "COUNT(" not in queries[0]["sql"].upper()


def test_a_page_past_the_end_is_empty_with_a_way_back(client, user):
    entries(user, 3)
    client.force_login(user)

    html = client.get("/wallet/", {"page": 9}).content.decode()

    assert "Nothing on page 9." in html
    assert 'href="?page=1"' in html
    assert "No movements yet" not in html


def test_a_signed_in_page_reads_the_session_from_the_cache(client, user):
    client.force_login(user)
    client.get("/wallet/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/wallet/")

    assert response.status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"]]
