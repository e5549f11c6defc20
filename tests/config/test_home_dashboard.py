"""The signed-in home page: wallet, hawl countdown, next payment, recent gifts,
and the account menu in the base template, in a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import services as campaign_services
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory, fund_wallet
from tests.loans.factories import active_loan
from zakat import services as zakat_services

pytestmark = pytest.mark.django_db

# The user, the featured campaigns, the wallet, the hawl date, the next
# installment and the gifts (the session is in the cache).
HOME_QUERIES = 6


def _gifts(user, n):
    campaign = make_campaign(name="Clean water wells")
    for _ in range(n):
        campaign_services.donation_create(donor=user, campaign=campaign, amount=Decimal("2.50"))
    return campaign


def test_the_signed_in_home_shows_wallet_hawl_next_payment_and_gifts(client, user):
    fund_wallet(user, "100.00")
    _gifts(user, 2)
    start = timezone.localdate() - timedelta(days=300)
    hawl = zakat_services.hawl_set(user=user, start_date=start)
    loan = active_loan(user, principal="1200.00", months=12)
    client.force_login(user)

    html = client.get("/").content.decode()

    assert 'data-testid="dashboard"' in html
    assert "95.00" in html  # 100 topped up, 2 x 2.50 given
    days = (hawl.next_due - timezone.localdate()).days
    assert f"{days} days" in html
    assert "100.00" in html  # the loan's first installment: 1200 / 12
    assert f"/loans/{loan.pk}/" in html
    assert "Clean water wells" in html
    assert "Give again" in html


def test_the_anonymous_home_has_no_dashboard(client):
    html = client.get("/").content.decode()

    assert 'data-testid="dashboard"' not in html
    assert "Create a free account" in html


def test_the_home_page_costs_the_same_queries_however_much_a_person_holds(
    client, django_assert_num_queries
):
    light, heavy = UserFactory(), UserFactory()
    fund_wallet(light, "10.00")
    fund_wallet(heavy, "1000.00")
    _gifts(light, 1)
    _gifts(heavy, 30)
    for who in (light, heavy):
        zakat_services.hawl_set(user=who, start_date=timezone.localdate() - timedelta(days=10))
    active_loan(heavy)
    active_loan(heavy)
    for who in (light, heavy):
        client.force_login(who)
        client.get("/")  # warm the session and template caches
        with django_assert_num_queries(HOME_QUERIES):
            response = client.get("/")
        assert response.status_code == 200


def test_the_account_menu_links_every_place_of_ones_own(client, user):
    client.force_login(user)

    html = client.get("/campaigns/").content.decode()

    assert '<details class="account-menu"' in html
    for path in (
        "/wallet/",
        "/donations/",
        "/zakat/records/",
        "/loans/",
        "/recurring/",
        "/statements/",
    ):
        assert f'href="{path}"' in html
    assert "js/menu.js" in html


def test_the_error_code_colour_meets_aa_contrast():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/css/site.css").read_text()
    assert ".error-code { font-weight: 700; color: var(--accent-text);" in css

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    import re

    text = re.search(r"--accent-text: (#[0-9a-f]{6})", css).group(1)
    background = re.search(r"--bg: (#[0-9a-f]{6})", css).group(1)
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5


def test_the_wallet_history_scroll_region_is_focusable(client, user):
    fund_wallet(user, "10.00")
    client.force_login(user)

    html = client.get("/wallet/").content.decode()

    assert 'class="table-wrap" tabindex="0" role="region" aria-label="Wallet history"' in html
    assert 'data-label="Amount"' in html
