from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import wallet_for
from campaigns import services
from campaigns.models import Campaign, Donation
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory, fund_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_list_shows_active_first_and_hides_others_drafts(client, other_user):
    make_campaign(name="Finished campaign", status="completed")
    make_campaign(name="Open campaign")
    make_campaign(name="Someone's draft", status="draft", organizer=other_user)

    html = client.get("/campaigns/?closed=1").content.decode()

    assert html.index("Open campaign") < html.index("Finished campaign")
    assert "Someone&#x27;s draft" not in html
    assert "Someone's draft" not in html
    assert "<progress" in html


def test_list_leaves_out_completed_and_cancelled_unless_asked(client):
    make_campaign(name="Finished campaign", status="completed")
    make_campaign(name="Stopped campaign", status="cancelled")
    make_campaign(name="Open campaign")

    default = client.get("/campaigns/").content.decode()
    with_closed = client.get("/campaigns/?closed=1").content.decode()

    assert "Open campaign" in default
    assert "Finished campaign" not in default
    assert "Stopped campaign" not in default
    assert "Finished campaign" in with_closed
    assert "Stopped campaign" in with_closed


def test_list_search_and_pagination(client):
    for i in range(13):
        make_campaign(name=f"Campaign number {i:02d}")
    make_campaign(name="Clean water wells")

    found = client.get("/campaigns/?q=water").content.decode()
    first_page = client.get("/campaigns/").content.decode()
    second_page = client.get("/campaigns/?page=2").content.decode()

    assert "Clean water wells" in found
    assert "Campaign number" not in found
    assert "Page 1" in first_page
    assert 'rel="next" href="?page=2"' in first_page
    assert "Page 2" in second_page
    assert 'rel="next"' not in second_page


def test_list_query_count_is_fixed(client):
    make_campaign()
    with CaptureQueriesContext(connection) as few:
        client.get("/campaigns/")
    for i in range(11):
        make_campaign(name=f"Another campaign {i}", organizer=UserFactory())
    with CaptureQueriesContext(connection) as many:
        client.get("/campaigns/")
    assert len(few) == len(many)


def test_detail_shows_progress_and_escapes_messages(client):
    campaign = make_campaign(target="200.00")
    services.donation_create(
        donor=funded_donor(),
        campaign=campaign,
        amount=Decimal("50.00"),
        message="<script>alert(1)</script>",
    )
    hidden = funded_donor()
    services.donation_create(
        donor=hidden, campaign=campaign, amount=Decimal("10.00"), is_anonymous=True
    )

    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Anonymous" in html
    assert hidden.name not in html
    assert 'data-ws-path="/ws/campaigns/' in html
    assert "js/campaign-live.js" in html
    assert "60.00" in html
    assert "30.00" in html
    assert "<script>" not in html.split("</head>")[1]  # no inline script in the body


def test_drafts_404_for_others_and_visible_to_organizer(client, user, other_user):
    draft = make_campaign(status="draft", organizer=user)
    assert client.get(f"/campaigns/{draft.pk}/").status_code == 404
    client.force_login(other_user)
    assert client.get(f"/campaigns/{draft.pk}/").status_code == 404
    client.force_login(user)
    response = client.get(f"/campaigns/{draft.pk}/")
    assert response.status_code == 200
    assert "staff will review" in response.content.decode()


def test_donate_page_needs_sign_in(client):
    campaign = make_campaign()
    response = client.get(f"/campaigns/{campaign.pk}/donate/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_donate_form_moves_money(signed_in, user):
    fund_wallet(user, "80.00")
    campaign = make_campaign()

    page = signed_in.get(f"/campaigns/{campaign.pk}/donate/").content.decode()
    assert "80.00" in page  # the wallet balance
    response = signed_in.post(
        f"/campaigns/{campaign.pk}/donate/",
        {"amount": "30.00", "message": "For you", "is_anonymous": "on"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"/campaigns/{campaign.pk}/"
    assert "Thank you" in response.content.decode()
    donation = Donation.objects.get()
    assert donation.is_anonymous
    assert donation.message == "For you"
    assert wallet_for(user=user).balance == Decimal("50.00")


def test_donate_form_explains_a_short_wallet(signed_in, user):
    fund_wallet(user, "5.00")
    campaign = make_campaign()
    response = signed_in.post(f"/campaigns/{campaign.pk}/donate/", {"amount": "30.00"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your wallet holds 5.00" in html
    assert "Top up" in html
    assert Donation.objects.count() == 0


def test_donate_form_explains_an_inactive_campaign(signed_in, user):
    fund_wallet(user, "50.00")
    campaign = make_campaign(status="completed")
    page = signed_in.get(f"/campaigns/{campaign.pk}/donate/").content.decode()
    assert "not accepting donations" in page
    response = signed_in.post(f"/campaigns/{campaign.pk}/donate/", {"amount": "5.00"})
    assert "not accepting donations" in response.content.decode()
    assert Donation.objects.count() == 0


def test_start_a_campaign_creates_a_draft(signed_in, user):
    response = signed_in.post(
        "/campaigns/new/",
        {
            "name": "Iftar for the neighbourhood",
            "description": "Food every evening.",
            "target_amount": "500.00",
            "start_date": "2030-01-01",
            "end_date": "2030-02-01",
        },
        follow=True,
    )
    campaign = Campaign.objects.get()
    assert campaign.status == "draft"
    assert campaign.organizer == user
    assert "staff will review" in response.content.decode().lower()


def test_start_a_campaign_shows_errors(signed_in):
    response = signed_in.post(
        "/campaigns/new/",
        {
            "name": "Iftar tent",
            "target_amount": "500.00",
            "start_date": "2030-02-01",
            "end_date": "2030-01-01",
        },
    )
    assert "The end date must be after the start date." in response.content.decode()
    assert Campaign.objects.count() == 0


def test_my_donations_and_receipts(signed_in, user, other_user):
    fund_wallet(user, "50.00")
    campaign = make_campaign(name="Clean water wells")
    mine = services.donation_create(donor=user, campaign=campaign, amount=Decimal("12.00"))
    other = services.donation_create(
        donor=funded_donor(), campaign=campaign, amount=Decimal("3.00")
    )

    page = signed_in.get("/donations/").content.decode()
    receipt = signed_in.get(f"/donations/{mine.pk}/receipt/")

    assert "Clean water wells" in page
    assert f"/donations/{mine.pk}/receipt/" in page
    assert f"/donations/{other.pk}/receipt/" not in page
    assert receipt.status_code == 200
    assert str(mine.pk) in receipt.content.decode()
    assert signed_in.get(f"/donations/{other.pk}/receipt/").status_code == 403


def test_my_donations_query_count_is_fixed(signed_in, user):
    fund_wallet(user, "500.00")
    campaign = make_campaign()
    services.donation_create(donor=user, campaign=campaign, amount=Decimal("1.00"))
    with CaptureQueriesContext(connection) as few:
        signed_in.get("/donations/")
    for i in range(15):
        other = make_campaign(name=f"Campaign number {i}")
        services.donation_create(donor=user, campaign=other, amount=Decimal("1.00"))
    with CaptureQueriesContext(connection) as many:
        signed_in.get("/donations/")
    assert len(few) == len(many)


def test_home_lists_active_campaigns(client):
    make_campaign(name="Winter blankets drive")
    make_campaign(name="Hidden draft campaign", status="draft")
    html = client.get("/").content.decode()
    assert "Winter blankets drive" in html
    assert "Hidden draft campaign" not in html


def test_admin_screens_and_actions(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    draft = make_campaign(status="draft", name="Draft to activate")
    active = make_campaign(name="Live campaign")
    donation = services.donation_create(
        donor=funded_donor(), campaign=active, amount=Decimal("9.00"), message="=cmd()"
    )

    assert client.get("/admin/campaigns/campaign/").status_code == 200
    assert client.get(f"/admin/campaigns/campaign/{active.pk}/change/").status_code == 200
    assert client.get("/admin/campaigns/donation/?status=completed").status_code == 200
    client.post(
        "/admin/campaigns/campaign/",
        {"action": "activate", "_selected_action": [str(draft.pk)]},
    )
    exported = client.post(
        "/admin/campaigns/campaign/",
        {"action": "export_donations", "_selected_action": [str(active.pk)]},
    )
    client.post(
        "/admin/campaigns/donation/",
        {"action": "refund", "_selected_action": [str(donation.pk)]},
    )

    draft.refresh_from_db()
    donation.refresh_from_db()
    assert draft.status == "active"
    assert exported["Content-Type"].startswith("text/csv")
    assert "'=cmd()" in exported.content.decode()
    assert donation.status == "refunded"


def test_the_cached_cards_show_each_change_at_once(client):
    campaign = make_campaign(name="Cached card campaign", target="100.00")
    assert "0.00</strong> raised" in client.get("/campaigns/").content.decode()

    services.donation_create(donor=funded_donor(), campaign=campaign, amount=Decimal("12.34"))
    after_gift = client.get("/campaigns/").content.decode()
    services.campaign_complete(campaign=campaign, by=None)
    after_close = client.get("/campaigns/?closed=1").content.decode()

    assert "12.34</strong> raised" in after_gift
    assert "badge-completed" in after_close


def test_a_quick_amount_on_the_campaign_page_fills_the_donate_form(client, user):
    campaign = make_campaign()
    client.force_login(user)

    detail = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    picked = client.get(f"/campaigns/{campaign.pk}/donate/?amount=25").content.decode()
    forged = client.get(f"/campaigns/{campaign.pk}/donate/?amount=99999").content.decode()

    assert f"/campaigns/{campaign.pk}/donate/?amount=25" in detail
    assert 'value="25"' in picked
    assert 'value="99999"' not in forged


@pytest.mark.parametrize(
    ("status", "include_closed"), [(None, False), ("active", True), ("draft", False)]
)
def test_the_pages_order_without_a_rank_is_the_ranks_order(user, status, include_closed):
    from django.db.models import Case, IntegerField, Value, When

    from campaigns import selectors

    for i, state in enumerate(["draft", "active", "completed", "active", "draft", "cancelled"]):
        make_campaign(name=f"Campaign {i}", status=state, organizer=user, end_offset=30 - i % 3)
    rank = Case(
        When(status="active", then=Value(0)),
        When(status="draft", then=Value(1)),
        When(status="completed", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    ranked = (
        selectors.campaign_list(user=user, status=status, include_closed=include_closed)
        .annotate(rank=rank)
        .order_by("rank", "end_date", "-created_at", "-id")
    )
    fast = selectors.campaign_list_active_first(
        user=user, status=status, include_closed=include_closed
    )
    assert "CASE" not in str(fast.query)
    assert list(fast) == list(ranked)
    assert len(ranked) > 1 or status == "draft"
