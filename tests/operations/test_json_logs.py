"""One JSON log format for every process, the client's address in the access
line and the request id in every line a request causes, tasks included."""

import json
import logging
import sys
import time
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.test import override_settings

from config import processes
from config.logging import JSON_FORMATTER, RequestIdFilter, request_id_var
from config.taskqueue import REQUEST_ID_KWARG, enqueue_with_transaction
from config.tasks import purge_idempotency_keys
from tests.operations import procs

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def json_lines(text: str) -> list[dict]:
    """Every non-empty line must be one JSON object."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a log line is not JSON: {line!r}")
    return parsed


@contextmanager
def collected(logger_name: str):
    """The records `logger_name` emits, stamped by the project's filter."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


# --- the access line: client address ----------------------------------------------------


@pytest.mark.django_db
def test_the_access_line_names_the_client_address(client):
    with collected("ose.access") as records:
        client.get("/api/v1/health", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert records[-1].client == "203.0.113.9"  # no trusted proxy: the header is ignored


@pytest.mark.django_db
def test_behind_one_trusted_proxy_the_access_line_names_the_forwarded_client(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with collected("ose.access") as records:
        client.get(
            "/api/v1/health",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
        )

    assert records[-1].client == "198.51.100.7"  # what our proxy saw, not what was claimed


# --- error lines: the request id -----------------------------------------------------------


@pytest.mark.django_db
def test_the_error_line_django_writes_after_the_middleware_carries_the_request_id(client):
    # Django logs a 5xx answer ("Service Unavailable: /api/v1/health") after every
    # middleware has returned, outside the request's log context.
    with (
        collected("django.request") as records,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr("config.api.views.database_answers", lambda **kw: False)
        response = client.get("/api/v1/health", HTTP_X_REQUEST_ID="trace-503")

    assert response.status_code == 503
    assert [r.request_id for r in records] == ["trace-503"]
    formatted = json.loads(
        logging.getLogger().handlers[0].formatter.format(records[0])
        if logging.getLogger().handlers
        else "{}"
    )
    assert "request" not in formatted  # the request object itself is not dumped


# --- tasks: the request id travels with the task -------------------------------------------


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_queued_by_a_request_logs_that_requests_id_in_the_worker():
    from django_tasks_db.models import DBTaskResult

    token = request_id_var.set("req-7f3a")
    try:
        enqueue_with_transaction(purge_idempotency_keys)
    finally:
        request_id_var.reset(token)
    row = DBTaskResult.objects.get()
    assert row.args_kwargs["kwargs"] == {REQUEST_ID_KWARG: "req-7f3a"}

    with collected("django.tasks") as records, collected("django_tasks_db") as worker_records:
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")

    row.refresh_from_db()
    assert row.status == "SUCCESSFUL", row.traceback  # the function never saw the kwarg
    task_lines = [
        r for r in records if row.id.hex in r.getMessage() or str(row.id) in r.getMessage()
    ]
    assert task_lines, [r.getMessage() for r in records]
    assert {r.request_id for r in task_lines} == {"req-7f3a"}
    # The worker's own lines after the task are no longer stamped with it.
    assert request_id_var.get() == "-"
    assert all(r.request_id == "-" for r in worker_records if "Task" not in r.getMessage())


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_queued_outside_a_request_carries_no_id():
    from django_tasks_db.models import DBTaskResult

    enqueue_with_transaction(purge_idempotency_keys)

    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {}


@pytest.mark.django_db
def test_the_immediate_backend_runs_the_task_in_the_requests_own_context(
    django_capture_on_commit_callbacks,
):
    with collected("django.tasks") as records:
        token = request_id_var.set("req-now")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                enqueue_with_transaction(purge_idempotency_keys)
            still = request_id_var.get()
        finally:
            request_id_var.reset(token)

    assert still == "req-now"
    assert records
    assert {r.request_id for r in records} == {"req-now"}


# --- every process writes JSON ---------------------------------------------------------------


def test_uvicorns_log_config_is_the_one_config_logging_writes():
    written = json.loads((procs.BASE_DIR / processes.UVICORN_LOG_CONFIG).read_text())
    from config.logging import uvicorn_logconfig

    assert written == json.loads(json.dumps(uvicorn_logconfig()))
    assert written["formatters"]["json"]["()"] == JSON_FORMATTER["()"]


def _wait_for_text(log, needle: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while needle not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_gunicorn_writes_json_lines_with_the_client_and_request_id(tmp_path):
    port = procs.free_port()
    log = tmp_path / "web.log"
    env = procs.production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="0",
        WEB_CONCURRENCY="1",
        GUNICORN_ACCESS_LOG="1",
    )
    proc = procs.start(processes.web(bind=f"127.0.0.1:{port}", python=sys.executable), env, log)
    try:
        procs.wait_until_listening(proc, port, log)
        status, _, headers = procs.get(port, "/api/v1/health", headers={"X-Request-ID": "gw-1"})
        _wait_for_text(log, '"gunicorn.access"')
    finally:
        procs.stop(proc)

    lines = json_lines(log.read_text())
    assert status == 200
    assert headers["X-Request-ID"] == "gw-1"
    by_logger = {line["logger"]: line for line in lines}
    assert {"gunicorn.error", "ose.access", "gunicorn.access"} <= set(by_logger), set(by_logger)
    assert by_logger["ose.access"]["request_id"] == "gw-1"
    assert by_logger["ose.access"]["client"] == "127.0.0.1"
    assert by_logger["gunicorn.access"]["request_id"] == "gw-1"
    assert by_logger["gunicorn.access"]["client"] == "127.0.0.1"
    assert by_logger["gunicorn.access"]["status"] == 200
    assert all({"time", "level", "logger", "message", "request_id"} <= set(x) for x in lines)


def test_uvicorn_writes_json_lines(tmp_path):
    port = procs.free_port()
    log = tmp_path / "ws.log"
    env = procs.production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'ws.sqlite3'}", ALLOWED_HOSTS="127.0.0.1", HTTPS="0"
    )
    proc = procs.start(processes.ws(host="127.0.0.1", port=port, python=sys.executable), env, log)
    try:
        procs.wait_until_listening(proc, port, log)
        status, _, _ = procs.get(port, "/api/v1/health", headers={"X-Request-ID": "uv-1"})
        _wait_for_text(log, '"ose.access"')
    finally:
        procs.stop(proc)

    lines = json_lines(log.read_text())
    assert status == 200
    loggers = {line["logger"] for line in lines}
    assert "uvicorn.error" in loggers, loggers
    assert [x["request_id"] for x in lines if x["logger"] == "ose.access"] == ["uv-1"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_task_worker_process_writes_json_lines_with_the_requests_id(tmp_path):
    from django_tasks_db.models import DBTaskResult

    token = request_id_var.set("req-worker-1")
    try:
        enqueue_with_transaction(purge_idempotency_keys)
    finally:
        request_id_var.reset(token)
    task_id = str(DBTaskResult.objects.get().id)
    log = tmp_path / "worker.log"
    env = procs.production_env(DATABASE_URL=procs.test_database_url(), TASK_BACKEND="database")
    cmd = [*processes.worker(interval=0.1, python=sys.executable), "--batch"]
    proc = procs.start(cmd, env, log)
    try:
        proc.wait(timeout=120)
    finally:
        procs.stop(proc)

    lines = json_lines(log.read_text())
    mine = [x for x in lines if task_id in x["message"]]
    assert proc.returncode == 0, log.read_text()[-3000:]
    assert len(mine) >= 2, lines  # started and finished
    assert {x["request_id"] for x in mine} == {"req-worker-1"}
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
