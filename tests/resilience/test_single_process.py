"""More than one process without Redis would split rate limits per process:
gunicorn refuses to start several workers without a shared cache, the sign-in
lockout counts in the database then (shared by every process), and axes'
warning about a per-process cache is no longer silenced."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core import checks

from config import gunicorn as gunicorn_config
from config.security import LockoutHandler

ROOT = Path(__file__).resolve().parents[2]


def fake_server(workers):
    return SimpleNamespace(
        cfg=SimpleNamespace(workers=workers), log=SimpleNamespace(error=lambda *a: None)
    )


def test_several_workers_without_redis_refuse_to_start(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(SystemExit, match="without a shared cache"):
        gunicorn_config.on_starting(fake_server(3))
    gunicorn_config.on_starting(fake_server(1))  # one worker is fine


def test_several_workers_with_redis_start(settings):
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    gunicorn_config.on_starting(fake_server(5))


def test_gunicorn_itself_exits_with_the_message(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "test-only-key-for-the-start-check-0123456789abcdef",
        "WEB_CONCURRENCY": "2",
    }
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    from config import processes

    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        processes.web(bind="127.0.0.1:1", python=sys.executable),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "without a shared cache" in result.stderr + result.stdout


def test_axes_warning_is_not_silenced():
    assert "axes.W001" not in getattr(django_settings, "SILENCED_SYSTEM_CHECKS", [])


def test_axes_warns_about_a_per_process_lockout_cache(settings):
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    ids = {message.id for message in checks.run_checks(tags=[checks.Tags.caches])}
    assert "axes.W001" in ids


def test_the_projects_lockout_configuration_passes_axes_checks():
    ids = {message.id for message in checks.run_checks()}
    assert "axes.W001" not in ids


@pytest.mark.django_db
def test_without_redis_the_lockout_counts_in_the_database():
    from axes.handlers.database import AxesDatabaseHandler

    assert isinstance(LockoutHandler()._current(), AxesDatabaseHandler)
