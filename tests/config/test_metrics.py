"""/metrics: off without METRICS_TOKEN, a bearer's only, route names not paths,
business counters only for committed money."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from prometheus_client import REGISTRY

from campaigns import services as campaigns
from config.tasks import purge_idempotency_keys
from tests.campaigns.factories import funded_donor, make_campaign

TOKEN = "scrape-me-please-0123456789"


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client: Client, token: str = TOKEN):
    return client.get("/metrics", headers={"Authorization": f"Bearer {token}"})


def test_metrics_are_a_404_without_a_token_configured(db, settings):
    settings.METRICS_TOKEN = ""

    assert Client().get("/metrics").status_code == 404
    assert scrape(Client()).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuse_anyone_without_the_bearer_token(db, metrics_on, header):
    headers = {"Authorization": header} if header else {}

    response = Client().get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"ose_" not in response.content


def test_request_latency_and_queries_are_labelled_by_route_name(db, metrics_on):
    client = Client()
    campaign = make_campaign()
    before = sample(
        "ose_http_request_duration_seconds_count", route="api:v1:campaign", method="GET"
    )

    assert client.get(f"/api/v1/campaigns/{campaign.pk}").status_code == 200
    body = scrape(client).content.decode()

    after = sample("ose_http_request_duration_seconds_count", route="api:v1:campaign", method="GET")
    assert after == before + 1
    assert str(campaign.pk) not in body  # the raw path never becomes a label
    assert 'ose_http_requests_total{method="GET",route="api:v1:campaign",status="200"}' in body
    assert sample("ose_http_request_db_queries_count", route="api:v1:campaign") >= 1
    assert "ose_task_queue_depth 0.0" in body
    assert "ose_task_queue_oldest_age_seconds 0.0" in body


def test_money_is_counted_when_it_commits_and_never_when_rolled_back(
    db, metrics_on, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    donor = funded_donor("100.00")
    count = sample("ose_money_movements_total", kind="donation")
    moved = sample("ose_money_moved_total", kind="donation")

    def donate_then_roll_back() -> None:
        with transaction.atomic():
            campaigns.donation_create(donor=donor, campaign=campaign, amount=Decimal("7.00"))
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            donate_then_roll_back()
        campaigns.donation_create(donor=donor, campaign=campaign, amount=Decimal("40.00"))

    assert sample("ose_money_movements_total", kind="donation") == count + 1
    assert sample("ose_money_moved_total", kind="donation") == moved + 40.0


def test_the_queue_depth_and_age_are_read_from_the_database_queue(db, metrics_on, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with freeze_time(timezone.now() - timedelta(minutes=5)):
        purge_idempotency_keys.enqueue()
    purge_idempotency_keys.enqueue()

    body = scrape(Client()).content.decode()

    depth = next(line for line in body.splitlines() if line.startswith("ose_task_queue_depth "))
    age = next(
        line for line in body.splitlines() if line.startswith("ose_task_queue_oldest_age_seconds ")
    )
    assert float(depth.split()[1]) == 2
    assert 290 <= float(age.split()[1]) < 400


@pytest.mark.django_db(transaction=True)
def test_open_websockets_are_counted_and_uncounted(settings):
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    settings.METRICS_TOKEN = TOKEN
    campaign = make_campaign()
    before = sample("ose_websocket_connections")

    async def body() -> tuple[float, float]:
        ws = WebsocketCommunicator(
            application,
            f"/ws/campaigns/{campaign.pk}/",
            headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
        )
        connected, _ = await ws.connect()
        assert connected
        await ws.receive_json_from()
        during = sample("ose_websocket_connections")
        await ws.disconnect()
        return during, sample("ose_websocket_connections")

    during, after = async_to_sync(body)()

    assert during == before + 1
    assert after == before


def test_health_probes_answered_before_resolution_keep_their_route_name(db, metrics_on):
    before = sample("ose_http_requests_total", route="api:v1:health", method="GET", status="200")

    Client().get("/api/v1/health")
    Client().get("/no/such/page/12345")

    after = sample("ose_http_requests_total", route="api:v1:health", method="GET", status="200")
    assert after == before + 1
    assert sample("ose_http_requests_total", route="unmatched", method="GET", status="404") >= 1
