"""Run the production process layout on this machine (`make serve`).

    gunicorn (config.wsgi, sync workers)  HTTP        GUNICORN_BIND (default 127.0.0.1:8010)
    uvicorn  (config.asgi)                /ws/ only    127.0.0.1:WS_PORT (default 8011)
    manage.py db_worker                   tasks        (when TASK_BACKEND=database)
    nginx (when installed)                one front    HOST:PORT, /ws/ -> uvicorn, rest -> gunicorn

Without nginx the pages are served by gunicorn at HOST:PORT directly (or at
GUNICORN_BIND when set) and live updates need the websocket port (the pages
connect to their own origin, so install nginx for the full picture:
`apt-get install nginx-light`). nginx writes one JSON line per request (with the
request id it passes on as X-Request-ID) beside the processes' own JSON lines.

Several processes share one database, so REDIS_URL (the multi-process layout)
without DATABASE_URL (SQLite) is refused unless SERVE_ALLOW_SQLITE=1.
Ctrl-C (or SIGTERM) stops every child; one child dying stops the rest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config import processes  # noqa: E402 (the project root is on the path now)

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    # The client's X-Request-ID when it is short and plain (the app's own rule),
    # else nginx's: the same id in nginx's line, the app's lines and the answer.
    map $http_x_request_id $ose_request_id {{
        "~^[A-Za-z0-9._:-]{{1,128}}$" $http_x_request_id;
        default $request_id;
    }}
    log_format ose_json escape=json '{{"time":"$time_iso8601","level":"INFO",'
        '"logger":"nginx.access","message":"request","request_id":"$ose_request_id",'
        '"client":"$remote_addr","method":"$request_method","path":"$uri",'
        '"status":$status,"duration_s":$request_time,"bytes":$body_bytes_sent,'
        '"upstream":"$upstream_addr"}}';
    access_log /dev/stdout ose_json;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream ose_http {{ server {http_bind}; keepalive 16; }}
    upstream ose_ws {{ server 127.0.0.1:{ws_port}; }}
    server {{
        listen {host}:{port};
        client_max_body_size 1m;
        location /ws/ {{
            proxy_pass http://ose_ws;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Request-ID $ose_request_id;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://ose_http;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $ose_request_id;
        }}
    }}
}}
"""


SQLITE_REFUSED = (
    "make serve: REDIS_URL is set (several processes: web workers, websockets, the task "
    "worker) but DATABASE_URL is not, so they would share one SQLite file. Set "
    "DATABASE_URL=postgres://user@host:5432/name, or SERVE_ALLOW_SQLITE=1 to run on "
    "SQLite anyway (one web worker: WEB_CONCURRENCY=1)."
)


def preflight(environ: dict[str, str]) -> str | None:
    """Why the layout must not start with this environment, or None."""
    if (
        environ.get("REDIS_URL")
        and not environ.get("DATABASE_URL")
        and environ.get("SERVE_ALLOW_SQLITE", "") not in ("1", "true", "yes")
    ):
        return SQLITE_REFUSED
    return None


def http_bind(args: argparse.Namespace) -> str:
    """Where gunicorn listens: GUNICORN_BIND when set, else HOST:PORT without a
    proxy, else the internal address behind nginx."""
    if args.http_bind:
        return args.http_bind
    return f"{args.host}:{args.port}" if args.no_proxy else "127.0.0.1:8010"


def commands(args: argparse.Namespace, tmp: Path) -> list[tuple[str, list[str]]]:
    procs = [
        ("web", processes.web(bind=http_bind(args), python=sys.executable)),
        (
            "ws",
            processes.ws(host="127.0.0.1", port=args.ws_port, workers=1, python=sys.executable),
        ),
    ]
    if (
        os.environ.get("TASK_BACKEND", "database" if os.environ.get("REDIS_URL") else "immediate")
        == "database"
    ):
        procs.append(("worker", processes.worker(interval=0.5, python=sys.executable)))
    if not args.no_proxy:
        conf = tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=tmp,
                host=args.host,
                port=args.port,
                http_bind=http_bind(args),
                ws_port=args.ws_port,
            )
        )
        procs.append(("proxy", [args.nginx, "-e", "stderr", "-c", str(conf), "-g", "daemon off;"]))
    return procs


def find_nginx() -> str:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--http-bind",
        default=os.environ.get("GUNICORN_BIND", ""),
        help="gunicorn's address (default GUNICORN_BIND, else 127.0.0.1:8010 behind nginx)",
    )
    parser.add_argument("--ws-port", type=int, default=int(os.environ.get("WS_PORT", "8011")))
    parser.add_argument(
        "--no-proxy", action="store_true", help="never start nginx, even when installed"
    )
    parser.add_argument(
        "--check", action="store_true", help="only check the environment (make serve does first)"
    )
    args = parser.parse_args()
    refusal = preflight(dict(os.environ))
    if refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 2
    if args.check:
        return 0
    args.nginx = "" if args.no_proxy else find_nginx()
    args.no_proxy = not args.nginx
    if not args.no_proxy and "NUM_PROXIES" not in os.environ:
        # nginx sets X-Forwarded-For: the app takes the client's address from it
        # (gunicorn trusts it from 127.0.0.1 only, FORWARDED_ALLOW_IPS).
        os.environ["NUM_PROXIES"] = "1"
    tmp = Path(tempfile.mkdtemp(prefix="ose-serve-"))
    if os.environ.get("METRICS_TOKEN"):
        # gunicorn's workers and uvicorn add up their metrics here (config/metrics.py).
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(tmp / "metrics"))
        Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    children: list[tuple[str, subprocess.Popen]] = []

    def stop(*_: object) -> None:
        for _name, proc in children:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for _name, proc in children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for name, cmd in commands(args, tmp):
            print(f"[serve] {name}: {' '.join(cmd)}", flush=True)
            children.append((name, subprocess.Popen(cmd, cwd=BASE_DIR)))
        if args.no_proxy:
            print(
                f"[serve] nginx not found: HTTP at http://{args.host}:{args.port}/, websockets at "
                f"ws://127.0.0.1:{args.ws_port}/ws/ (install nginx-light for one front door)",
                flush=True,
            )
        else:
            print(
                f"[serve] open http://{args.host}:{args.port}/ (Ctrl-C stops everything)",
                flush=True,
            )
        while True:
            for name, proc in children:
                if proc.poll() is not None:
                    print(f"[serve] {name} exited with {proc.returncode}; stopping", flush=True)
                    return proc.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
