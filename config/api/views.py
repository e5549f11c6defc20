"""Platform endpoints: health (liveness) and readiness."""

import logging

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import error_responses
from config.cache import shared_cache
from config.health import database_answers

logger = logging.getLogger("ose.health")

HealthOut = inline_serializer(
    name="Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "error"]),
        "database": serializers.ChoiceField(choices=["ok", "error"]),
    },
)


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["platform"],
        summary="Is the service up",
        description="Checks the database with a trivial query. 503 when it does not answer.",
        responses={200: HealthOut, 503: HealthOut, **error_responses(429)},
        examples=[
            OpenApiExample(
                "Healthy",
                value={"status": "ok", "database": "ok"},
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Database down",
                value={"status": "error", "database": "error"},
                response_only=True,
                status_codes=["503"],
            ),
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        if not database_answers(what="Health check"):
            return Response(
                {"status": "error", "database": "error"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "database": "ok"})


ReadyOut = inline_serializer(
    name="Ready",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "error"]),
        "database": serializers.ChoiceField(choices=["ok", "error"]),
        "redis": serializers.ChoiceField(
            choices=["ok", "error", "not_configured"],
            help_text="not_configured: no REDIS_URL (one process, memory cache).",
        ),
        "tasks": serializers.ChoiceField(choices=["ok", "error"]),
        "tasks_oldest_age_seconds": serializers.FloatField(
            help_text="How long the oldest ready task has waited (0 with none waiting)."
        ),
        "failing": serializers.ListField(
            child=serializers.CharField(), help_text="What does not answer (503 only)."
        ),
    },
)


def _database_answers() -> bool:
    return database_answers(what="Readiness")


def _redis_answers() -> bool | None:
    """None when Redis is not configured; else whether it answers a PING now."""
    redis_cache = shared_cache()
    if redis_cache is None:
        return None
    if not redis_cache.ping():
        logger.warning("Readiness: Redis did not answer")
        return False
    return True


def _task_queue_answers() -> tuple[bool, float | None]:
    """Whether the task queue answers, and how long its oldest ready task has waited
    (None without a database queue). Past TASK_QUEUE_MAX_AGE_SECONDS (when set) the
    queue counts as failing: nothing is taking work off it."""
    from django.conf import settings

    from config.metrics import task_queue_state

    try:
        _depth, age = task_queue_state()
    except Exception:
        logger.exception("Readiness: the task queue table did not answer")
        return False, None
    limit = settings.TASK_QUEUE_MAX_AGE_SECONDS
    if limit and age > limit:
        logger.warning("Readiness: the oldest ready task has waited %.0f s", age)
        return False, age
    return True, age


class ReadyView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["platform"],
        summary="Can the service take traffic",
        description=(
            "Readiness, for a load balancer: 200 when the database, Redis (when "
            "REDIS_URL is set) and the task queue answer; 503 naming what does not "
            "in `failing`. The task queue fails when its table does not answer, or "
            "when its oldest ready task has waited longer than "
            "TASK_QUEUE_MAX_AGE_SECONDS (when set). `/api/v1/health` is liveness and "
            "stays 200 while Redis is down (the site degrades instead of failing)."
        ),
        responses={200: ReadyOut, 503: ReadyOut, **error_responses(429)},
        examples=[
            OpenApiExample(
                "Ready",
                value={
                    "status": "ok",
                    "database": "ok",
                    "redis": "ok",
                    "tasks": "ok",
                    "tasks_oldest_age_seconds": 0.4,
                    "failing": [],
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Redis down",
                value={
                    "status": "error",
                    "database": "ok",
                    "redis": "error",
                    "tasks": "ok",
                    "tasks_oldest_age_seconds": 0.0,
                    "failing": ["redis"],
                },
                response_only=True,
                status_codes=["503"],
            ),
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        redis_ok = _redis_answers()
        database_ok = _database_answers()
        tasks_ok, tasks_age = _task_queue_answers() if database_ok else (False, None)
        checks = {
            "database": database_ok,
            "redis": redis_ok,
            # The queue is a table: with the database down it is down too, and
            # asking again would wait out the pool's timeout (DB_POOL_TIMEOUT).
            "tasks": tasks_ok,
        }
        failing = [name for name, ok in checks.items() if ok is False]
        body = {
            name: "not_configured" if ok is None else ("ok" if ok else "error")
            for name, ok in checks.items()
        }
        body = {
            "status": "error" if failing else "ok",
            **body,
            "tasks_oldest_age_seconds": round(tasks_age or 0.0, 1),
            "failing": failing,
        }
        code = status.HTTP_503_SERVICE_UNAVAILABLE if failing else status.HTTP_200_OK
        return Response(body, status=code)
