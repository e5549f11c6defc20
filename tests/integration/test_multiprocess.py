"""The production layout really scales out: separate processes share nothing but
PostgreSQL and Redis.

Starts, against the test database: gunicorn (config.wsgi) for HTTP, uvicorn
(config.asgi) for websockets and `manage.py db_worker` for tasks. A websocket
client watches a campaign through uvicorn, a donation goes in through gunicorn
with a JWT, the `new_donation` message arrives over Redis, and the receipt
e-mail is written by the worker process (file-based e-mail backend).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from accounts import services as account_services
from config import processes
from tests.factories import UserFactory, fund_wallet

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_DB = 13  # a database number of its own, flushed before and after
BOOT_SECONDS = 40
MESSAGE_SECONDS = 15
RECEIPT_SECONDS = 30

pytestmark = [pytest.mark.postgres]


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(
            f"Redis does not answer at 127.0.0.1:6379 ({exc}); the multi-process proof needs it"
        )
    return client


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _wait_until(predicate, seconds: float, what: str, procs: dict):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, (proc, log) in procs.items():
            if proc.poll() is not None:
                pytest.fail(
                    f"{name} exited with {proc.returncode}:\n{Path(log).read_text()[-3000:]}"
                )
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    logs = "\n".join(f"--- {n}\n{Path(log).read_text()[-2000:]}" for n, (_p, log) in procs.items())
    pytest.fail(f"Timed out after {seconds}s waiting for {what}\n{logs}")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def cluster(tmp_path):
    """Start web (gunicorn), websocket (uvicorn) and worker processes; always stop them."""
    redis_client = _redis_or_skip()
    redis_client.flushdb()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    http_port, ws_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "TASK_BACKEND": "database",
        "EMAIL_URL": f"filemail://{mail_dir}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    commands = {
        "web": processes.web(bind=f"127.0.0.1:{http_port}", python=sys.executable),
        "ws": processes.ws(host="127.0.0.1", port=ws_port, workers=1, python=sys.executable),
        "worker": processes.worker(interval=0.2, python=sys.executable),
    }
    procs: dict[str, tuple[subprocess.Popen, str]] = {}

    def stop():
        for proc, _log in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc, _log in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        redis_client.flushdb()

    try:
        for name, cmd in commands.items():
            log = tmp_path / f"{name}.log"
            procs[name] = (
                subprocess.Popen(  # noqa: S603 (our own fixed commands)
                    cmd, cwd=BASE_DIR, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
                ),
                str(log),
            )
        _wait_until(
            lambda: _http_ok(f"http://127.0.0.1:{http_port}/api/v1/health"),
            BOOT_SECONDS,
            "gunicorn",
            procs,
        )
        _wait_until(lambda: _port_open(ws_port), BOOT_SECONDS, "uvicorn", procs)
        yield {"http": http_port, "ws": ws_port, "mail": mail_dir, "procs": procs}
    finally:
        stop()


@pytest.mark.django_db(transaction=True)
def test_donation_over_http_reaches_a_websocket_on_another_process_and_the_worker_mails_a_receipt(
    cluster,
):
    from django_tasks_db.models import DBTaskResult
    from websockets.sync.client import connect

    from campaigns import services as campaign_services

    staff = UserFactory(is_staff=True)
    donor = UserFactory(email="multi.process.donor@example.org")
    fund_wallet(donor, "100.00")
    today = timezone.localdate()
    campaign = campaign_services.campaign_create(
        organizer=staff,
        name="Clean water for the village",
        target_amount=Decimal("1000.00"),
        start_date=today,
        end_date=today + timedelta(days=30),
        description="Wells and pumps.",
    )
    campaign_services.campaign_activate(campaign=campaign, by=staff)
    access = account_services.auth_tokens_issue(user=donor)["access_token"]

    ws_url = f"ws://127.0.0.1:{cluster['ws']}/ws/campaigns/{campaign.pk}/"
    with connect(ws_url, origin="http://127.0.0.1", open_timeout=10) as ws:
        hello = json.loads(ws.recv(timeout=10))
        assert hello["type"] == "connected"

        body = json.dumps({"amount": "25.00", "message": "From another process"}).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{cluster['http']}/api/v1/campaigns/{campaign.pk}/donations",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {access}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=15) as response:  # noqa: S310
            assert response.status == 201
            donation = json.loads(response.read())

        deadline = time.monotonic() + MESSAGE_SECONDS
        event = None
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("type") == "new_donation":
                event = message
                break
        assert event is not None, "no new_donation message reached the websocket process"
        assert event["donation"]["id"] == donation["id"]
        assert event["donation"]["amount"] == "25.00"
        assert event["campaign"]["current_amount"] == "25.00"

    def receipt_written():
        for path in cluster["mail"].iterdir():
            text = path.read_text(errors="replace")
            if "multi.process.donor@example.org" in text:
                return text
        return None

    text = _wait_until(receipt_written, RECEIPT_SECONDS, "the receipt e-mail", cluster["procs"])
    assert "Clean water for the village" in text
    task = DBTaskResult.objects.get(task_path="campaigns.tasks.send_donation_receipt")
    assert task.status == "SUCCESSFUL"
    assert task.args_kwargs["args"] == [donation["id"]]
