"""gunicorn settings for the HTTP processes (`gunicorn -c config/gunicorn.py config.wsgi`).

Sync workers: Django's views are sync, and on 2 cores they served the same DRF
view several times faster than an ASGI server (docs/benchmarks.md). Every value
can be overridden from the environment (names below) or on the command line.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One process per request in flight: 2 x cores + 1 is gunicorn's rule of thumb
# for I/O-bound (database) work; measured on 2 cores in docs/benchmarks.md.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
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
# The app logs one JSON access line per request itself (config.middleware).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "ose-web"
# Trust X-Forwarded-* only from the proxy on the same host (or as configured).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
