"""Started the way a newcomer starts it, the site keeps its PostgreSQL connections.

Only DATABASE_URL, DEBUG=0 and SECRET_KEY are set: no DB_POOL_MAX_SIZE, no
CONN_MAX_AGE, no gunicorn config file. The backends serving the test database
are sampled from pg_stat_activity after every request: their number must not
move and they must be the same backends throughout (a new connection per
request shows up as a new backend pid every time).
"""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config import processes

BASE_DIR = Path(__file__).resolve().parents[2]
BOOT_SECONDS = 40
REQUESTS = 200
# Anonymous API calls are throttled per client address (60 a minute); spreading the
# requests over a few loopback addresses keeps every answer a real one.
CLIENT_ADDRESSES = [f"127.0.0.{n}" for n in range(2, 10)]

pytestmark = [pytest.mark.postgres]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _bare_env(**extra: str) -> dict[str, str]:
    """The three variables a newcomer sets, and nothing of the test run's own."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": _database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "bare-start-" + "k3y-0f-suff1cient-length-and-variety-" * 2,
        **extra,
    }


def _backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY pid"
        )
        return [row[0] for row in cursor.fetchall()]


def _get(port: int, path: str, source: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own fixed commands)
        cmd, cwd=BASE_DIR, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _wait_for_health(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if _get(port, "/api/v1/health", CLIENT_ADDRESSES[0]) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {BOOT_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("Connection reuse is a PostgreSQL matter (SQLite opens a file)")


def _server_command(server: str, port: int) -> list[str]:
    bind = f"127.0.0.1:{port}"
    if server == "gunicorn":  # `gunicorn config.wsgi`: no -c, gunicorn's defaults
        return processes.web_bare(bind=bind, python=sys.executable)
    return processes.ws(host="127.0.0.1", port=port, python=sys.executable)


@pytest.mark.parametrize("server", ["gunicorn", "uvicorn"])
@pytest.mark.django_db(transaction=True)
def test_a_bare_start_keeps_its_database_connections_across_200_requests(
    postgres_only, server, tmp_path
):
    port = _free_port()
    log = tmp_path / f"{server}.log"
    proc = _start(_server_command(server, port), _bare_env(), log)
    try:
        _wait_for_health(proc, port, log)
        # Warm up: every path below once, so each connection the server keeps is open.
        for path in ("/api/v1/health", "/api/v1/campaigns?limit=5"):
            assert _get(port, path, CLIENT_ADDRESSES[0]) == 200
        kept = _backends()
        assert kept, "the server keeps no connection open between requests"

        seen, counts, statuses = set(kept), [], []
        for i in range(REQUESTS):
            path = "/api/v1/health" if i % 2 else "/api/v1/campaigns?limit=5"
            statuses.append(_get(port, path, CLIENT_ADDRESSES[i % len(CLIENT_ADDRESSES)]))
            backends = _backends()
            counts.append(len(backends))
            seen.update(backends)
    finally:
        _stop(proc)

    assert set(statuses) == {200}
    assert set(counts) == {len(kept)}, f"backend count moved: {sorted(set(counts))}"
    assert seen == set(kept), f"{len(seen - set(kept))} new backends during {REQUESTS} requests"


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_keeps_its_database_connection_while_it_polls(postgres_only, tmp_path):
    log = tmp_path / "worker.log"
    # It looks for queued tasks every 50 ms, each time after Django's
    # close_old_connections(): a connection per poll would show as a new backend.
    proc = _start(
        processes.worker(interval=0.05, python=sys.executable),
        _bare_env(TASK_BACKEND="database"),
        log,
    )
    try:
        deadline = time.monotonic() + BOOT_SECONDS
        while not _backends():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker never connected:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        time.sleep(0.5)
        kept = _backends()
        samples = []
        for _ in range(60):  # 3 s: about 60 polls
            time.sleep(0.05)
            samples.append(_backends())
        assert proc.poll() is None, log.read_text()[-3000:]
    finally:
        _stop(proc)

    assert kept
    assert all(sample == kept for sample in samples), samples
