"""Zakat given to a campaign: the zakat_eligible flag (staff only), the donation's
designation, where its money goes, the totals, refunds, pages and the admin."""

from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from rest_framework.test import APIClient

from accounts import services as ledger
from accounts.models import LedgerAccount
from accounts.selectors import wallet_for
from accounts.services.ledger import ZakatFundRestricted
from campaigns import services
from campaigns.models import Campaign, Donation
from staff.models import AuditEvent
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import UserFactory
from tests.staff.factories import staff_with

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def zakat_campaign(**kwargs) -> Campaign:
    campaign = make_campaign(**kwargs)
    return services.campaign_update(
        campaign=campaign, by=staff_with("campaign_manager"), zakat_eligible=True
    )


def balance(key: str) -> Decimal:
    account = LedgerAccount.objects.filter(key=key).first()
    return account.balance if account else Decimal("0.00")


# --- zakat_eligible -----------------------------------------------------------------


def test_campaigns_are_not_zakat_eligible_by_default():
    campaign = make_campaign()

    body = APIClient().get(f"/api/v1/campaigns/{campaign.pk}").json()

    assert campaign.zakat_eligible is False
    assert body["zakat_eligible"] is False


def test_campaign_staff_set_zakat_eligible_and_it_is_audited():
    campaign = make_campaign()
    manager = staff_with("campaign_manager")

    response = client_for(manager).patch(
        f"/api/v1/campaigns/{campaign.pk}", {"zakat_eligible": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["zakat_eligible"] is True
    campaign.refresh_from_db()
    assert campaign.zakat_eligible
    event = AuditEvent.objects.get(action="campaign.updated", subject_id=str(campaign.pk))
    assert event.actor_id == manager.pk
    assert event.changes == {"zakat_eligible": [False, True]}


def test_an_organizer_cannot_make_their_own_campaign_zakat_eligible():
    organizer = UserFactory()
    client = client_for(organizer)

    created = client.post(
        "/api/v1/campaigns",
        {
            "name": "My own campaign",
            "target_amount": "100.00",
            "start_date": "2030-01-01",
            "end_date": "2030-02-01",
            "zakat_eligible": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["zakat_eligible"] is False
    pk = created.json()["id"]
    edited = client.patch(
        f"/api/v1/campaigns/{pk}", {"zakat_eligible": True, "name": "Renamed"}, format="json"
    )

    assert edited.status_code == 200, edited.content
    assert edited.json()["name"] == "Renamed"
    assert edited.json()["zakat_eligible"] is False
    assert not Campaign.objects.get(pk=pk).zakat_eligible
    assert not AuditEvent.objects.filter(action="campaign.updated").exists()


def test_campaign_staff_never_decide_on_their_own_campaign():
    manager = staff_with("campaign_manager")
    client = client_for(manager)
    own = make_campaign(organizer=manager)
    body = {
        "name": "Staff's own campaign",
        "target_amount": "100.00",
        "start_date": "2030-01-01",
        "end_date": "2030-02-01",
    }

    edited = client.patch(f"/api/v1/campaigns/{own.pk}", {"zakat_eligible": True}, format="json")
    created = client.post("/api/v1/campaigns", {**body, "zakat_eligible": True}, format="json")
    plain = client.post("/api/v1/campaigns", body, format="json")

    assert (edited.status_code, edited.json()["error"]) == (403, "conflict_of_interest")
    assert (created.status_code, created.json()["error"]) == (403, "conflict_of_interest")
    assert plain.status_code == 201
    own.refresh_from_db()
    assert not own.zakat_eligible
    assert Campaign.objects.filter(name=body["name"]).count() == 1


def test_staff_without_the_campaign_permission_cannot_set_it():
    campaign = make_campaign()

    response = client_for(staff_with("finance")).patch(
        f"/api/v1/campaigns/{campaign.pk}", {"zakat_eligible": True}, format="json"
    )

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert not campaign.zakat_eligible


# --- designation --------------------------------------------------------------------


def test_a_donation_is_sadaqah_by_default_and_goes_to_the_campaign_fund():
    campaign = zakat_campaign()
    donor = funded_donor("100.00")

    response = client_for(donor).post(
        f"/api/v1/campaigns/{campaign.pk}/donations", {"amount": "10.00"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["designation"] == "sadaqah"
    assert balance(campaign.fund_key) == Decimal("10.00")
    assert balance(campaign.zakat_fund_key) == Decimal("0.00")


def test_zakat_goes_to_the_campaign_zakat_account_and_counts_in_current_amount():
    campaign = zakat_campaign(target="100.00")
    donor = funded_donor("100.00")
    client = client_for(donor)

    sadaqah = client.post(
        f"/api/v1/campaigns/{campaign.pk}/donations", {"amount": "10.00"}, format="json"
    )
    zakat = client.post(
        "/api/v1/donations",
        {"campaign_id": str(campaign.pk), "amount": "25.00", "designation": "zakat"},
        format="json",
    )

    assert sadaqah.status_code == zakat.status_code == 201, zakat.content
    assert zakat.json()["designation"] == "zakat"
    donation = Donation.objects.get(pk=zakat.json()["id"])
    legs = {e.account.key: e.amount for e in donation.ledger_transaction.entries.all()}
    assert legs == {
        f"wallet:{donor.pk}": Decimal("-25.00"),
        campaign.zakat_fund_key: Decimal("25.00"),
    }
    account = LedgerAccount.objects.get(key=campaign.zakat_fund_key)
    assert account.kind == LedgerAccount.Kind.CAMPAIGN_ZAKAT_FUND
    assert account == ledger.campaign_zakat_account(campaign.pk, campaign.name)
    assert balance(campaign.fund_key) == Decimal("10.00")  # sadaqah only
    assert wallet_for(user=donor).balance == Decimal("65.00")
    campaign.refresh_from_db()
    assert campaign.current_amount == Decimal("35.00")
    assert campaign.donor_count == 1
    body = APIClient().get(f"/api/v1/campaigns/{campaign.pk}").json()
    assert (body["current_amount"], body["progress_percentage"]) == ("35.00", "35.00")
    assert ledger.ledger_verify().problems == []


def test_zakat_to_a_campaign_that_is_not_eligible_is_refused():
    campaign = make_campaign()
    donor = funded_donor("100.00")

    response = client_for(donor).post(
        f"/api/v1/campaigns/{campaign.pk}/donations",
        {"amount": "25.00", "designation": "zakat"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "not_zakat_eligible"
    assert not Donation.objects.exists()
    assert wallet_for(user=donor).balance == Decimal("100.00")
    assert not LedgerAccount.objects.filter(key=campaign.zakat_fund_key).exists()


def test_an_unknown_designation_is_a_validation_error():
    campaign = zakat_campaign()
    donor = funded_donor("100.00")

    response = client_for(donor).post(
        f"/api/v1/campaigns/{campaign.pk}/donations",
        {"amount": "25.00", "designation": "waqf"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert "designation" in response.json()["details"]
    with pytest.raises(Exception, match="sadaqah"):
        services.donation_create(donor=donor, campaign=campaign, amount="5.00", designation="x")


def test_donations_filter_by_designation():
    campaign = zakat_campaign()
    donor = funded_donor("100.00")
    services.donation_create(donor=donor, campaign=campaign, amount="5.00")
    services.donation_create(donor=donor, campaign=campaign, amount="7.00", designation="zakat")

    response = client_for(donor).get("/api/v1/donations?designation=zakat")

    assert response.status_code == 200
    assert [d["amount"] for d in response.json()["items"]] == ["7.00"]
    assert client_for(donor).get("/api/v1/donations?designation=nope").status_code == 400


def test_zakat_given_to_a_campaign_is_never_refunded():
    """Zakat leaves its zakat account only to an approved case: a refund is refused
    and nothing moves."""
    campaign = zakat_campaign()
    donor = funded_donor("100.00")
    donation = services.donation_create(
        donor=donor, campaign=campaign, amount="40.00", designation="zakat"
    )

    with pytest.raises(ZakatFundRestricted):
        services.donation_refund(donation=donation, by=staff_with("finance"))

    donation.refresh_from_db()
    assert donation.status == Donation.Status.COMPLETED
    assert balance(campaign.zakat_fund_key) == Decimal("40.00")
    assert wallet_for(user=donor).balance == Decimal("60.00")
    campaign.refresh_from_db()
    assert (campaign.current_amount, campaign.donor_count) == (Decimal("40.00"), 1)


def test_a_zakat_donation_is_broadcast_with_the_combined_total(transactional_db):
    from tests.campaigns.test_websocket import communicator

    campaign = zakat_campaign(target="100.00")
    donor = funded_donor("100.00")
    services.donation_create(donor=donor, campaign=campaign, amount="10.00")

    def give_zakat():
        response = client_for(donor).post(
            f"/api/v1/campaigns/{campaign.pk}/donations",
            {"amount": "15.00", "designation": "zakat"},
            format="json",
        )
        assert response.status_code == 201, response.content

    async def body():
        ws = communicator(campaign.pk)
        await ws.connect()
        await ws.receive_json_from()
        await sync_to_async(give_zakat)()
        message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return message

    message = async_to_sync(body)()

    assert message["type"] == "new_donation"
    assert message["donation"]["amount"] == "15.00"
    assert message["campaign"] == {
        "current_amount": "25.00",
        "donor_count": 1,
        "progress_percentage": "25.00",
    }


# --- pages and admin ----------------------------------------------------------------


def test_the_donate_page_offers_zakat_only_on_eligible_campaigns(client):
    donor = funded_donor("100.00")
    client.force_login(donor)
    plain, eligible = make_campaign(), zakat_campaign(name="Zakat for orphans")

    assert 'name="designation"' not in client.get(f"/campaigns/{plain.pk}/donate/").content.decode()
    page = client.get(f"/campaigns/{eligible.pk}/donate/").content.decode()
    assert 'name="designation"' in page
    response = client.post(
        f"/campaigns/{eligible.pk}/donate/",
        {"amount": "20.00", "designation": "zakat"},
        follow=True,
    )
    # A forged designation on a campaign without the choice is plain sadaqah.
    client.post(f"/campaigns/{plain.pk}/donate/", {"amount": "5.00", "designation": "zakat"})

    assert "Your zakat of 20.00" in response.content.decode()
    assert Donation.objects.get(campaign=eligible).designation == "zakat"
    assert Donation.objects.get(campaign=plain).designation == "sadaqah"
    mine = client.get("/donations/").content.decode()
    assert "Zakat" in mine
    assert "Sadaqah" in mine
    receipt = client.get(f"/donations/{Donation.objects.get(campaign=eligible).pk}/receipt/")
    assert "zakat account" in receipt.content.decode()


def test_admin_filters_by_designation_and_zakat_eligible(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    campaign = zakat_campaign()
    services.donation_create(
        donor=funded_donor(), campaign=campaign, amount="5.00", designation="zakat"
    )

    assert client.get("/admin/campaigns/donation/?designation__exact=zakat").status_code == 200
    assert client.get("/admin/campaigns/campaign/?zakat_eligible__exact=1").status_code == 200
    change = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert 'name="zakat_eligible"' in change


def test_admin_sets_zakat_eligible_but_not_on_ones_own_campaign(client):
    manager = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(manager)
    theirs, own = make_campaign(), make_campaign(organizer=manager, name="Manager's own")

    def form(campaign):
        return {
            "name": campaign.name,
            "description": campaign.description,
            "target_amount": str(campaign.target_amount),
            "start_date": str(campaign.start_date),
            "end_date": str(campaign.end_date),
            "zakat_eligible": "on",
            "donations-TOTAL_FORMS": "0",
            "donations-INITIAL_FORMS": "0",
        }

    changed = client.post(f"/admin/campaigns/campaign/{theirs.pk}/change/", form(theirs))
    own_page = client.get(f"/admin/campaigns/campaign/{own.pk}/change/").content.decode()
    client.post(f"/admin/campaigns/campaign/{own.pk}/change/", form(own))
    add_page = client.get("/admin/campaigns/campaign/add/").content.decode()

    assert changed.status_code == 302
    theirs.refresh_from_db()
    own.refresh_from_db()
    assert theirs.zakat_eligible
    assert not own.zakat_eligible
    assert 'name="zakat_eligible"' not in own_page
    assert 'name="zakat_eligible"' not in add_page
    assert AuditEvent.objects.filter(action="campaign.updated", subject_id=str(theirs.pk)).exists()
