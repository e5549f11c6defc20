"""The live-progress websocket through Channels' communicator and the real ASGI app.

pytest-asyncio is not installed: each test runs an async body with async_to_sync.
The consumer reads the database from another thread, so the tests commit
(transaction=True)."""

import socket
import uuid
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework.test import APIClient

from campaigns import services
from campaigns.models import Donation
from tests.campaigns.factories import funded_donor, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


def asgi_application():
    # Imported late on purpose: the origin validator copies ALLOWED_HOSTS when the
    # module loads, and the test environment adds "testserver" only at session start.
    from config.asgi import application

    return application


def communicator(campaign_id, headers=HEADERS, app=None) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        app or asgi_application(), f"/ws/campaigns/{campaign_id}/", headers=headers
    )


def donate_via_api(donor, campaign, **body):
    client = APIClient()
    client.force_authenticate(donor)
    response = client.post(
        f"/api/v1/campaigns/{campaign.pk}/donations", {"amount": "25.00", **body}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_connect_sends_connected():
    campaign = make_campaign()

    async def body():
        ws = communicator(campaign.pk)
        connected, _ = await ws.connect()
        assert connected
        assert await ws.receive_json_from() == {
            "type": "connected",
            "campaign_id": str(campaign.pk),
        }
        await ws.disconnect()

    async_to_sync(body)()


def test_a_committed_donation_is_broadcast():
    campaign = make_campaign(target="100.00")
    donor = funded_donor("100.00")

    async def body():
        ws = communicator(campaign.pk)
        await ws.connect()
        await ws.receive_json_from()
        await sync_to_async(donate_via_api)(donor, campaign, message="<b>Bismillah</b>")
        message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return message

    message = async_to_sync(body)()

    assert message["type"] == "new_donation"
    assert message["campaign_id"] == str(campaign.pk)
    assert message["donation"]["amount"] == "25.00"
    assert message["donation"]["donor_name"] == donor.name
    assert message["donation"]["message"] == "<b>Bismillah</b>"  # raw; the page escapes it
    assert message["donation"]["timestamp"].endswith("Z")
    assert message["campaign"] == {
        "current_amount": "25.00",
        "donor_count": 1,
        "progress_percentage": "25.00",
    }


def test_anonymous_donation_says_anonymous():
    campaign = make_campaign()
    donor = funded_donor()

    async def body():
        ws = communicator(campaign.pk)
        await ws.connect()
        await ws.receive_json_from()
        await sync_to_async(donate_via_api)(donor, campaign, is_anonymous=True)
        message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return message

    message = async_to_sync(body)()
    assert message["donation"]["donor_name"] == "Anonymous"
    assert donor.name not in str(message)


def test_nothing_is_sent_for_a_rolled_back_or_refused_donation():
    campaign = make_campaign()
    donor = funded_donor("10.00")

    def donate_then_roll_back():
        try:
            with transaction.atomic():
                services.donation_create(donor=donor, campaign=campaign, amount=Decimal("5.00"))
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert not Donation.objects.exists()
        client = APIClient()
        client.force_authenticate(donor)
        short = client.post(
            f"/api/v1/campaigns/{campaign.pk}/donations", {"amount": "50.00"}, format="json"
        )
        assert short.status_code == 402

    async def body():
        ws = communicator(campaign.pk)
        await ws.connect()
        await ws.receive_json_from()
        await sync_to_async(donate_then_roll_back)()
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    async_to_sync(body)()


def test_a_refund_is_broadcast(staff_user):
    campaign = make_campaign()
    donation = services.donation_create(
        donor=funded_donor(), campaign=campaign, amount=Decimal("12.00")
    )

    async def body():
        ws = communicator(campaign.pk)
        await ws.connect()
        await ws.receive_json_from()
        await sync_to_async(services.donation_refund)(donation=donation, by=staff_user)
        message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return message

    message = async_to_sync(body)()
    assert message["type"] == "donation_refunded"
    assert message["donation"]["id"] == str(donation.pk)
    assert message["campaign"] == {
        "current_amount": "0.00",
        "donor_count": 0,
        "progress_percentage": "0.00",
    }


@pytest.mark.parametrize(
    "headers",
    [
        [(b"origin", b"http://evil.example"), (b"host", b"testserver")],
        [(b"host", b"testserver")],
    ],
)
def test_foreign_or_missing_origin_is_refused(headers):
    campaign = make_campaign()

    async def body():
        ws = communicator(campaign.pk, headers=headers)
        connected, _ = await ws.connect()
        assert not connected

    async_to_sync(body)()


@pytest.mark.parametrize("kind", ["unknown", "draft"])
def test_unknown_or_draft_campaign_is_closed(kind):
    campaign_id = uuid.uuid4() if kind == "unknown" else make_campaign(status="draft").pk

    async def body():
        ws = communicator(campaign_id)
        connected, _ = await ws.connect()
        # Accepted, then closed with 4404: a browser sees that code (a refusal
        # before accepting reaches it as a bare 403 and 1006, retried forever).
        assert connected
        assert await ws.receive_output() == {"type": "websocket.close", "code": 4404}

    async_to_sync(body)()


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running at 127.0.0.1:6379")
def test_redis_layer_reaches_two_application_instances(settings):
    """Two separate ASGI application instances (as two server processes would
    run) both receive the donation through Redis."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": ["redis://127.0.0.1:6379/0"],
                "prefix": f"ose-test-{uuid.uuid4().hex[:8]}",
            },
        }
    }
    from channels.auth import AuthMiddlewareStack
    from channels.routing import URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator

    from campaigns.routing import websocket_urlpatterns

    def build_app():
        return AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))

    campaign = make_campaign()
    donor = funded_donor()

    async def body():
        first = communicator(campaign.pk, app=build_app())
        second = communicator(campaign.pk, app=build_app())
        for ws in (first, second):
            assert (await ws.connect())[0]
            await ws.receive_json_from()
        await sync_to_async(donate_via_api)(donor, campaign)
        messages = [await ws.receive_json_from(timeout=5) for ws in (first, second)]
        for ws in (first, second):
            await ws.disconnect()
        return messages

    try:
        assert "Redis" in type(channel_layers["default"]).__name__
        messages = async_to_sync(body)()
    finally:
        channel_layers.backends.clear()
    assert [m["type"] for m in messages] == ["new_donation", "new_donation"]
    assert all(m["campaign"]["current_amount"] == "25.00" for m in messages)
