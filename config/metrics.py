"""Prometheus metrics: what the processes do, scraped at /metrics.

Off unless METRICS_TOKEN is set: then /metrics answers a scraper that sends
`Authorization: Bearer <METRICS_TOKEN>` (anyone else 401), and the middleware
below times every request. Unset, /metrics is a 404 and the middleware removes
itself from the chain (no cost per request).

- `ose_http_request_duration_seconds{route,method}`: latency histogram per route,
  the resolver's route name (`api:v1:donations`), never the raw path, so ids in
  URLs cannot explode the number of series; `ose_http_requests_total{route,method,
  status}`; `ose_http_request_db_queries{route}`: database queries per request.
- `ose_money_movements_total{kind}` and `ose_money_moved_total{kind}`: each ledger
  transaction (donation, zakat_payment, payout, ...) and the amount it moved,
  counted when its transaction commits (accounts.services.ledger_post calls
  `ledger_posted`), never for a rolled-back one.
- `ose_websocket_connections`: open websocket connections (campaigns' consumer).
- `ose_task_queue_depth`, `ose_task_queue_oldest_age_seconds`: ready tasks of
  the database queue and how long the oldest has waited, read at scrape time.

Several processes (gunicorn's workers, uvicorn): prometheus-client's multiprocess
mode, when PROMETHEUS_MULTIPROC_DIR names a directory shared by the processes of
one host (set before they start; config/gunicorn.py empties it at start and
marks exited workers dead). Each process writes its own files there and a scrape
of any one worker adds them all up.
"""

import hmac
import os
import time
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUERY_BUCKETS = (0, 1, 2, 4, 8, 16, 32, 64, 128)

REQUEST_SECONDS = Histogram(
    "ose_http_request_duration_seconds",
    "Time to answer a request, by route name.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "ose_http_requests",
    "Requests answered, by route name and status.",
    ["route", "method", "status"],
)
REQUEST_QUERIES = Histogram(
    "ose_http_request_db_queries",
    "Database queries run to answer one request, by route name.",
    ["route"],
    buckets=QUERY_BUCKETS,
)
MONEY_MOVEMENTS = Counter(
    "ose_money_movements", "Ledger transactions committed, by kind.", ["kind"]
)
MONEY_MOVED = Counter(
    "ose_money_moved", "Money moved by committed ledger transactions, by kind.", ["kind"]
)
WEBSOCKETS = Gauge(
    "ose_websocket_connections",
    "Open websocket connections.",
    multiprocess_mode="livesum",
)


def enabled() -> bool:
    return bool(settings.METRICS_TOKEN)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        # Answered before URL resolution (the health probes' middleware) or a 404:
        # name it by the URLconf all the same, never by the raw path.
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return match.view_name or match.route or "unnamed"


class MetricsMiddleware:
    """Times each request and counts its queries, labelled by route name."""

    def __init__(self, get_response: Callable) -> None:
        if not enabled():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = [0]

        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        route = _route(request)
        if route == "metrics":
            return response  # the scrapes themselves are not the site's traffic
        REQUEST_SECONDS.labels(route, request.method).observe(time.perf_counter() - started)
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        REQUEST_QUERIES.labels(route).observe(queries[0])
        return response


def ledger_posted(kind: str, amount: Decimal) -> None:
    """Count a ledger transaction once it commits (called inside its transaction)."""
    if not enabled():
        return
    from django.db import transaction

    def record() -> None:
        MONEY_MOVEMENTS.labels(kind).inc()
        MONEY_MOVED.labels(kind).inc(float(amount))

    transaction.on_commit(record, robust=True)


def websocket_opened() -> Callable[[], None] | None:
    """Count an open websocket; returns what to call when it closes (None when off)."""
    if not enabled():
        return None
    WEBSOCKETS.inc()
    return WEBSOCKETS.dec


class TaskQueueCollector:
    """The database task queue's depth and oldest ready task's age, read when scraped."""

    def collect(self):
        depth = GaugeMetricFamily(
            "ose_task_queue_depth", "Ready tasks waiting in the database queue."
        )
        age = GaugeMetricFamily(
            "ose_task_queue_oldest_age_seconds",
            "How long the oldest ready task has waited (0 when none).",
        )
        count, oldest = task_queue_state()
        depth.add_metric([], count)
        age.add_metric([], oldest)
        yield depth
        yield age


def task_queue_state() -> tuple[int, float]:
    """(ready tasks, age in seconds of the oldest one) of the database queue; (0, 0)
    with another backend (the immediate one runs tasks at once)."""
    from django.db.models import Count, Min
    from django.tasks import task_backends
    from django.utils import timezone
    from django_tasks_db import DatabaseBackend

    if not isinstance(task_backends["default"], DatabaseBackend):
        return 0, 0.0
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.ready().aggregate(n=Count("pk"), oldest=Min("enqueued_at"))
    if not row["n"]:
        return 0, 0.0
    return row["n"], max((timezone.now() - row["oldest"]).total_seconds(), 0.0)


def _authorized(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.METRICS_TOKEN.encode()
    )


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: Prometheus text format, for the bearer of METRICS_TOKEN."""
    if not enabled():
        raise Http404
    if not _authorized(request):
        response = HttpResponse(
            "A bearer token is needed.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    queue = CollectorRegistry()
    queue.register(TaskQueueCollector())
    body += generate_latest(queue)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
