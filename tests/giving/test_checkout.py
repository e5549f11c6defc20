"""Checkout: a donation paid by card, without a funded wallet."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import TopUp
from accounts.selectors import wallet_balance
from campaigns.models import Donation
from giving.models import Checkout
from tests.accounts.gateways import sign
from tests.campaigns.factories import make_campaign

pytestmark = pytest.mark.django_db


def checkout(client, campaign, headers=None, **overrides):
    body = {"campaign_id": str(campaign.pk), "amount": "40.00", **overrides}
    return client.post("/api/v1/checkout", body, format="json", headers=headers or {})


def webhook(body: dict):
    raw = json.dumps(body).encode()
    return APIClient().generic(
        "POST",
        "/api/v1/wallet/top-ups/webhooks/deferred",
        raw,
        content_type="application/json",
        HTTP_X_SIGNATURE=sign(raw),
    )


@pytest.fixture
def deferred_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.accounts.gateways.DeferredGateway"


def test_sandbox_checkout_donates_with_an_empty_wallet(auth_client):
    campaign = make_campaign()
    response = checkout(auth_client, campaign, message="For the winter", is_anonymous=True)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "40.00"
    assert body["campaign_id"] == str(campaign.pk)
    assert body["message"] == "For the winter"
    assert body["is_anonymous"] is True
    assert body["status"] == "completed"
    # The card paid the campaign; the wallet is where it was.
    assert wallet_balance(user=auth_client.user) == 0
    campaign.refresh_from_db()
    assert campaign.current_amount == 40
    checkout_row = Checkout.objects.get()
    assert checkout_row.status == Checkout.Status.COMPLETED
    assert checkout_row.top_up.status == TopUp.Status.SUCCEEDED
    assert str(checkout_row.donation_id) == body["id"]


def test_pending_provider_answers_202_and_the_webhook_donates_once(auth_client, deferred_gateway):
    campaign = make_campaign()
    response = checkout(auth_client, campaign)

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["redirect_url"].startswith("https://pay.example/")
    assert not Donation.objects.exists()

    top_up = Checkout.objects.get(pk=body["id"]).top_up
    assert webhook({"top_up_id": str(top_up.pk), "paid": True}).status_code == 204
    assert webhook({"top_up_id": str(top_up.pk), "paid": True}).status_code == 204

    donation = Donation.objects.get()
    assert donation.amount == 40
    assert donation.donor == auth_client.user
    assert Checkout.objects.get(pk=body["id"]).donation == donation
    assert wallet_balance(user=auth_client.user) == 0
    campaign.refresh_from_db()
    assert campaign.current_amount == 40


def test_a_failed_card_payment_makes_no_donation(auth_client, deferred_gateway):
    body = checkout(auth_client, make_campaign()).json()
    top_up = Checkout.objects.get(pk=body["id"]).top_up

    assert webhook({"top_up_id": str(top_up.pk), "paid": False}).status_code == 204

    assert not Donation.objects.exists()
    assert Checkout.objects.get(pk=body["id"]).status == Checkout.Status.FAILED
    assert wallet_balance(user=auth_client.user) == 0


def test_a_success_after_a_decline_still_donates_once(auth_client, deferred_gateway):
    """A second card paying after a first was declined (or the two events out of
    order): the payment succeeded, so the gift is made, once."""
    campaign = make_campaign()
    body = checkout(auth_client, campaign).json()
    top_up = Checkout.objects.get(pk=body["id"]).top_up

    assert webhook({"top_up_id": str(top_up.pk), "paid": False}).status_code == 204
    assert webhook({"top_up_id": str(top_up.pk), "paid": True}).status_code == 204
    assert webhook({"top_up_id": str(top_up.pk), "paid": True}).status_code == 204

    row = Checkout.objects.get(pk=body["id"])
    assert row.status == Checkout.Status.COMPLETED
    assert row.error == ""
    assert row.donation == Donation.objects.get()
    assert wallet_balance(user=auth_client.user) == 0
    campaign.refresh_from_db()
    assert campaign.current_amount == 40


def test_a_campaign_closed_while_paying_keeps_the_money_in_the_wallet(
    auth_client, deferred_gateway
):
    from campaigns import services as campaign_services

    campaign = make_campaign()
    body = checkout(auth_client, campaign).json()
    campaign_services.campaign_complete(campaign=campaign, by=None)
    top_up = Checkout.objects.get(pk=body["id"]).top_up

    assert webhook({"top_up_id": str(top_up.pk), "paid": True}).status_code == 204

    row = Checkout.objects.get(pk=body["id"])
    assert row.status == Checkout.Status.FAILED
    assert "completed" in row.error
    assert not Donation.objects.exists()
    assert wallet_balance(user=auth_client.user) == 40


def test_idempotency_key_replays_and_conflicts(auth_client):
    campaign = make_campaign()
    first = checkout(auth_client, campaign, headers={"Idempotency-Key": "co-1"})
    again = checkout(auth_client, campaign, headers={"Idempotency-Key": "co-1"})
    other = checkout(auth_client, campaign, headers={"Idempotency-Key": "co-1"}, amount="5")

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert other.status_code == 409
    assert Donation.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"amount": "0"}, 400, "validation_error"),
        ({"amount": "1e3"}, 400, "validation_error"),
        ({"amount": "12.345"}, 400, "validation_error"),
        ({"designation": "zakat"}, 400, "not_zakat_eligible"),
        ({"campaign_id": "00000000-0000-4000-8000-000000000000"}, 404, "not_found"),
    ],
)
def test_bad_checkouts_charge_nothing(auth_client, overrides, status, code):
    response = checkout(auth_client, make_campaign(), **overrides)

    assert response.status_code == status
    assert response.json()["error"] == code
    assert not TopUp.objects.exists()


def test_a_closed_campaign_is_refused_before_any_charge(auth_client):
    response = checkout(auth_client, make_campaign(status="cancelled"))
    assert response.status_code == 400
    assert response.json()["error"] == "campaign_not_active"
    assert not TopUp.objects.exists()


def test_anonymous_is_401(api_client):
    assert checkout(api_client, make_campaign()).status_code == 401


def test_a_broken_gateway_is_503_and_the_checkout_failed(auth_client, settings):
    settings.PAYMENT_GATEWAY = "tests.accounts.gateways.BrokenGateway"
    response = checkout(auth_client, make_campaign())
    assert response.status_code == 503
    assert Checkout.objects.get().status == Checkout.Status.FAILED
