"""The health probes answer an orchestrator's internal probe under production
settings (public ALLOWED_HOSTS, HTTPS=1) and fail fast when the database hangs."""

import json
import sys
import time

import pytest
from django.test import Client, override_settings

from config import processes
from tests.operations import procs

PRODUCTION = {
    "ALLOWED_HOSTS": ["ose.example.org"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_REDIRECT_EXEMPT": [r"^api/v1/health(/ready)?$"],
    "SECURE_HSTS_SECONDS": 3600,
}


@pytest.mark.django_db
@override_settings(**PRODUCTION)
def test_an_internal_probe_gets_the_health_answer_not_400_or_a_redirect():
    client = Client(HTTP_HOST="127.0.0.1")

    live = client.get("/api/v1/health")
    ready = client.get("/api/v1/health/ready")

    assert live.status_code == 200, live.content
    assert live.json() == {"status": "ok", "database": "ok"}
    assert ready.status_code == 200, ready.content
    assert live["X-Request-ID"]


@pytest.mark.django_db
@override_settings(**PRODUCTION)
def test_only_the_probe_paths_skip_host_validation_and_the_redirect():
    internal = Client(HTTP_HOST="127.0.0.1")
    public = Client(HTTP_HOST="ose.example.org")

    assert internal.get("/api/v1/campaigns").status_code == 400  # DisallowedHost
    assert internal.get("/api/v1/health/").status_code == 400  # not the exact path
    assert internal.get("/api/v1/healthz").status_code == 400
    assert public.get("/api/v1/campaigns").status_code == 301
    assert public.get("/api/v1/health").status_code == 200
    # Over HTTPS the probe keeps SecurityMiddleware's headers.
    assert "max-age=3600" in public.get("/api/v1/health", secure=True)["Strict-Transport-Security"]


@pytest.mark.django_db
@override_settings(**PRODUCTION)
def test_a_post_to_a_probe_path_goes_the_usual_way():
    response = Client(HTTP_HOST="127.0.0.1").post("/api/v1/health")

    assert response.status_code == 400  # host validation applies to everything else


@pytest.fixture
def gunicorn(tmp_path):
    started = []

    def run(database_url: str):
        port = procs.free_port()
        log = tmp_path / f"web-{port}.log"
        env = procs.production_env(DATABASE_URL=database_url, WEB_CONCURRENCY="1")
        proc = procs.start(processes.web(bind=f"127.0.0.1:{port}", python=sys.executable), env, log)
        started.append(proc)
        procs.wait_until_listening(proc, port, log)
        return port, log

    yield run
    for proc in started:
        procs.stop(proc)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_production_settings_answers_an_internal_probe(gunicorn):
    port, log = gunicorn(procs.test_database_url())

    status, body, _ = procs.get(port, "/api/v1/health", host="127.0.0.1")
    ready_status, ready_body, _ = procs.get(port, "/api/v1/health/ready", host="127.0.0.1")
    other, _, _ = procs.get(port, "/api/v1/campaigns", host="127.0.0.1")
    public, _, headers = procs.get(port, "/api/v1/campaigns", host="ose.example.org")

    assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"}), log.read_text()
    assert ready_status == 200, ready_body
    assert other == 400
    assert (public, headers["Location"]) == (301, "https://ose.example.org/api/v1/campaigns")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_the_database_hanging_the_probes_answer_503_within_two_seconds(gunicorn):
    silent = procs.SilentListener()
    try:
        port, log = gunicorn(f"postgres://postgres@127.0.0.1:{silent.port}/ose")
        answers = {}
        for path in ("/api/v1/health", "/api/v1/health/ready", "/api/v1/health"):
            started = time.monotonic()
            status, body, _ = procs.get(port, path, host="127.0.0.1", timeout=30)
            answers[path] = (status, json.loads(body), time.monotonic() - started)
    finally:
        silent.close()

    live_status, live_body, live_seconds = answers["/api/v1/health"]
    ready_status, ready_body, ready_seconds = answers["/api/v1/health/ready"]
    assert (live_status, live_body) == (503, {"status": "error", "database": "error"})
    assert ready_status == 503
    assert "database" in ready_body["failing"]
    # HEALTH_TIMEOUT is 1.5 s: the answer comes before a 2 s probe timeout gives up.
    assert live_seconds < 2.0, (live_seconds, log.read_text()[-2000:])
    assert ready_seconds < 2.0, (ready_seconds, log.read_text()[-2000:])
