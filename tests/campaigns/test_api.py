from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.selectors import wallet_for
from campaigns import services
from campaigns.models import Campaign, Donation
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory, fund_wallet

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "name",
    "description",
    "target_amount",
    "current_amount",
    "donor_count",
    "status",
    "start_date",
    "end_date",
    "progress_percentage",
    "organizer_name",
    "zakat_eligible",
    "cover_url",
    "cover_thumbnail_url",
    "created_at",
}
DONATION_FIELDS = {
    "id",
    "campaign_id",
    "amount",
    "message",
    "is_anonymous",
    "donor_name",
    "designation",
    "status",
    "created_at",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def new_campaign_body(**overrides):
    today = timezone.localdate()
    return {
        "name": "Winter blankets",
        "description": "Warm blankets for families.",
        "target_amount": "1500.00",
        "start_date": str(today),
        "end_date": str(today + timedelta(days=30)),
        **overrides,
    }


def test_create_campaign_is_a_draft_and_ignores_server_fields(auth_client, user):
    response = auth_client.post(
        "/api/v1/campaigns",
        new_campaign_body(status="active", current_amount="999.00", donor_count=5),
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    assert body["status"] == "draft"
    assert body["current_amount"] == "0.00"
    assert body["donor_count"] == 0
    assert body["progress_percentage"] == "0.00"
    assert body["organizer_name"] == user.name
    assert body["target_amount"] == "1500.00"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "abcd"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"target_amount": "0"}, "target_amount"),
        ({"target_amount": "-1.00"}, "target_amount"),
        ({"target_amount": "1.001"}, "target_amount"),
        ({"target_amount": "NaN"}, "target_amount"),
        ({"target_amount": "1e3"}, "target_amount"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"end_date": str(timezone.localdate())}, "end_date"),
    ],
)
def test_create_campaign_validation(auth_client, overrides, field):
    response = auth_client.post("/api/v1/campaigns", new_campaign_body(**overrides), format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert field in response.json()["details"]
    assert Campaign.objects.count() == 0


def test_anonymous_cannot_create(api_client):
    response = api_client.post("/api/v1/campaigns", new_campaign_body(), format="json")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_drafts_are_invisible_to_others(api_client, user, other_user, staff_user):
    draft = make_campaign(organizer=user, status="draft", name="My secret draft")
    active = make_campaign(name="Open campaign")

    def ids(client):
        return {c["id"] for c in client.get("/api/v1/campaigns").json()["items"]}

    assert ids(api_client) == {str(active.pk)}
    assert ids(client_for(other_user)) == {str(active.pk)}
    assert ids(client_for(user)) == {str(active.pk), str(draft.pk)}
    assert ids(client_for(staff_user)) == {str(active.pk), str(draft.pk)}
    assert api_client.get(f"/api/v1/campaigns/{draft.pk}").status_code == 404
    assert client_for(other_user).get(f"/api/v1/campaigns/{draft.pk}").status_code == 404
    assert client_for(user).get(f"/api/v1/campaigns/{draft.pk}").status_code == 200


def test_filters_status_and_search(api_client):
    make_campaign(name="Clean water wells", description="Hand pumps")
    done = make_campaign(name="School books", status="completed")

    by_status = api_client.get("/api/v1/campaigns?status=completed").json()["items"]
    by_name = api_client.get("/api/v1/campaigns?search=WATER").json()["items"]
    by_text = api_client.get("/api/v1/campaigns?search=pumps").json()["items"]

    assert [c["id"] for c in by_status] == [str(done.pk)]
    assert [c["name"] for c in by_name] == ["Clean water wells"]
    assert [c["name"] for c in by_text] == ["Clean water wells"]
    bad = api_client.get("/api/v1/campaigns?status=sideways")
    assert bad.status_code == 400
    assert bad.json()["error"] == "validation_error"


def test_patch_and_delete_rules(user, other_user, staff_user):
    draft = make_campaign(organizer=user, status="draft")
    organizer, stranger, staff = client_for(user), client_for(other_user), client_for(staff_user)

    ok = organizer.patch(
        f"/api/v1/campaigns/{draft.pk}", {"name": "Better name", "status": "active"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["name"] == "Better name"
    assert ok.json()["status"] == "draft"
    assert stranger.patch(f"/api/v1/campaigns/{draft.pk}", {"name": "Mine now"}).status_code == 404

    bad_dates = organizer.patch(
        f"/api/v1/campaigns/{draft.pk}", {"end_date": str(draft.start_date)}, format="json"
    )
    assert bad_dates.status_code == 400

    staff.post(f"/api/v1/campaigns/{draft.pk}/activate")
    late = organizer.patch(f"/api/v1/campaigns/{draft.pk}", {"name": "Too late now"})
    assert late.status_code == 400
    assert late.json()["error"] == "campaign_not_draft"
    forbidden = stranger.patch(f"/api/v1/campaigns/{draft.pk}", {"name": "Mine now"})
    assert forbidden.status_code == 403
    assert (
        staff.patch(f"/api/v1/campaigns/{draft.pk}", {"description": "Staff note"}).status_code
        == 200
    )
    assert organizer.delete(f"/api/v1/campaigns/{draft.pk}").status_code == 400

    another = make_campaign(organizer=user, status="draft")
    assert stranger.delete(f"/api/v1/campaigns/{another.pk}").status_code == 404
    assert organizer.delete(f"/api/v1/campaigns/{another.pk}").status_code == 204
    assert not Campaign.objects.filter(pk=another.pk).exists()


def test_lifecycle_actions_are_staff_only(auth_client, staff_client, api_client):
    campaign = make_campaign(status="draft", organizer=auth_client.user)

    assert auth_client.post(f"/api/v1/campaigns/{campaign.pk}/activate").status_code == 403
    assert api_client.post(f"/api/v1/campaigns/{campaign.pk}/activate").status_code == 401
    activated = staff_client.post(f"/api/v1/campaigns/{campaign.pk}/activate")
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    again = staff_client.post(f"/api/v1/campaigns/{campaign.pk}/activate")
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_transition"
    assert staff_client.post(f"/api/v1/campaigns/{campaign.pk}/complete").json()["status"] == (
        "completed"
    )
    cancel = staff_client.post(f"/api/v1/campaigns/{campaign.pk}/cancel")
    assert cancel.status_code == 400
    assert cancel.json()["error"] == "invalid_transition"
    unknown = staff_client.post("/api/v1/campaigns/00000000-0000-0000-0000-000000000000/cancel")
    assert unknown.status_code == 404


def test_donate_through_both_paths(auth_client, user):
    fund_wallet(user, "100.00")
    campaign = make_campaign(target="200.00")

    first = auth_client.post(
        "/api/v1/donations",
        {"campaign_id": str(campaign.pk), "amount": "30.00", "message": "Bismillah"},
        format="json",
    )
    second = auth_client.post(
        f"/api/v1/campaigns/{campaign.pk}/donations",
        {"amount": 20, "is_anonymous": True, "status": "refunded"},
        format="json",
    )

    assert first.status_code == 201, first.content
    assert set(first.json()) == DONATION_FIELDS
    assert first.json()["amount"] == "30.00"
    assert first.json()["donor_name"] == user.name
    assert first.json()["status"] == "completed"
    assert second.status_code == 201
    assert second.json()["is_anonymous"] is True
    assert second.json()["donor_name"] == user.name  # the donor sees themself
    assert second.json()["status"] == "completed"
    body = auth_client.get(f"/api/v1/campaigns/{campaign.pk}").json()
    assert (body["current_amount"], body["donor_count"], body["progress_percentage"]) == (
        "50.00",
        1,
        "25.00",
    )
    assert wallet_for(user=user).balance == Decimal("50.00")


def test_donation_errors(auth_client, user, other_user):
    fund_wallet(user, "20.00")
    active = make_campaign()
    completed = make_campaign(status="completed")
    foreign_draft = make_campaign(status="draft", organizer=other_user)
    own_draft = make_campaign(status="draft", organizer=user)

    def donate(campaign_id, amount="10.00"):
        return auth_client.post(
            "/api/v1/donations", {"campaign_id": str(campaign_id), "amount": amount}, format="json"
        )

    unknown = donate("00000000-0000-0000-0000-000000000000")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert donate(foreign_draft.pk).status_code == 404
    for campaign in (completed, own_draft):
        refused = donate(campaign.pk)
        assert (refused.status_code, refused.json()["error"]) == (400, "campaign_not_active")
    short = donate(active.pk, "50.00")
    assert short.status_code == 402
    assert short.json()["error"] == "insufficient_funds"
    assert short.json()["available_amount"] == "20.00"
    assert short.json()["required_amount"] == "50.00"
    assert "request_id" in short.json()
    for amount in ("0", "-5", "1.005", "1e2", "abc", True):
        bad = donate(active.pk, amount)
        assert bad.status_code == 400, amount
        assert "amount" in bad.json()["details"]
    long_message = auth_client.post(
        "/api/v1/donations",
        {"campaign_id": str(active.pk), "amount": "1.00", "message": "x" * 501},
        format="json",
    )
    assert long_message.status_code == 400
    assert "message" in long_message.json()["details"]
    bad_id = auth_client.post("/api/v1/donations", {"campaign_id": "nope", "amount": "1.00"})
    assert bad_id.status_code == 400
    assert Donation.objects.count() == 0


def test_anonymous_visitor_cannot_donate(api_client):
    campaign = make_campaign()
    response = api_client.post(f"/api/v1/campaigns/{campaign.pk}/donations", {"amount": "1.00"})
    assert response.status_code == 401


def test_idempotent_replay_moves_money_once(auth_client, user):
    fund_wallet(user, "100.00")
    campaign = make_campaign()
    body = {"campaign_id": str(campaign.pk), "amount": "25.00"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "donate-123"}

    first = auth_client.post("/api/v1/donations", body, format="json", **headers)
    replay = auth_client.post("/api/v1/donations", body, format="json", **headers)
    conflict = auth_client.post(
        "/api/v1/donations", {**body, "amount": "26.00"}, format="json", **headers
    )

    assert first.status_code == replay.status_code == 201
    assert replay.content == first.content
    assert replay["Idempotent-Replayed"] == "true"
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "idempotency_conflict"
    assert Donation.objects.count() == 1
    assert wallet_for(user=user).balance == Decimal("75.00")


def test_idempotent_on_campaign_donations_path(auth_client, user):
    fund_wallet(user, "100.00")
    campaign = make_campaign()
    url = f"/api/v1/campaigns/{campaign.pk}/donations"
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    first = auth_client.post(url, {"amount": "10.00"}, format="json", **headers)
    again = auth_client.post(url, {"amount": "10.00"}, format="json", **headers)
    assert first.content == again.content
    assert Donation.objects.count() == 1


def test_campaign_donations_hide_anonymous_donors(api_client, user, staff_user):
    campaign = make_campaign()
    named, hidden = funded_donor(), funded_donor()
    services.donation_create(donor=named, campaign=campaign, amount=Decimal("5.00"))
    services.donation_create(
        donor=hidden, campaign=campaign, amount=Decimal("6.00"), is_anonymous=True
    )
    url = f"/api/v1/campaigns/{campaign.pk}/donations"

    public = api_client.get(url).json()["items"]
    for_staff = client_for(staff_user).get(url).json()["items"]
    for_donor = client_for(hidden).get(url).json()["items"]

    assert [d["donor_name"] for d in public] == ["Anonymous", named.name]  # newest first
    assert [d["donor_name"] for d in for_staff] == [hidden.name, named.name]
    assert [d["donor_name"] for d in for_donor] == [hidden.name, named.name]
    assert hidden.email not in str(public)


def test_donation_read_rules(user, other_user, staff_user):
    campaign = make_campaign()
    fund_wallet(user, "50.00")
    mine = services.donation_create(donor=user, campaign=campaign, amount=Decimal("5.00"))
    theirs_donor = funded_donor()
    theirs = services.donation_create(donor=theirs_donor, campaign=campaign, amount=Decimal("7.00"))

    me = client_for(user)
    assert [d["id"] for d in me.get("/api/v1/donations").json()["items"]] == [str(mine.pk)]
    assert me.get(f"/api/v1/donations/{mine.pk}").status_code == 200
    forbidden = me.get(f"/api/v1/donations/{theirs.pk}")
    assert (forbidden.status_code, forbidden.json()["error"]) == (403, "permission_denied")
    assert me.get("/api/v1/donations/00000000-0000-0000-0000-000000000000").status_code == 404
    staff = client_for(staff_user)
    assert len(staff.get("/api/v1/donations").json()["items"]) == 2
    other_campaign = make_campaign(name="Another campaign")
    filtered = staff.get(f"/api/v1/donations?campaign={other_campaign.pk}").json()["items"]
    assert filtered == []
    assert staff.get("/api/v1/donations?campaign=nope").status_code == 400


def test_refund_endpoint(user, staff_user):
    campaign = make_campaign()
    fund_wallet(user, "50.00")
    donation = services.donation_create(donor=user, campaign=campaign, amount=Decimal("15.00"))
    mail.outbox.clear()

    denied = client_for(user).post(f"/api/v1/donations/{donation.pk}/refund")
    staff = client_for(staff_user)
    ok = staff.post(f"/api/v1/donations/{donation.pk}/refund")
    again = staff.post(f"/api/v1/donations/{donation.pk}/refund")

    assert denied.status_code == 403
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "refunded"
    assert (again.status_code, again.json()["error"]) == (400, "already_refunded")
    assert (
        staff.post("/api/v1/donations/00000000-0000-0000-0000-000000000000/refund").status_code
        == 404
    )
    campaign.refresh_from_db()
    assert (campaign.current_amount, campaign.donor_count) == (Decimal("0.00"), 0)
    assert wallet_for(user=user).balance == Decimal("50.00")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_counts_do_not_grow(staff_user):
    campaign = make_campaign()
    donor = funded_donor("1000.00")
    services.donation_create(donor=donor, campaign=campaign, amount=Decimal("1.00"))
    client = client_for(staff_user)
    anonymous = APIClient()
    urls = [
        (anonymous, "/api/v1/campaigns?limit=100"),
        (client, "/api/v1/campaigns?limit=100"),
        (anonymous, f"/api/v1/campaigns/{campaign.pk}/donations?limit=100"),
        (client, "/api/v1/donations?limit=100"),
    ]
    # force_authenticate hands every request the same user object, whose permission
    # cache fills on its first request: warm it so both rounds count alike.
    [_count(c, u) for c, u in urls]
    few = [_count(c, u) for c, u in urls]

    for i in range(49):
        make_campaign(name=f"Campaign number {i}", organizer=UserFactory())
        services.donation_create(
            donor=funded_donor(), campaign=campaign, amount=Decimal("1.00"), is_anonymous=i % 2 == 0
        )
    many = [_count(c, u) for c, u in urls]

    assert Campaign.objects.count() == 50
    assert Donation.objects.count() == 50
    assert few == many


def test_a_donation_is_a_fixed_handful_of_statements(auth_client, user):
    """Each statement of a donation is a round trip while the campaign row is
    locked; their number is what bounds donations per second (docs/benchmarks.md)."""
    fund_wallet(user, "100.00")
    campaign = make_campaign()
    body = {"campaign_id": str(campaign.pk), "amount": "1.00"}
    assert auth_client.post("/api/v1/donations", body, format="json").status_code == 201

    with CaptureQueriesContext(connection) as ctx:
        response = auth_client.post("/api/v1/donations", body, format="json")

    assert response.status_code == 201
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    # One savepoint: the service's own transaction, nested in the test's. The
    # ledger posting inside it adds none.
    assert statements.count("SAVEPOINT") == 1, statements
    work = [s for s in statements if s not in ("SAVEPOINT", "RELEASE")]
    # The user, the campaign (read as it is locked), the two accounts (found,
    # then locked), the ledger transaction, its entries, two balances, "first
    # gift from this donor?", the donation's receipt number (one UPDATE ...
    # RETURNING), the donation, the campaign's totals, and the audit event every
    # money movement leaves.
    assert len(work) <= 13, statements


def test_the_lean_campaign_output_equals_drfs_generic_one():
    from rest_framework import serializers as drf

    from campaigns.serializers import CampaignOut

    organizer = UserFactory(name="Fatima <Zahra> & co")
    campaigns = [
        make_campaign(organizer=organizer, target="1000.00"),
        make_campaign(name="No description yet", target="0.03", description=""),
        make_campaign(status="draft", target="99999999.99"),
    ]
    funded = funded_donor("5000.00")
    services.donation_create(donor=funded, campaign=campaigns[0], amount=Decimal("333.33"))
    services.donation_create(donor=funded, campaign=campaigns[1], amount=Decimal("0.05"))

    for campaign in Campaign.objects.select_related("organizer"):
        lean = CampaignOut(campaign).data
        generic = drf.ModelSerializer.to_representation(CampaignOut(), campaign)
        assert lean == generic
        assert list(lean) == CampaignOut.Meta.fields


def test_the_lean_donation_output_equals_drfs_generic_one(user, staff_user):
    from rest_framework import serializers as drf
    from rest_framework.test import APIRequestFactory

    from campaigns.serializers import DonationOut

    campaign = make_campaign()
    donor = funded_donor("100.00")
    services.donation_create(donor=donor, campaign=campaign, amount=Decimal("1.50"))
    services.donation_create(
        donor=donor,
        campaign=campaign,
        amount=Decimal("2.00"),
        message="<b>hi</b>",
        is_anonymous=True,
    )
    for viewer in (donor, user, staff_user):
        request = APIRequestFactory().get("/")
        request.user = viewer
        for donation in Donation.objects.select_related("donor"):
            out = DonationOut(donation, context={"request": request})
            generic = drf.ModelSerializer.to_representation(out, donation)
            assert out.data == generic
            assert list(out.data) == DonationOut.Meta.fields
