"""Reload gunicorn under a steady request stream and report the longest request.

    python bench/reload.py                      # SIGHUP, the project's settings (preload)
    python bench/reload.py --no-preload         # SIGHUP as before: every worker re-imports
    python bench/reload.py --upgrade            # new code: USR2, then TERM the old master

Starts gunicorn the way `make serve` and deploy/ do (config/processes.py, with
config/gunicorn.py), WEB_CONCURRENCY workers, DEBUG off, on a SQLite file
(GET /api/v1/health asks it `SELECT 1`) and Redis db 11 (more than one worker
needs the shared cache). CLIENTS threads send requests back to back, each on a
new connection; after WARMUP seconds the master gets the signal; the stream goes
on for AFTER seconds. Reported: requests, failures (no answer or not 200), the
longest request, the longest time in which no request completed, and the same
for the window before the signal. docs/deploy.md "Reloads" quotes the figures;
tests/operations/test_reload.py asserts only that nothing fails.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config import processes  # (the project root is on the path now)

SECRET_KEY = "reload-bench-" + "k3y-0f-suff1cient-length-and-variety-" * 2


@dataclass
class Sample:
    started: float
    finished: float
    ok: bool
    error: str = ""


@dataclass
class Stream:
    port: int
    clients: int
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _one(self) -> Sample:
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/api/v1/health", headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            ok, error = (
                response.status == 200,
                "" if response.status == 200 else str(response.status),
            )
        except (OSError, http.client.HTTPException) as exc:
            ok, error = False, type(exc).__name__
        finally:
            conn.close()
        return Sample(started, time.monotonic(), ok, error)

    def _run(self) -> None:
        while not self._stop.is_set():
            sample = self._one()
            with self._lock:
                self.samples.append(sample)

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        return threads

    def stop(self, threads: list[threading.Thread]) -> None:
        self._stop.set()
        for thread in threads:
            thread.join(timeout=60)


def summarize(samples: list[Sample], since: float, until: float) -> dict:
    """Figures for the requests that started in [since, until)."""
    window = sorted((s for s in samples if since <= s.started < until), key=lambda s: s.finished)
    if not window:
        return {"requests": 0, "failed": 0, "longest_ms": None, "longest_gap_ms": None}
    finishes = [since, *(s.finished for s in window)]
    gaps = [b - a for a, b in itertools.pairwise(finishes)]
    return {
        "requests": len(window),
        "failed": sum(not s.ok for s in window),
        "errors": sorted({s.error for s in window if not s.ok}),
        "longest_ms": round(max(s.finished - s.started for s in window) * 1000, 1),
        "longest_gap_ms": round(max(gaps) * 1000, 1),
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(*, workers: int, preload: bool, redis_url: str, database_url: str) -> dict:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_PRELOAD": "1" if preload else "0",
        "THROTTLE_ANON": "1000000/minute",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
        env["TASK_BACKEND"] = "immediate"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def wait_ready(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


def _read_pid(path: Path, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            time.sleep(0.05)
    raise RuntimeError(f"no pid in {path}")


def upgrade(master_pid: int, pidfile: Path) -> int:
    """gunicorn's binary upgrade: USR2 starts a new master (new code) beside the
    old one, on the same socket; once its workers run, TERM stops the old master
    gracefully. Returns the new master's pid."""
    os.kill(master_pid, signal.SIGUSR2)
    # The new master writes <pidfile>.2 (and takes <pidfile> once the old one is gone).
    new_pid = _read_pid(Path(f"{pidfile}.2"), seconds=60)
    # The new master's workers are forked from a loaded app (preload): give them
    # a moment to start accepting, then retire the old generation with TERM (its
    # workers finish their requests; QUIT would cut them off mid-request).
    time.sleep(1.0)
    os.kill(master_pid, signal.SIGTERM)
    return new_pid


def measure(
    *,
    workers: int = 5,
    preload: bool = True,
    mode: str = "hup",
    clients: int = 4,
    warmup: float = 3.0,
    after: float = 10.0,
    redis_url: str = "redis://127.0.0.1:6379/11",
    workdir: Path | None = None,
) -> dict:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="ose-reload-"))
    port = free_port()
    pidfile = workdir / "gunicorn.pid"
    env = environment(
        workers=workers,
        preload=preload,
        redis_url=redis_url,
        database_url=f"sqlite:///{workdir / 'reload.sqlite3'}",
    )
    # The `gunicorn` program, as deploy/ starts it: a master started as
    # `python -m gunicorn` re-executes gunicorn/__main__.py as a script on USR2,
    # with gunicorn's own http package shadowing the standard library's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    cmd = [*processes.web(bind=f"127.0.0.1:{port}"), "--pid", str(pidfile)]
    log = (workdir / "gunicorn.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    master = proc.pid
    try:
        wait_ready(port, proc)
        stream = Stream(port=port, clients=clients)
        begun = time.monotonic()
        threads = stream.start()
        time.sleep(warmup)
        signalled = time.monotonic()
        if mode == "hup":
            os.kill(master, signal.SIGHUP)
        else:
            master = upgrade(master, pidfile)
        time.sleep(after)
        ended = time.monotonic()
        stream.stop(threads)
    finally:
        # Every master this run started: the first, and one a USR2 started even
        # when waiting for it failed.
        for path in (pidfile, Path(f"{pidfile}.2")):
            with contextlib.suppress(OSError, ValueError):
                found = int(path.read_text().strip())
                if found != master and found != proc.pid:
                    os.kill(found, signal.SIGTERM)
        for pid in {master, proc.pid}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        if master != proc.pid:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    os.kill(master, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
    return {
        "mode": mode,
        "preload": preload,
        "workers": workers,
        "before": summarize(stream.samples, begun, signalled),
        "after": summarize(stream.samples, signalled, ended),
        "log": str(workdir / "gunicorn.log"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--no-preload", dest="preload", action="store_false")
    parser.add_argument("--upgrade", action="store_true", help="USR2, then TERM the old master")
    parser.add_argument("--after", type=float, default=10.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()
    result = measure(
        workers=args.workers,
        preload=args.preload,
        mode="upgrade" if args.upgrade else "hup",
        clients=args.clients,
        after=args.after,
        redis_url=args.redis_url,
    )
    for key in ("mode", "preload", "workers"):
        print(f"{key}: {result[key]}")
    for window in ("before", "after"):
        print(f"{window} the signal: {result[window]}")
    return 1 if result["after"]["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
