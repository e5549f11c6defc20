"""How the settings reach PostgreSQL: connections persist unless told otherwise,
and `check --deploy` warns when they do not."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Never connected to: the settings and the checks only read the URL.
POSTGRES_URL = "postgres://ose@127.0.0.1:1/ose"
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-like-" + "k3y-0f-suff1cient-length-and-variety-" * 2,
    "ALLOWED_HOSTS": "ose.example.org",
    "HTTPS": "1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "PAYMENT_GATEWAY": "tests.accounts.gateways.DeferredGateway",
    "DATABASE_URL": POSTGRES_URL,
}
# The test run's own choices (pyproject's pytest env) must not leak into the child.
OURS = ("DEBUG", "SECRET_KEY", "HTTPS", "DATABASE_URL", "DB_POOL_MAX_SIZE", "CONN_MAX_AGE")

SHOW_DATABASE = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({"pool": db.get("OPTIONS", {}).get("pool"), "conn_max_age": db["CONN_MAX_AGE"]}))
"""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    return subprocess.run(  # noqa: S603 - our own interpreter with fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def database_settings(**env: str) -> dict:
    result = _run(["-c", SHOW_DATABASE], {**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def check_deploy(**env: str) -> str:
    result = _run(["manage.py", "check", "--deploy"], {**PRODUCTION_ENV, **env})
    return result.stdout + result.stderr


def test_postgresql_without_debug_pools_connections_by_default():
    db = database_settings()

    assert db["pool"]["min_size"] == 1
    assert db["pool"]["max_size"] == 4
    assert db["conn_max_age"] == 0  # the pool keeps them; Django refuses both at once


def test_the_pool_size_is_per_process_and_configurable():
    assert database_settings(DB_POOL_MAX_SIZE="1")["pool"]["max_size"] == 1


@pytest.mark.parametrize(
    ("env", "conn_max_age"),
    [({"DB_POOL_MAX_SIZE": "0"}, 0), ({"DB_POOL_MAX_SIZE": "0", "CONN_MAX_AGE": "60"}, 60)],
)
def test_db_pool_max_size_0_turns_the_pool_off_for_conn_max_age(env, conn_max_age):
    db = database_settings(**env)

    assert db["pool"] is None
    assert db["conn_max_age"] == conn_max_age


def test_development_keeps_a_connection_per_request():
    db = database_settings(DEBUG="1")

    assert db["pool"] is None
    assert db["conn_max_age"] == 0


def test_check_deploy_is_quiet_about_connections_by_default():
    assert "config.W001" not in check_deploy()


def test_check_deploy_warns_about_a_new_connection_per_request():
    assert "config.W001" in check_deploy(DB_POOL_MAX_SIZE="0")
    assert "config.W001" not in check_deploy(DB_POOL_MAX_SIZE="0", CONN_MAX_AGE="60")


def test_check_deploy_says_nothing_about_connections_on_sqlite():
    assert "config.W001" not in check_deploy(DATABASE_URL="sqlite:///:memory:")
