"""Run in its own process by test_streaming_replica.py, against a real primary and
its streaming replica (DATABASE_URL, DATABASE_REPLICA_URLS): migrates the primary,
then drives the API through Django's test client and prints what each reader saw
as one JSON object. Replay on the replica is paused at chosen moments, so the
replica lags behind the primary for as long as the scenario needs."""

import json
import os
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts import services as accounts  # noqa: E402
from campaigns import services as campaigns  # noqa: E402
from campaigns.models import Campaign  # noqa: E402
from config import replicas  # noqa: E402

REPLICA = "replica_1"


def replica_sql(sql: str):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() if cursor.description else None


def wait_replayed(timeout: float = 60) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        (done,) = replica_sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if done:
            return
        time.sleep(0.05)
    raise SystemExit("the replica did not catch up")


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {accounts.auth_tokens_issue(user=user)['access_token']}"
    )
    return client


def amount_seen(client: APIClient, campaign_id) -> str:
    response = client.get(f"/api/v1/campaigns/{campaign_id}")
    assert response.status_code == 200, response.content[:300]
    return response.json()["current_amount"]


def main() -> None:
    call_command("migrate", verbosity=0)
    donor = accounts.user_create(email="donor@example.org", name="Donor", password="x" * 20)
    organizer = accounts.user_create(email="org@example.org", name="Organizer", password="y" * 20)
    accounts.top_up_create(user=donor, amount=Decimal("100.00"))
    today = timezone.localdate()
    campaign = campaigns.campaign_create(
        organizer=organizer,
        name="Water wells",
        description="",
        target_amount=Decimal("1000.00"),
        start_date=today - timedelta(days=1),
        end_date=today + timedelta(days=30),
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.ACTIVE)
    wait_replayed()
    seen: dict = {"replicas": replicas.replica_aliases()}
    donor_api, anonymous = client_for(donor), APIClient()
    seen["anonymous_before"] = amount_seen(anonymous, campaign.pk)

    replica_sql("SELECT pg_wal_replay_pause()")  # the replica now lags for as long as we like
    answer = donor_api.post(
        "/api/v1/donations",
        {"campaign_id": str(campaign.pk), "amount": "25.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="scenario-donation-1",
    )
    seen["donate_status"] = answer.status_code
    seen["donor_after_write"] = amount_seen(donor_api, campaign.pk)  # read-your-writes
    seen["donor_list_after_write"] = len(donor_api.get("/api/v1/donations").json()["items"])
    seen["anonymous_while_lagging"] = amount_seen(anonymous, campaign.pk)  # the replica
    with transaction.atomic():  # a read inside a transaction is the primary's
        seen["in_transaction"] = str(Campaign.objects.get(pk=campaign.pk).current_amount)
    replica_sql("SELECT pg_wal_replay_resume()")
    wait_replayed()
    seen["anonymous_after_replay"] = amount_seen(anonymous, campaign.pk)

    # Once the sticky window has passed, the donor reads the replica again: a change
    # made while replay is paused (straight to the primary, not through a request
    # of theirs) is not seen by them until the replica replays it.
    time.sleep(float(os.environ.get("REPLICA_STICKY_SECONDS", "2")) + 0.5)
    # A browser drops the cookie after its max-age; the test client never does.
    donor_api.cookies.pop(replicas.STICKY_COOKIE, None)
    replica_sql("SELECT pg_wal_replay_pause()")
    Campaign.objects.filter(pk=campaign.pk).update(name="Water wells, phase two")
    seen["donor_name_after_window"] = donor_api.get(f"/api/v1/campaigns/{campaign.pk}").json()[
        "name"
    ]
    replica_sql("SELECT pg_wal_replay_resume()")
    wait_replayed()
    seen["donor_name_after_replay"] = donor_api.get(f"/api/v1/campaigns/{campaign.pk}").json()[
        "name"
    ]
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
