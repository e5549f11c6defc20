"""The wallet page: balance, the top-up form and the paginated history."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import LedgerAccount, TopUp

pytestmark = pytest.mark.django_db

TBODY = re.compile(r"<tbody>(.*?)</tbody>", re.DOTALL)


def history_rows(html: str) -> int:
    match = TBODY.search(html)
    return match.group(1).count("<tr>") if match else 0


def balance_shown(html: str) -> str:
    match = re.search(r'data-testid="wallet-balance">([^<]*)<', html)
    assert match, "the balance is not on the page"
    return match.group(1)


def top_up_many(user, count: int) -> None:
    for _ in range(count):
        services.top_up_create(user=user, amount=Decimal("1.00"))


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/wallet/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/wallet/"


def test_anonymous_post_moves_no_money(client):
    response = client.post("/wallet/", {"amount": "10.00"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert TopUp.objects.count() == 0


def test_new_user_sees_zero_and_an_empty_state(client, user):
    client.force_login(user)

    response = client.get("/wallet/")

    assert response.status_code == 200
    html = response.content.decode()
    assert balance_shown(html) == "0.00"
    assert "No movements yet." in html
    assert history_rows(html) == 0
    assert 'name="amount"' in html


def test_top_up_adds_money_and_shows_it(client, user):
    client.force_login(user)

    response = client.post("/wallet/", {"amount": "100.50"})

    assert response.status_code == 302
    assert response.url == "/wallet/"
    page = client.get(response.url)
    html = page.content.decode()
    assert [str(m) for m in get_messages(page.wsgi_request)] == ["Added 100.50 to your wallet."]
    assert 'class="message success"' in html
    assert balance_shown(html) == "100.50"
    assert "Top-up via sandbox" in html
    assert "+100.50" in html
    assert history_rows(html) == 1
    assert "No movements yet." not in html
    top_up = TopUp.objects.get()
    assert top_up.user == user
    assert top_up.amount == Decimal("100.50")
    assert top_up.status == TopUp.Status.SUCCEEDED


def test_large_balance_is_grouped(client, user):
    client.force_login(user)
    client.post("/wallet/", {"amount": "1000000.00"})

    html = client.get("/wallet/").content.decode()

    assert balance_shown(html) == "1,000,000.00"


@pytest.mark.parametrize("amount", ["0", "-5", "10.001", "abc", "2000000", ""])
def test_invalid_amount_shows_an_inline_error(client, user, amount):
    client.force_login(user)

    response = client.post("/wallet/", {"amount": amount})

    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
    html = response.content.decode()
    assert 'class="field has-error"' in html
    assert 'class="errorlist"' in html
    assert balance_shown(html) == "0.00"
    assert TopUp.objects.count() == 0
    assert not LedgerAccount.objects.filter(owner=user, balance__gt=0).exists()


def test_history_paginates_at_twenty_rows(client, user):
    top_up_many(user, 25)
    client.force_login(user)

    first = client.get("/wallet/")
    second = client.get("/wallet/", {"page": 2})

    assert history_rows(first.content.decode()) == 20
    assert len(first.context["page_obj"].object_list) == 20
    html = second.content.decode()
    assert second.status_code == 200
    assert history_rows(html) == 5
    assert html.count("Top-up via sandbox") == 5
    assert "Page 2" in html
    assert 'rel="next"' not in html  # the last page
    assert 'rel="prev"' in html
    assert balance_shown(html) == "25.00"


def test_history_is_newest_first(client, user):
    services.top_up_create(user=user, amount=Decimal("1.00"))
    services.top_up_create(user=user, amount=Decimal("2.00"))
    client.force_login(user)

    entries = list(client.get("/wallet/").context["page_obj"].object_list)

    assert [e.amount for e in entries] == [Decimal("2.00"), Decimal("1.00")]
    assert [e.balance_after for e in entries] == [Decimal("3.00"), Decimal("1.00")]


def test_page_shows_only_the_users_own_movements(client, user, other_user):
    services.top_up_create(user=other_user, amount=Decimal("77.77"))
    services.top_up_create(user=user, amount=Decimal("10.00"))
    client.force_login(user)

    html = client.get("/wallet/").content.decode()

    assert balance_shown(html) == "10.00"
    assert history_rows(html) == 1
    assert "77.77" not in html
    assert other_user.email not in html


def test_other_users_page_does_not_leak_into_mine_when_i_have_none(client, user, other_user):
    services.top_up_create(user=other_user, amount=Decimal("77.77"))
    client.force_login(user)

    html = client.get("/wallet/").content.decode()

    assert balance_shown(html) == "0.00"
    assert "No movements yet." in html
    assert "77.77" not in html


def test_query_count_does_not_grow_with_the_history(client, user, other_user):
    top_up_many(user, 3)
    top_up_many(other_user, 25)

    client.force_login(user)
    with CaptureQueriesContext(connection) as few:
        assert history_rows(client.get("/wallet/").content.decode()) == 3
    client.force_login(other_user)
    with CaptureQueriesContext(connection) as many:
        assert history_rows(client.get("/wallet/").content.decode()) == 20

    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_query_count_is_bounded(client, user, django_assert_max_num_queries):
    top_up_many(user, 25)
    client.force_login(user)

    # session, user, wallet, the page count and the page of entries with their transactions
    with django_assert_max_num_queries(5):
        response = client.get("/wallet/", {"page": 2})

    assert history_rows(response.content.decode()) == 5
