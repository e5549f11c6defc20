"""Campaign updates: anyone reads a public campaign's; the organizer or a campaign
manager posts, and each donor is e-mailed once, only when the post commits."""

from decimal import Decimal

import pytest
from django.core import mail

from campaigns import services
from campaigns.models import CampaignUpdate
from staff.models import AuditEvent
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BODY = {"title": "First wells dug", "body": "Two wells are done.\nThank you!"}


@pytest.fixture
def campaign(user):
    return make_campaign(organizer=user)


def _give(campaign, donor, amount="5.00"):
    services.donation_create(donor=donor, campaign=campaign, amount=Decimal(amount))


def test_the_organizer_posts_and_each_donor_gets_one_mail(
    api_client, user, campaign, django_capture_on_commit_callbacks
):
    first, second = funded_donor(), funded_donor()
    _give(campaign, first)
    _give(campaign, first)  # twice: still one mail
    _give(campaign, second)
    bystander = funded_donor()
    _give(make_campaign(name="Another campaign"), bystander)
    mail.outbox.clear()
    api_client.force_authenticate(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/campaigns/{campaign.pk}/updates", BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "campaign_id", "title", "body", "author_name", "created_at"}
    assert body["title"] == BODY["title"]
    assert body["author_name"] == user.name
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])
    assert all(len(m.to) == 1 and not m.bcc and not m.cc for m in mail.outbox)
    assert "First wells dug" in mail.outbox[0].subject
    assert "Two wells are done." in mail.outbox[0].body


def _post_then_fail(campaign, user):
    from django.db import transaction

    with transaction.atomic():
        services.campaign_update_create(campaign=campaign, by=user, **BODY)
        raise RuntimeError("a later step failed")


def test_nothing_is_mailed_when_the_post_rolls_back(
    user, campaign, django_capture_on_commit_callbacks
):
    _give(campaign, funded_donor())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        _post_then_fail(campaign, user)

    assert not CampaignUpdate.objects.exists()
    assert mail.outbox == []


def test_anyone_reads_a_public_campaigns_updates_newest_first(api_client, user, campaign):
    services.campaign_update_create(campaign=campaign, by=user, title="Older", body="a")
    services.campaign_update_create(campaign=campaign, by=user, title="Newer", body="b")

    response = api_client.get(f"/api/v1/campaigns/{campaign.pk}/updates?limit=1")

    assert response.status_code == 200
    page = response.json()
    assert [u["title"] for u in page["items"]] == ["Newer"]
    assert page["has_more"] is True
    rest = api_client.get(
        f"/api/v1/campaigns/{campaign.pk}/updates?limit=1&cursor={page['next_cursor']}"
    )
    assert [u["title"] for u in rest.json()["items"]] == ["Older"]


def test_a_drafts_updates_are_hidden_like_the_draft(api_client, other_user):
    draft = make_campaign(status="draft")
    api_client.force_authenticate(other_user)

    assert api_client.get(f"/api/v1/campaigns/{draft.pk}/updates").status_code == 404


def test_others_may_not_post(api_client, campaign, other_user):
    api_client.force_authenticate(other_user)
    refused = api_client.post(f"/api/v1/campaigns/{campaign.pk}/updates", BODY, format="json")
    api_client.force_authenticate(None)
    anonymous = api_client.post(f"/api/v1/campaigns/{campaign.pk}/updates", BODY, format="json")

    assert refused.status_code == 403
    assert anonymous.status_code == 401
    assert not CampaignUpdate.objects.exists()


def test_a_campaign_manager_posts_and_it_is_audited(api_client, campaign):
    manager = UserFactory(is_staff=True, roles=["campaign_manager"])
    api_client.force_authenticate(manager)

    response = api_client.post(f"/api/v1/campaigns/{campaign.pk}/updates", BODY, format="json")

    assert response.status_code == 201
    assert AuditEvent.objects.filter(action="campaign.update_posted", actor=manager).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "body": "x"}, "title"),
        ({"title": "x" * 201, "body": "x"}, "title"),
        ({"title": "Line\nbreak", "body": "x"}, "title"),
        ({"title": "Fine", "body": "   "}, "body"),
        ({"title": "Fine"}, "body"),
    ],
)
def test_a_bad_update_is_a_400(api_client, user, campaign, body, field):
    api_client.force_authenticate(user)

    response = api_client.post(f"/api/v1/campaigns/{campaign.pk}/updates", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["details"]
    assert not CampaignUpdate.objects.exists()


def test_updates_are_shown_and_posted_on_the_campaign_page(
    client, user, campaign, django_capture_on_commit_callbacks
):
    donor = funded_donor()
    _give(campaign, donor)
    mail.outbox.clear()
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/campaigns/{campaign.pk}/updates/", {"title": "Halfway there", "body": "Thanks!"}
        )
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    invalid = client.post(f"/campaigns/{campaign.pk}/updates/", {"title": "", "body": ""})

    assert response.status_code == 302
    assert "Halfway there" in page
    assert [m.to for m in mail.outbox] == [[donor.email]]
    assert invalid.status_code == 400


def test_a_stranger_posting_on_the_page_is_403(client, other_user, campaign):
    client.force_login(other_user)

    response = client.post(f"/campaigns/{campaign.pk}/updates/", BODY)

    assert response.status_code == 403
    assert not CampaignUpdate.objects.exists()


def test_a_campaign_manager_posts_an_update_in_the_admin(
    client, campaign, django_capture_on_commit_callbacks
):
    donor = funded_donor()
    _give(campaign, donor)
    mail.outbox.clear()
    manager = UserFactory(is_staff=True, roles=["campaign_manager"])
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/campaigns/campaignupdate/add/",
            {"campaign": str(campaign.pk), "title": "From the office", "body": "Posted."},
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    update = CampaignUpdate.objects.get()
    assert update.author == manager
    assert [m.to for m in mail.outbox] == [[donor.email]]
    assert client.get("/admin/campaigns/campaignupdate/").status_code == 200
