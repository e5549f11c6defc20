"""Run the production process layout on this machine (`make serve`).

    gunicorn (config.wsgi, sync workers)  HTTP        127.0.0.1:HTTP_PORT
    uvicorn  (config.asgi)                /ws/ only    127.0.0.1:WS_PORT
    manage.py db_worker                   tasks        (when TASK_BACKEND=database)
    nginx (when installed)                one front    HOST:PORT, /ws/ -> uvicorn, rest -> gunicorn

Without nginx the pages are served by gunicorn at HOST:PORT directly and live
updates need the websocket port (the pages connect to their own origin, so
install nginx for the full picture: `apt-get install nginx-light`).
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
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream ose_http {{ server 127.0.0.1:{http_port}; keepalive 16; }}
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
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://ose_http;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def commands(args: argparse.Namespace, tmp: Path) -> list[tuple[str, list[str]]]:
    http_port = args.port if args.no_proxy else args.http_port
    http_host = args.host if args.no_proxy else "127.0.0.1"
    procs = [
        ("web", processes.web(bind=f"{http_host}:{http_port}", python=sys.executable)),
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
                http_port=args.http_port,
                ws_port=args.ws_port,
            )
        )
        procs.append(("proxy", [args.nginx, "-e", "stderr", "-c", str(conf), "-g", "daemon off;"]))
    return procs


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--http-port", type=int, default=8010)
    parser.add_argument("--ws-port", type=int, default=8011)
    args = parser.parse_args()
    args.nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else ""
    )
    args.no_proxy = not args.nginx
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
