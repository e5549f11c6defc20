"""gunicorn settings for the HTTP processes (`gunicorn -c config/gunicorn.py config.wsgi`).

Sync workers: Django's views are sync, and on 2 cores they served the same DRF
view several times faster than an ASGI server (docs/benchmarks.md). Every value
can be overridden from the environment (names below) or on the command line.
"""

import os

from config.logging import gunicorn_logconfig

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")


def shared_cache_configured() -> bool:
    """Whether the Django settings give every process one cache (Redis)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"] == "config.cache.RedisCache"


# One process per request in flight: 2 x cores + 1 is gunicorn's rule of thumb
# for I/O-bound (database) work; measured on 2 cores in docs/benchmarks.md.
# Without Redis, one: see on_starting.
workers = int(
    os.environ.get(
        "WEB_CONCURRENCY",
        str(2 * (os.cpu_count() or 1) + 1 if os.environ.get("REDIS_URL") else 1),
    )
)
# Each sync worker keeps one PostgreSQL connection (config/settings.py pools them
# by default), so this is also the web tier's share of max_connections.
worker_class = "sync"
# Pending connections queue in the kernel (and at the proxy) while every worker
# is busy: saturation means waiting, never an error.
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so a slow leak can never grow unbounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (tmpfs)
# Load the app once in the master, then fork: a worker is ready the moment it is
# forked. Without it every worker imports Django itself (1.5 s each here), and on
# SIGHUP gunicorn stops the old workers while the new ones are still importing:
# nothing answered for ~10 s (docs/deploy.md "Reloads", bench/reload.py). With it a
# SIGHUP re-forks the same code (new settings from the environment are not read):
# new code is deployed with USR2 (docs/deploy.md). Nothing connects to PostgreSQL
# or Redis while loading: pools open in each worker on first use.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").lower() not in ("0", "false", "no")
# One JSON format for every process (config/logging.py). The app writes one access
# line per request itself (config.middleware), with the client's address and the
# user; gunicorn's own access line (JSON too) only with GUNICORN_ACCESS_LOG=1.
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
errorlog = "-"
accesslog = None
logconfig_dict = gunicorn_logconfig(
    level=loglevel.upper(),
    access=os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in ("1", "true", "yes"),
)
proc_name = "ose-web"
# Trust X-Forwarded-* only from the proxy on the same host (or as configured).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


SINGLE_PROCESS_ONLY = (
    "Refusing to start {workers} gunicorn workers without a shared cache: rate limits "
    "would be counted per process (each worker letting the full limit through). Set "
    "REDIS_URL (docs/deploy.md) or run one worker (WEB_CONCURRENCY=1)."
)


def on_starting(server) -> None:
    """More than one worker needs Redis: without it every worker keeps its own
    rate-limit counts (the sign-in lockout counts in the database either way)."""
    if server.cfg.workers > 1 and not shared_cache_configured():
        message = SINGLE_PROCESS_ONLY.format(workers=server.cfg.workers)
        server.log.error(message)
        raise SystemExit(message)
    _fresh_metrics_dir()


def _fresh_metrics_dir() -> None:
    """Multiprocess metrics (config/metrics.py): the workers' files of an earlier run
    would be added to this one's, so the directory starts empty."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker) -> None:
    """A worker's live gauges (open websockets) stop counting when it exits."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
