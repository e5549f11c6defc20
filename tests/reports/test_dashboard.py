"""The admin index is the staff dashboard: figures per role, SVG charts, a fixed
number of queries whatever the size of the books, a minute in the cache."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campaigns import services as campaigns
from reports import dashboard
from tests.campaigns.factories import funded_donor, make_campaign
from tests.distribution.factories import approved_case, fund_zakat, submitted_case
from tests.factories import UserFactory
from tests.loans.factories import active_loan, pending_loan
from tests.staff.factories import staff_with

# Which cards each role sees (the permissions of staff/roles.py decide).
CARDS = {
    "finance": {
        "donations_today",
        "donations_month",
        "zakat_collected",
        "zakat_distributed",
        "pending_cases",
        "pending_approvals",
        "loans_awaiting",
        "overdue",
        "fund_zakat_fund",
    },
    "auditor": {"donations_today", "zakat_collected", "loans_awaiting", "fund_zakat_fund"},
    "loan_officer": {"loans_awaiting", "overdue", "pending_approvals"},
    "zakat_officer": {"zakat_collected", "pending_cases", "pending_approvals"},
    "campaign_manager": {"donations_today", "donations_month", "pending_approvals"},
    "administrator": {"pending_approvals"},
}
NOT_SEEN = {
    "loan_officer": {"donations_today", "zakat_collected", "fund_zakat_fund"},
    "zakat_officer": {"donations_today", "loans_awaiting", "fund_zakat_fund"},
    "campaign_manager": {"zakat_collected", "loans_awaiting", "fund_zakat_fund"},
    "administrator": {"donations_today", "zakat_collected", "loans_awaiting", "fund_zakat_fund"},
}


def seed(n: int) -> None:
    """`n` of each thing: donations, zakat payments, cases, loans."""
    campaign = make_campaign(target="100000.00")
    for i in range(n):
        donor = funded_donor("100.00")
        campaigns.donation_create(donor=donor, campaign=campaign, amount=Decimal("40.00"))
        fund_zakat("25.00")
        submitted_case(amount="100.00")
        pending_loan(UserFactory(), principal="500.00")
        if i % 3 == 0:
            active_loan(UserFactory(), principal="300.00", months=3)
    approved_case(approved="20.00")


def test_the_figures_are_read_in_at_most_four_queries_whatever_the_size(db):
    seed(2)
    with CaptureQueriesContext(connection) as small:
        dashboard.compute()
    seed(10)
    with CaptureQueriesContext(connection) as large:
        figures = dashboard.compute()

    assert len(small.captured_queries) == len(large.captured_queries) <= 4
    assert figures["donations_today"] == (12, Decimal("480.00"))
    assert figures["zakat_collected"] == Decimal("300.00")
    assert figures["pending_cases"] == 12
    assert figures["loans_awaiting"] == 12
    assert dict((s, n) for s, n, _ in figures["loans_by_status"])["active"] == 5
    funds = {kind: balance for kind, _label, balance in figures["funds"]}
    assert funds["zakat_fund"] == Decimal("300.00")
    assert funds["campaign_fund"] == Decimal("480.00")


def test_the_figures_come_from_the_cache_for_a_minute(db, django_assert_max_num_queries):
    seed(1)
    first = dashboard.figures()
    campaigns.donation_create(
        donor=funded_donor("50.00"), campaign=make_campaign(), amount=Decimal("5.00")
    )

    with django_assert_max_num_queries(0):
        again = dashboard.figures()

    assert again == first
    cache.delete(dashboard.CACHE_KEY)
    assert dashboard.figures()["donations_today"][0] == first["donations_today"][0] + 1


def test_the_dashboard_page_costs_four_queries_plus_the_sign_in(db, django_assert_max_num_queries):
    seed(3)
    client = Client()
    client.force_login(staff_with("finance"))
    client.get("/admin/")  # warms the session and the cache
    cache.delete(dashboard.CACHE_KEY)

    # The session, the user and their permissions (3), the figures (<= 4).
    with django_assert_max_num_queries(8):
        response = client.get("/admin/")

    assert response.status_code == 200


@pytest.mark.parametrize("role", sorted(CARDS))
def test_each_role_sees_the_cards_its_permissions_cover(db, role):
    seed(1)
    client = Client()
    client.force_login(staff_with(role))

    response = client.get("/admin/")

    assert response.status_code == 200
    shown = {card.key for card in response.context["cards"]}
    assert CARDS[role] <= shown
    assert not (NOT_SEEN.get(role, set()) & shown)


def test_an_auditor_sees_figures_but_no_action_buttons(db):
    seed(1)
    auditor, officer = Client(), Client()
    auditor.force_login(staff_with("auditor"))
    officer.force_login(staff_with("loan_officer"))

    read_only = auditor.get("/admin/")
    acting = officer.get("/admin/")

    assert all(card.action is None for card in read_only.context["cards"])
    assert b"card-action" not in read_only.content
    loans = next(c for c in acting.context["cards"] if c.key == "loans_awaiting")
    assert loans.action[0] == "Decide loans"


def test_charts_are_inline_svg_with_bars_linking_to_the_admin_list(db):
    seed(1)
    client = Client()
    client.force_login(staff_with("finance"))

    response = client.get("/admin/")

    section = response.content.decode().split('data-testid="dashboard"')[1].split("</section>")[0]
    assert section.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert "<script" not in section
    charts = {chart.key: chart for chart in response.context["charts"]}
    assert set(charts) == {"donations_per_day", "zakat_by_category", "portfolio_by_status"}
    assert len(charts["donations_per_day"].bars) == dashboard.DAYS
    today_bar = charts["donations_per_day"].bars[-1]
    assert today_bar.value == Decimal("40.00")
    listed = client.get(today_bar.href)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 1


def test_every_card_links_to_a_list_that_opens(db):
    seed(1)
    client = Client()
    client.force_login(staff_with("finance"))

    for card in client.get("/admin/").context["cards"]:
        response = client.get(card.href)
        assert response.status_code == 200, card
        assert "?e=1" not in response.get("Location", ""), card
