"""The /recurring/ and /statements/ pages and the donate page's card choice."""

from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Donation
from giving import services
from giving.models import RecurringDonation
from tests.campaigns.factories import make_campaign
from tests.factories import UserFactory, fund_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def donor(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_pages_send_anonymous_visitors_to_sign_in(client):
    for url in ("/recurring/", "/statements/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_set_up_a_gift_and_see_errors_inline(client, donor):
    campaign = make_campaign()
    bad = client.post(
        "/recurring/",
        {
            "campaign": str(campaign.pk),
            "amount": "0",
            "frequency": "hourly",
            "designation": "zakat",
        },
    )
    assert bad.status_code == 200
    assert not RecurringDonation.objects.exists()
    assert bad.context["form"].errors.keys() >= {"amount", "frequency"}

    refused = client.post(
        "/recurring/",
        {
            "campaign": str(campaign.pk),
            "amount": "5",
            "frequency": "weekly",
            "designation": "zakat",
        },
    )
    assert "does not take zakat" in refused.content.decode()

    ok = client.post(
        "/recurring/",
        {
            "campaign": str(campaign.pk),
            "amount": "5",
            "frequency": "weekly",
            "designation": "sadaqah",
        },
    )
    assert ok.status_code == 302
    assert RecurringDonation.objects.get().frequency == "weekly"


def test_change_amount_pause_resume_cancel(client, donor):
    gift = services.recurring_donation_create(
        donor=donor, campaign=make_campaign(), amount="5", frequency="daily"
    )
    url = f"/recurring/{gift.pk}/"

    client.post(url, {"action": "amount", "amount": "9.99"})
    client.post(url, {"action": "pause"})
    gift.refresh_from_db()
    assert (gift.amount, gift.status) == (Decimal("9.99"), "paused")
    client.post(url, {"action": "resume"})
    gift.refresh_from_db()
    assert gift.status == "active"
    response = client.post(url, {"action": "amount", "amount": "abc"}, follow=True)
    assert "Enter an amount" in response.content.decode()
    client.post(url, {"action": "cancel"})
    gift.refresh_from_db()
    assert gift.status == "cancelled"


def test_someone_elses_gift_is_403(client, donor):
    gift = services.recurring_donation_create(
        donor=UserFactory(), campaign=make_campaign(), amount="5", frequency="daily"
    )
    assert client.post(f"/recurring/{gift.pk}/", {"action": "cancel"}).status_code == 403
    gift.refresh_from_db()
    assert gift.status == "active"


def test_statements_page_lists_the_years_with_gifts(client, donor):
    assert "No gifts yet" in client.get("/statements/").content.decode()
    fund_wallet(donor, "10.00")
    campaign_services.donation_create(donor=donor, campaign=make_campaign(), amount="5.00")
    year = timezone.localdate().year

    page = client.get("/statements/").content.decode()

    assert f"/api/v1/statements/{year}.pdf" in page


def test_donate_page_offers_presets_and_the_card(client, donor):
    campaign = make_campaign()
    page = client.get(f"/campaigns/{campaign.pk}/donate/").content.decode()
    for preset in ("10", "25", "50", "100"):
        assert f'value="{preset}"' in page
    assert 'value="card"' in page

    response = client.post(
        f"/campaigns/{campaign.pk}/donate/", {"preset": "50", "pay_with": "card"}
    )

    assert response.status_code == 302
    assert Donation.objects.get(donor=donor).amount == Decimal("50")


def test_a_donation_needs_an_amount(client, donor):
    campaign = make_campaign()
    response = client.post(f"/campaigns/{campaign.pk}/donate/", {"pay_with": "wallet"})
    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
