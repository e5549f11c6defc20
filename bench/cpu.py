"""CPU per request, API against its bare-Django baseline, in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ose_bench \\
        python bench/cpu.py [-n 2000] [--blocks 4] [--only list20,detail] [--writes]

The quick view of what `make bench` measures with wrk: no sockets, no worker
processes, no other load on the machine's cores to blur it. Every request goes
through the WSGI handler gunicorn runs (config.wsgi: every middleware, the URL
resolver, the view, the response iterated and closed) with a WSGI environ built
here, so the figures are the Python CPU a sync worker spends per request,
PostgreSQL's and Redis's own work excluded (they run in other processes).

For each endpoint of bench/run.py's `endpoints()` (the same requests wrk sends),
N requests to the API and N to its baseline, in interleaved blocks so that a
drift of the machine (another process, CPU frequency) hits both alike; then CPU
microseconds per request (time.process_time), wall microseconds per request, and
`ratio` = baseline CPU / API CPU (1.0: the API costs what bare Django does).
The write endpoint (donation create) posts to the ledger and runs only with
--writes or when named in --only.

Needs the seeded benchmark database and its tokens (bench/run.py's step 1, or
`python bench/seed.py --refresh-tokens --out /tmp/ose-bench/data.json` when they
have expired after 30 minutes), and the static files collected (`manage.py
collectstatic`: with DEBUG off the pages name files from the manifest). Redis is
used when REDIS_URL is set (db 13 by default here: the throttles' keys land there).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-only-secret-key-not-for-production-6b1d2c3e4f5a6b7c8d9e0f1a2b3c"
ENV_DEFAULTS = {
    "DEBUG": "0",
    "SECRET_KEY": SECRET,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ose_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/13",
    "TASK_BACKEND": "database",
    "BENCH_BASELINES": "1",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "THROTTLE_ANON": "100000000/s",
    "THROTTLE_USER_BURST": "100000000/s",
    "THROTTLE_USER_SUSTAINED": "100000000/s",
    "LOG_LEVEL": "WARNING",
    "DB_POOL_MAX_SIZE": "1",  # as each gunicorn worker of `make bench`
    "EMAIL_URL": "memorymail://",
}
DATA = Path(tempfile.gettempdir()) / "ose-bench" / "data.json"

Request = dict[str, Any]  # bench/run.py's shape: method, path, headers, body


def setup() -> Callable:
    for key, value in ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.wsgi import application  # what gunicorn loads, warm-up included

    return application


def environ_for(req: Request) -> dict[str, Any]:
    """The WSGI environ gunicorn would build for `req` (without wsgi.input)."""
    path, _, query = req["path"].partition("?")
    body = req.get("body", "").encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": req["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": urllib.parse.unquote(path, "latin-1"),
        "RAW_URI": req["path"],
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "bench-cpu",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "_body": body,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in req.get("headers", {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    return environ


class Caller:
    """Calls the WSGI application as a server would: start_response, iterate, close."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.status = ""

    def _start_response(self, status: str, headers: list, exc_info: Any = None) -> None:
        self.status = status

    def __call__(self, environ: dict[str, Any]) -> tuple[int, bytes]:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(env.pop("_body"))
        result = self.app(env, self._start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(self.status[:3]), body


def measure(call: Caller, environs: list[dict], n: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of n requests, cycling through `environs`."""
    k = len(environs)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(n):
        call(environs[i % k])
    return time.process_time() - cpu0, time.perf_counter() - wall0


def check(call: Caller, name: str, environs: list[dict]) -> None:
    status, body = call(environs[0])
    if status >= 400:
        raise SystemExit(f"{name}: {status} {body[:300]!r} (expired tokens? see the docstring)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per side and endpoint")
    parser.add_argument("--blocks", type=int, default=4, help="interleaved blocks per side")
    parser.add_argument("--warmup", type=int, default=200, help="requests per side, unmeasured")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys")
    parser.add_argument("--writes", action="store_true", help="also the donation create")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    app = setup()
    from bench import run

    call = Caller(app)

    def get_page(_port: int, path: str, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        status, body = call(environ_for({"method": "GET", "path": path, "headers": headers}))
        if status != 200:
            raise SystemExit(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)

    run.get_json = get_page  # endpoints() walks the API's pages for the deep cursor
    data = json.loads(args.data.read_text())
    only = {k for k in args.only.split(",") if k}
    rows = []
    print(
        f"{'endpoint':<14}{'api µs':>9}{'base µs':>9}{'ratio':>7}"
        f"{'api wall':>10}{'base wall':>10}   (CPU per request; ratio = base/api)"
    )
    for ep in run.endpoints(data, 0):
        if only and ep["key"] not in only:
            continue
        if ep.get("write") and not (args.writes or ep["key"] in only):
            continue
        api = [environ_for(r) for r in ep["api"]]
        base = [environ_for(r) for r in ep["base"]]
        check(call, ep["key"] + " api", api)
        check(call, ep["key"] + " baseline", base)
        measure(call, api, args.warmup)
        measure(call, base, args.warmup)
        per_block = max(1, args.n // args.blocks)
        totals = {"api": [0.0, 0.0], "base": [0.0, 0.0]}
        for _ in range(args.blocks):
            for side, environs in (("api", api), ("base", base)):
                cpu, wall = measure(call, environs, per_block)
                totals[side][0] += cpu
                totals[side][1] += wall
        count = per_block * args.blocks
        row = {
            "key": ep["key"],
            "name": ep["name"],
            "requests": count,
            "api_cpu_us": totals["api"][0] / count * 1e6,
            "base_cpu_us": totals["base"][0] / count * 1e6,
            "api_wall_us": totals["api"][1] / count * 1e6,
            "base_wall_us": totals["base"][1] / count * 1e6,
        }
        row["ratio"] = row["base_cpu_us"] / row["api_cpu_us"]
        rows.append(row)
        print(
            f"{row['key']:<14}{row['api_cpu_us']:>9.0f}{row['base_cpu_us']:>9.0f}"
            f"{row['ratio']:>7.2f}{row['api_wall_us']:>10.0f}{row['base_wall_us']:>10.0f}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
