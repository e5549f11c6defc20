"""Performance budget: every API list and list page runs the same number of
queries at 10 and at 100 rows, and at most four.

(The benchmark's throughput figures rest on this: a list whose query count
grew with its rows would fall off a cliff on page 100.)
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from campaigns import services as campaign_services
from giving import services as giving_services
from giving.models import RecurringDonation
from payouts import services as payout_services
from staff import services as staff_services
from tests.campaigns.factories import make_campaign
from tests.distribution.factories import submitted_case
from tests.factories import UserFactory, fund_wallet
from tests.helpers import fitr_payment_this_season
from tests.loans.factories import pending_loan, requested_contract
from tests.payouts.factories import payout_account
from tests.staff.factories import staff_with
from tests.zakat.factories import MetalPriceFactory, ZakatRecordFactory

MAX_QUERIES = 4


def _count(client, url: str) -> int:
    client.get(url)  # warm: content types, first-use caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _jwt_client(user) -> APIClient:
    client = APIClient()
    token = account_services.auth_tokens_issue(user=user)["access_token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def donor(db):
    user = UserFactory()
    fund_wallet(user, "100000.00")
    return user


def _rows(kind: str, n: int, *, donor, campaign, staff) -> None:
    """Add n rows of one kind, each made the way the app makes it."""
    for _ in range(n):
        if kind == "campaigns":
            make_campaign()
        elif kind == "donations":
            campaign_services.donation_create(
                donor=donor, campaign=campaign, amount=Decimal("1.00")
            )
        elif kind == "wallet":
            account_services.top_up_create(user=donor, amount=Decimal("1.00"))
        elif kind == "zakat":
            ZakatRecordFactory(payer=donor)
        elif kind == "prices":
            MetalPriceFactory()
        elif kind == "loans":  # the donor's own and others' (staff lists show both)
            pending_loan(donor)
            pending_loan(UserFactory())
        elif kind == "murabaha":
            requested_contract(donor)
            requested_contract(UserFactory())
        elif kind == "approvals":  # pending, each naming its requester and subject
            staff_services.wallet_adjustment_request(
                user=donor, amount=Decimal("1.00"), reason="Goodwill credit", by=staff
            )
        elif kind == "cases":  # the donor's own and others' (zakat staff see all)
            submitted_case(donor)
            submitted_case(UserFactory())
        elif kind == "payout_accounts":
            payout_account(donor, iban=_nth_iban(donor.payout_accounts.count()))
        elif kind == "withdrawals":  # each naming its bank account (masked)
            account = donor.payout_accounts.first() or payout_account(donor)
            payout_services.withdrawal_create(
                user=donor, amount=Decimal("1.00"), payout_account=account
            )
        elif kind == "campaign_payouts":  # executed at once: the kind left out of FOUR_EYES
            campaign_services.donation_create(
                donor=donor, campaign=campaign, amount=Decimal("1.00")
            )
            with override_settings(FOUR_EYES=[]):
                payout_services.campaign_payout_request(
                    campaign=campaign, by=campaign.organizer, amount="1.00", payee_name="Payee"
                )
        elif kind == "fitr":
            fitr_payment_this_season(donor, by=staff)
        elif kind == "recurring":  # each naming its campaign, with its latest runs
            gift = giving_services.recurring_donation_create(
                donor=donor, campaign=campaign, amount=Decimal("1.00"), frequency="daily"
            )
            giving_services.recurring_run_one(gift_id=gift.pk, today=timezone.localdate())
        elif kind == "recurring_runs":  # runs of one gift, a day each
            gift = _first_gift(donor, campaign)
            day = gift.runs.order_by("run_on").values_list("run_on", flat=True).first()
            RecurringDonation.objects.filter(pk=gift.pk).update(
                next_run_on=(day or timezone.localdate()) - timedelta(days=1)
            )
            giving_services.recurring_run_one(
                gift_id=gift.pk, today=(day or timezone.localdate()) - timedelta(days=1)
            )
        elif kind == "updates":  # each naming its author
            campaign_services.campaign_update_create(
                campaign=campaign, by=campaign.organizer, title="News", body="More news."
            )
        elif kind == "audit":  # each posting's event, naming its actor
            campaign_services.donation_create(
                donor=donor, campaign=campaign, amount=Decimal("1.00")
            )


def _first_gift(donor, campaign) -> RecurringDonation:
    return RecurringDonation.objects.filter(donor=donor).first() or (
        giving_services.recurring_donation_create(
            donor=donor, campaign=campaign, amount=Decimal("1.00"), frequency="daily"
        )
    )


def _nth_iban(n: int) -> str:
    from stdnum import iban

    bban = f"37040044{n:010d}"
    return f"DE{iban.calc_check_digits('DE00' + bban)}{bban}"


API_LISTS = [
    ("campaigns", "/api/v1/campaigns", "anon"),
    ("donations", "/api/v1/campaigns/{campaign}/donations", "anon"),
    ("updates", "/api/v1/campaigns/{campaign}/updates", "anon"),
    ("donations", "/api/v1/donations", "donor"),
    ("wallet", "/api/v1/wallet/transactions", "donor"),
    ("zakat", "/api/v1/zakat/records", "donor"),
    ("zakat", "/api/v1/zakat/my-records", "donor"),
    ("prices", "/api/v1/zakat/metal-prices", "donor"),
    ("fitr", "/api/v1/zakat/fitr/payments", "donor"),
    ("fitr", "/api/v1/zakat/fitr/payments", "staff"),
    ("loans", "/api/v1/qard-hasan/loans", "staff"),
    ("murabaha", "/api/v1/murabaha/contracts", "staff"),
    ("approvals", "/api/v1/approvals", "staff"),
    ("audit", "/api/v1/audit-events", "auditor"),
    ("cases", "/api/v1/zakat/cases", "staff"),
    ("cases", "/api/v1/zakat/cases", "donor"),
    ("payout_accounts", "/api/v1/payout-accounts", "donor"),
    ("withdrawals", "/api/v1/wallet/withdrawals", "donor"),
    ("campaign_payouts", "/api/v1/campaigns/{campaign}/payouts", "staff"),
    ("recurring", "/api/v1/recurring-donations", "donor"),
    ("recurring_runs", "/api/v1/recurring-donations/{gift}/runs", "donor"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "url", "who"), API_LISTS, ids=[u for _k, u, _w in API_LISTS])
def test_api_lists_cost_the_same_few_queries_at_10_and_100_rows(kind, url, who, donor):
    staff = UserFactory(is_staff=True)
    campaign = make_campaign()
    _rows(kind, 100, donor=donor, campaign=campaign, staff=staff)
    client = {
        "anon": APIClient,
        "donor": lambda: _jwt_client(donor),
        "staff": lambda: _jwt_client(staff),
        "auditor": lambda: _jwt_client(staff_with("auditor")),
    }[who]()
    gift = _first_gift(donor, campaign).pk if "{gift}" in url else ""
    url = url.format(campaign=campaign.pk, gift=gift)
    sep = "&" if "?" in url else "?"
    ten = _count(client, f"{url}{sep}limit=10")
    hundred = _count(client, f"{url}{sep}limit=100")
    assert ten == hundred, f"{url}: {ten} queries at 10 rows, {hundred} at 100"
    budget = BUDGET_EXCEPTIONS.get(url.replace(str(campaign.pk), "{campaign}"), MAX_QUERIES)
    assert hundred <= budget, f"{url}: {hundred} queries (budget {budget})"


# One more query than the rest, and why: the caller, the campaign, the staff
# permission check (Django loads a user's permissions in two queries) and the page.
BUDGET_EXCEPTIONS = {"/api/v1/campaigns/{campaign}/payouts": MAX_QUERIES + 1}


PAGES = [
    ("campaigns", "/campaigns/", "anon"),
    ("donations", "/donations/", "donor"),
    ("wallet", "/wallet/", "donor"),
    ("zakat", "/zakat/records/", "donor"),
    ("fitr", "/zakat/fitr/", "donor"),
    ("loans", "/loans/", "donor"),
    ("murabaha", "/loans/", "donor"),
    ("cases", "/zakat/cases/", "donor"),
    ("withdrawals", "/wallet/withdraw/", "donor"),
    ("payout_accounts", "/wallet/payout-accounts/", "donor"),
    ("recurring", "/recurring/", "donor"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "url", "who"), PAGES, ids=[f"{u} ({k})" for k, u, _w in PAGES])
def test_list_pages_cost_the_same_queries_at_10_and_100_rows(kind, url, who, donor, client):
    staff = UserFactory(is_staff=True)
    campaign = make_campaign()
    if who == "donor":
        client.force_login(donor)
    _rows(kind, 10, donor=donor, campaign=campaign, staff=staff)
    ten = _count(client, url)
    _rows(kind, 90, donor=donor, campaign=campaign, staff=staff)
    hundred = _count(client, url)
    assert ten == hundred, f"{url}: {ten} queries with 10 rows, {hundred} with 100"
    # Every query counts, the user's included; the session comes from the cache
    # (cached_db) and the pages fetch one row more instead of a COUNT
    # (config.paging), so /wallet/ is the user, the wallet and the rows, and
    # /zakat/records/ adds the hawl date.
    assert hundred <= MAX_QUERIES, f"{url}: {hundred} queries (budget {MAX_QUERIES})"
