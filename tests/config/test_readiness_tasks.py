"""/api/v1/health/ready checks the task queue: reachable, and how old its oldest
ready task is (failing past TASK_QUEUE_MAX_AGE_SECONDS when that is set)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from config.tasks import purge_idempotency_keys

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DB_TASKS


def ready():
    return APIClient().get("/api/v1/health/ready")


def test_an_empty_queue_is_ready_with_age_zero(db, database_queue):
    response = ready()

    assert response.status_code == 200
    assert response.json()["tasks"] == "ok"
    assert response.json()["tasks_oldest_age_seconds"] == 0.0


def test_the_oldest_ready_tasks_age_is_reported(db, database_queue):
    with freeze_time(timezone.now() - timedelta(minutes=10)):
        purge_idempotency_keys.enqueue()

    body = ready().json()

    assert 590 <= body["tasks_oldest_age_seconds"] < 700
    assert body["tasks"] == "ok"  # no limit set: reported, not failing


def test_a_stale_queue_fails_readiness_when_a_limit_is_set(db, database_queue, settings):
    settings.TASK_QUEUE_MAX_AGE_SECONDS = 300
    with freeze_time(timezone.now() - timedelta(minutes=10)):
        purge_idempotency_keys.enqueue()

    response = ready()

    assert response.status_code == 503
    assert response.json()["tasks"] == "error"
    assert response.json()["failing"] == ["tasks"]
    assert response.json()["database"] == "ok"


def test_an_unreachable_queue_table_is_named(db, database_queue):
    broken = mock.patch(
        "django_tasks_db.models.DBTaskResult.objects.ready", side_effect=RuntimeError("gone")
    )
    with broken:
        response = ready()

    assert response.status_code == 503
    assert response.json()["failing"] == ["tasks"]


def test_liveness_is_unchanged(db):
    assert APIClient().get("/api/v1/health").json() == {"status": "ok", "database": "ok"}
