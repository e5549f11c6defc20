"""Project-level checks: deploy settings, the schema, migrations, the demo seed."""

import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts import selectors, services
from accounts.models import User

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-like-" + "k3y-0f-suff1cient-length-and-variety-" * 2,
    "ALLOWED_HOSTS": "ose.example.org",
    "HTTPS": "1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "PAYMENT_GATEWAY": "tests.accounts.gateways.DeferredGateway",
    "PAYOUT_GATEWAY": "tests.payouts.gateways.DeferredPayoutGateway",
    "FIELD_ENCRYPTION_KEY": "q3QJ0mS6bC8pR1kF2wX9yZ4tV7uN5aL0eD3gH6jK8mA=",
    "DATABASE_URL": "sqlite:///" + str(Path(tempfile.gettempdir()) / "ose-deploy-check.sqlite3"),
    # The tests' own environment says optional (pyproject.toml); production's default.
    "STAFF_MFA": "required",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "HTTPS")}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_env():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_staff_mfa_is_optional():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION_ENV, "STAFF_MFA": "optional"},
    )

    assert result.returncode != 0
    assert "staff.W002" in result.stdout + result.stderr


def test_secret_key_is_required_with_debug_off():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    text = out.read_text()
    for path in (
        "/api/v1/health",
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
    ):
        assert f"{path}:" in text


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    from django.apps import apps

    def snapshot() -> dict[str, int]:
        return {
            model._meta.label: model.objects.count()
            for app in ("accounts", "zakat", "campaigns", "loans")
            for model in apps.get_app_config(app).get_models()
        }

    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = snapshot()
    call_command("seed_demo", stdout=out)

    assert snapshot() == first
    staff = User.objects.get(email="staff@ose.example")
    assert staff.is_staff
    assert staff.is_superuser
    assert User.objects.filter(is_staff=False).count() == 3
    for donor in User.objects.filter(is_staff=False):
        assert donor.top_ups.filter(amount=Decimal("1000.00"), status="succeeded").count() == 1
        assert selectors.wallet_for(user=donor).balance >= 0
    assert services.ledger_verify().problems == []
    assert "staff@ose.example" in out.getvalue()


@pytest.mark.django_db
def test_createsuperuser_noinput_from_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_NAME", "Root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-passphrase-42")

    call_command("createsuperuser", "--noinput", stdout=StringIO())

    root = User.objects.get(email="root@example.org")
    assert root.is_superuser
    assert root.check_password("a-long-passphrase-42")


def test_check_deploy_warns_about_the_sandbox_gateway():
    env = {**PRODUCTION_ENV, "PAYMENT_GATEWAY": "sandbox"}

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "accounts.W001" in result.stderr + result.stdout


def test_check_reports_an_unloadable_gateway():
    env = {**PRODUCTION_ENV, "PAYMENT_GATEWAY": "no.such.Gateway"}

    result = run_manage("check", "--deploy", env=env)

    assert result.returncode != 0
    assert "accounts.E001" in result.stderr + result.stdout
