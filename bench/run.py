"""`make bench`: seed PostgreSQL, start the production processes, measure, write docs/benchmarks.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ose_bench python bench/run.py [--reps 3]

Steps (each printed as it goes, each a function below that main() calls in turn;
the whole run stays under ten minutes on 2 cores):
 1. recreate the database named by DATABASE_URL and seed it (bench/seed.py);
 2. collectstatic, then start gunicorn (config.wsgi, HTTP), uvicorn (config.asgi,
    /ws/) and the task worker, DEBUG off, Redis db 12 (flushed) for cache and
    channel layer, BENCH_BASELINES=1 to mount the bare-Django baselines;
 3. warm up, then for each endpoint and repetition: a saturation run of the
    endpoint and of its baseline, back to back (wrk, closed model, 16
    connections), then an open-model run of the endpoint at 60% of its
    saturation rate (bench/openload.py, constant arrival rate);
 4. websocket fan-out to 1 000 clients with each channel layer; group_send cost;
 5. the decisions: the same DRF views through an ASGI server, each way of
    reusing database connections, and gunicorn started bare (`gunicorn
    config.wsgi`, no connection variables) beside the tuned start;
 6. peak memory per process (VmHWM), peak PostgreSQL connections against the
    configured bound, lost-update and ledger checks; write the tables between
    the markers in docs/benchmarks.md (the prose around them is kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import processes

PY = sys.executable
TMP = Path(tempfile.gettempdir()) / "ose-bench"
REDIS_DB = 12
SECRET = "bench-only-secret-key-not-for-production-6b1d2c3e4f5a6b7c8d9e0f1a2b3c"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
WEB_WORKERS = int(os.environ.get("WEB_CONCURRENCY", "5"))
POOL_SIZE = 1  # per sync worker process (one request at a time)
APP_NAME = "ose-bench"  # PGAPPNAME of the site's processes: their backends' CPU is counted
WS_POOL_SIZE = 2
t_start = time.monotonic()


def say(msg: str) -> None:
    print(f"[bench {time.monotonic() - t_start:6.1f}s] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- processes -------------------------------------------------------------------------


class Cluster:
    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen] = {}
        self.peak: dict[str, int] = {}
        self.peak_conns = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, name: str, cmd: list[str], env: dict) -> None:
        log = (TMP / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, name: str | None = None) -> None:
        for n in [name] if name else list(self.procs):
            proc = self.procs.pop(n, None)
            if proc is None:
                continue
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()

    def _tree(self, pid: int) -> list[int]:
        out = [pid]
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return out
        for k in kids:
            out += self._tree(int(k))
        return out

    def sample_memory(self) -> None:
        for name, proc in list(self.procs.items()):
            for i, pid in enumerate(self._tree(proc.pid)):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                m = re.search(r"VmHWM:\s+(\d+) kB", status)
                if not m:
                    continue
                role = name if i == 0 else f"{name} (worker process)"
                self.peak[role] = max(self.peak.get(role, 0), int(m.group(1)))

    def cpu_seconds(self, dsn: str) -> dict[str, float]:
        """CPU seconds used so far (user + system) by each process group of the site:
        gunicorn, uvicorn and the task worker with their children, and the
        PostgreSQL backends serving them (found by their application_name)."""
        import psycopg

        tick = os.sysconf("SC_CLK_TCK")

        def used(pid: int) -> float:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return 0.0
            return (int(fields[11]) + int(fields[12])) / tick

        out: dict[str, float] = {}
        for name, proc in self.procs.items():
            out[name.split(" ")[0]] = sum(used(pid) for pid in self._tree(proc.pid))
        with psycopg.connect(dsn, autocommit=True) as c:
            backends = c.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (APP_NAME,)
            ).fetchall()
        out["postgres"] = sum(used(pid) for (pid,) in backends)
        return out

    def watch(self, dsn: str, dbname: str) -> None:
        import psycopg

        def memory() -> None:
            while not self._stop.wait(0.5):
                self.sample_memory()

        def conns() -> None:
            with psycopg.connect(dsn, autocommit=True) as c:
                while not self._stop.wait(0.1):
                    n = c.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (dbname,),
                    ).fetchone()[0]
                    self.peak_conns = max(self.peak_conns, n)

        for fn in (memory, conns):
            t = threading.Thread(target=fn, daemon=True)
            t.start()
            self._threads.append(t)

    def close(self) -> None:
        self._stop.set()
        self.stop()


def wait_http(url: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up; see {TMP}/*.log")


def wait_port(port: int, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"port {port} did not open; see {TMP}/*.log")


def gunicorn_cmd(port: int) -> list[str]:
    return processes.web(bind=f"127.0.0.1:{port}", python=PY)


def uvicorn_cmd(port: int, workers: int = 1) -> list[str]:
    return processes.ws(host="127.0.0.1", port=port, workers=workers, python=PY)


# --- load ---------------------------------------------------------------------------------


def lua_script(reqs: list[dict], path: Path) -> Path:
    def q(s: str | None) -> str:
        return "nil" if s is None else json.dumps(s)

    rows = []
    for r in reqs:
        headers = (
            "{"
            + ", ".join(
                f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (r.get("headers") or {}).items()
            )
            + "}"
        )
        rows.append(f"  {{{q(r['method'])}, {q(r['path'])}, {headers}, {q(r.get('body'))}}}")
    path.write_text(
        "local spec = {\n" + ",\n".join(rows) + "\n}\n"
        "local reqs = {}\nlocal i = 0\n"
        "function init(args)\n  for k, r in ipairs(spec) do reqs[k] = wrk.format(r[1], r[2], r[3], r[4]) end\nend\n"
        "function request()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n"
        "function done(s, latency, requests)\n"
        '  io.write(string.format(\'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,'
        '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n\', s.requests, s.duration,'
        " latency:percentile(50), latency:percentile(99), s.errors.connect, s.errors.read,"
        " s.errors.write, s.errors.status, s.errors.timeout))\nend\n"
    )
    return path


def wrk(port: int, reqs: list[dict], seconds: float, connections: int = 16) -> dict:
    script = lua_script(reqs, TMP / "req.lua")
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    data = json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])
    sock_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    ok = data["requests"] - data["status"]
    return {
        "rps": round(ok / (data["duration_us"] / 1e6), 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "non_2xx": data["status"],
        "socket_errors": sock_errors,
        "requests": data["requests"],
        "ok": ok,
    }


def openload(port: int, reqs: list[dict], rate: float, seconds: float) -> dict:
    spec = TMP / "open.json"
    spec.write_text(json.dumps(reqs))
    out = subprocess.run(
        [
            PY,
            str(ROOT / "bench" / "openload.py"),
            "--port",
            str(port),
            "--rate",
            str(rate),
            "--duration",
            str(seconds),
            "--requests",
            str(spec),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    return json.loads(out)


def get_json(port: int, path: str, token: str | None = None) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


# --- the run ----------------------------------------------------------------------------


def endpoints(data: dict, port: int) -> list[dict]:
    users = data["users"]
    hot = data["hot_campaigns"]
    cursor = None
    for _ in range(20):  # 2 000 rows deep
        page = get_json(
            port,
            "/api/v1/campaigns?limit=100"
            + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""),
        )
        cursor = page["next_cursor"]
    deep = urllib.parse.quote(cursor)

    def get(path: str, token: str | None = None) -> dict:
        return {
            "method": "GET",
            "path": path,
            "headers": {"Authorization": f"Bearer {token}"} if token else {},
        }

    def post(path: str, body: dict, token: str) -> dict:
        return {
            "method": "POST",
            "path": path,
            "body": json.dumps(body),
            "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        }

    ids = data["campaigns"][:500]
    donate = [(hot[i % len(hot)], tok) for i, (_uid, tok) in enumerate(users)]
    zakat = {"payer_id": "bench-payer", "wealth_amount": "10000.00", "nisab_threshold": "5000.00"}
    return [
        {
            "name": "campaign list, 20, first page",
            "key": "list20",
            "api": [get("/api/v1/campaigns?limit=20")],
            "base": [get("/bench/campaigns?limit=20")],
        },
        {
            "name": "campaign list, 20, deep cursor (row 2 000)",
            "key": "list20_deep",
            "api": [get(f"/api/v1/campaigns?limit=20&cursor={deep}")],
            "base": [get(f"/bench/campaigns?limit=20&cursor={deep}")],
        },
        {
            "name": "campaign list, 100, first page",
            "key": "list100",
            "api": [get("/api/v1/campaigns?limit=100")],
            "base": [get("/bench/campaigns?limit=100")],
        },
        {
            "name": "campaign list, 100, deep cursor (row 2 000)",
            "key": "list100_deep",
            "api": [get(f"/api/v1/campaigns?limit=100&cursor={deep}")],
            "base": [get(f"/bench/campaigns?limit=100&cursor={deep}")],
        },
        {
            "name": "campaign list, 12 (the HTML page's rows)",
            "key": "list12",
            "api": [get("/api/v1/campaigns?limit=12")],
            "base": [get("/bench/campaigns?limit=12")],
        },
        {
            "name": "campaign list page (HTML, 12 rows)",
            "key": "html",
            "api": [get("/campaigns/")],
            "base": [get("/bench/campaigns?limit=12")],
        },
        {
            "name": "campaign detail",
            "key": "detail",
            "api": [get(f"/api/v1/campaigns/{c}") for c in ids],
            "base": [get(f"/bench/campaigns/{c}") for c in ids],
        },
        {
            "name": "donation create (POST, ledger)",
            "key": "donate",
            "write": True,
            "api": [
                post(f"/api/v1/campaigns/{c}/donations", {"amount": "1.00"}, t) for c, t in donate
            ],
            "base": [
                post(f"/bench/campaigns/{c}/donations", {"amount": "1.00"}, t) for c, t in donate
            ],
        },
        {
            "name": "zakat v1 calculate (POST)",
            "key": "zakat",
            "api": [post("/api/v1/zakat/calculate", zakat, t) for _u, t in users[:200]],
            "base": [post("/bench/zakat/calculate", zakat, t) for _u, t in users[:200]],
        },
        {
            "name": "loan detail",
            "key": "loan",
            "api": [get(f"/api/v1/qard-hasan/loans/{lid}", t) for lid, t in data["loans"]],
            "base": [get(f"/bench/loans/{lid}", t) for lid, t in data["loans"]],
        },
    ]


def _queued_tasks(dsn: str) -> int:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as c:
        sql = "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
        return c.execute(sql).fetchone()[0]


def _donation_rows(dsn: str) -> int:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as c:
        return c.execute("SELECT count(*) FROM campaigns_donation").fetchone()[0]


def _wait_queue_empty(dsn: str, timeout: float) -> float:
    start = time.monotonic()
    while _queued_tasks(dsn) and time.monotonic() - start < timeout:
        time.sleep(0.2)
    return time.monotonic() - start


def donate_web_tier_alone(
    cluster: Cluster, port: int, donate: dict, dsn: str, reps: int, seconds: float
) -> dict:
    """Donations at saturation with the task worker paused, as when the workers
    run on other machines: the receipts wait in the queue (PostgreSQL) and are
    drained afterwards, at a rate measured here too."""
    worker = cluster.procs["worker (db_worker)"]
    _wait_queue_empty(dsn, 120)
    os.killpg(worker.pid, signal.SIGSTOP)
    try:
        runs = [wrk(port, donate["api"], seconds) for _ in range(reps)]
        queued = _queued_tasks(dsn)
    finally:
        os.killpg(worker.pid, signal.SIGCONT)
    drained_in = _wait_queue_empty(dsn, 300)
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "non_2xx": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
        "ok": sum(r["ok"] for r in runs),
        "queued": queued,
        "drained_s": round(drained_in, 1),
        "drain_per_s": round(queued / drained_in, 1) if drained_in else None,
    }


def db_check(dsn: str, hot: list[str]) -> dict:
    import psycopg

    with psycopg.connect(dsn) as c:
        rows = c.execute(
            """
            SELECT c.id, c.current_amount, c.donor_count,
                   COALESCE(SUM(d.amount) FILTER (WHERE d.status = 'completed'), 0),
                   COUNT(DISTINCT d.donor_id) FILTER (WHERE d.status = 'completed'),
                   -- the fund is the sum of its parts (campaign:<id> and campaign:<id>:<n>)
                   (SELECT SUM(balance) FROM accounts_ledgeraccount a
                    WHERE a.kind = 'campaign_fund' AND (a.key = 'campaign:' || c.id::text
                          OR a.key LIKE 'campaign:' || c.id::text || ':%%'))
            FROM campaigns_campaign c LEFT JOIN campaigns_donation d ON d.campaign_id = c.id
            WHERE c.id = ANY(%s::uuid[]) GROUP BY c.id
            """,
            (hot,),
        ).fetchall()
        donations = c.execute("SELECT count(*) FROM campaigns_donation").fetchone()[0]
    lost = [str(r[0]) for r in rows if not (r[1] == r[3] == r[5] and r[2] == r[4])]
    return {"donations": donations, "lost_update_campaigns": lost}


# --- the steps ----------------------------------------------------------------------------


@dataclass
class Results:
    """Everything measured; written to results.json and rendered into docs/benchmarks.md."""

    endpoints: dict[str, dict] = field(default_factory=dict)
    decisions: dict[str, dict] = field(default_factory=dict)
    fanout: dict[str, dict] = field(default_factory=dict)
    donate_cpu_ms: dict[str, float] = field(default_factory=dict)
    donate_web_only: dict | None = None  # measured only with the donation endpoint
    donations: dict = field(default_factory=dict)
    memory_kb: dict[str, int] = field(default_factory=dict)
    peak_connections: int = 0
    connection_bound: int = 0
    ledger_verify: str = ""
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    seconds: int = 0
    seed: dict = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        if data["donate_web_only"] is None:
            del data["donate_web_only"]
        return json.dumps(data, indent=1)


@dataclass
class Bench:
    """What the steps share: the options, the database, the processes' environments."""

    args: argparse.Namespace
    url: str
    dbname: str
    server_dsn: str  # libpq DSN of the server, without a database name
    env: dict[str, str]
    redis: Any
    http: int = 0
    ws: int = 0

    @property
    def dsn(self) -> str:
        return self.server_dsn + f" dbname={self.dbname}"

    @property
    def web_env(self) -> dict[str, str]:
        return {**self.env, "DB_POOL_MAX_SIZE": str(POOL_SIZE)}

    @property
    def ws_env(self) -> dict[str, str]:
        return {**self.env, "DB_POOL_MAX_SIZE": str(WS_POOL_SIZE)}

    @property
    def worker_env(self) -> dict[str, str]:
        return {**self.env, "DB_POOL_MAX_SIZE": "1"}


def med(rows: list[dict], key: str) -> float:
    return statistics.median(x[key] for x in rows)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="each saturation / open-model run"
    )
    parser.add_argument(
        "--open-seconds",
        type=float,
        default=5.0,
        help="each open-model run (longer than saturation runs: its p99 is a budget)",
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--campaigns", type=int, default=3000)
    parser.add_argument("--donations", type=int, default=4000)
    parser.add_argument("--loans", type=int, default=200)
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--skip-decisions", action="store_true")
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument(
        "--decisions-only",
        action="store_true",
        help="step 5 alone (no endpoint runs, no fan-out): a quick look; pair it with --out",
    )
    parser.add_argument("--only", default="", help="comma-separated endpoint keys")
    parser.add_argument(
        "--ledger-only",
        action="store_true",
        help="the ledger section alone (bench/ledger.py against django-hordak)",
    )
    parser.add_argument("--skip-ledger", action="store_true")
    parser.add_argument(
        "--hot-campaign",
        action="store_true",
        help="one hot campaign against donations spread over 1 000 (bench/hot.py) alone",
    )
    parser.add_argument("--skip-hot", action="store_true")
    parser.add_argument(
        "--replica",
        action="store_true",
        help="list throughput on a primary and its streaming replica (bench/replica.py) alone",
    )
    parser.add_argument("--skip-replica", action="store_true")
    parser.add_argument(
        "--large-ledger",
        action="store_true",
        help="reads, a donation and incremental verify at 10 thousand and 10 million "
        "ledger entries (bench/ledger_large.py) alone; not part of the full run (long seed)",
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    return parser.parse_args()


def prepare(args: argparse.Namespace) -> Bench:
    """Check the tools, clear the previous run's files and Redis database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "make bench needs DATABASE_URL=postgres://... (BENCH_DATABASE_URL in make)"
        )
    parsed = urllib.parse.urlparse(url)
    server_dsn = (
        f"host={parsed.hostname or '127.0.0.1'} port={parsed.port or 5432} user={parsed.username or 'postgres'}"
        + (f" password={parsed.password}" if parsed.password else "")
    )
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    import redis

    TMP.mkdir(parents=True, exist_ok=True)
    for f in TMP.glob("*.log"):
        f.unlink()
    mail = TMP / "mail"
    shutil.rmtree(mail, ignore_errors=True)
    mail.mkdir()
    r = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    r.flushdb()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "TASK_BACKEND": "database",
        "BENCH_BASELINES": "1",
        "EMAIL_URL": f"filemail://{mail}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "THROTTLE_ANON": "100000000/s",
        "THROTTLE_USER_BURST": "100000000/s",
        "THROTTLE_USER_SUSTAINED": "100000000/s",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(WEB_WORKERS),
        "GUNICORN_MAX_REQUESTS": "0",
        "PGAPPNAME": APP_NAME,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return Bench(
        args=args,
        url=url,
        dbname=parsed.path.lstrip("/"),
        server_dsn=server_dsn,
        env=env,
        redis=r,
    )


def seed(bench: Bench) -> dict:
    """Step 1: recreate and seed the database (or refresh the tokens of the last seed)."""
    import psycopg

    args = bench.args
    data_file = TMP / "data.json"
    if not args.skip_seed or not data_file.exists():
        with psycopg.connect(bench.server_dsn + " dbname=postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{bench.dbname}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{bench.dbname}"')
        say(f"seeding {bench.dbname}")
        subprocess.run(
            [
                PY,
                "bench/seed.py",
                "--users",
                str(args.users),
                "--campaigns",
                str(args.campaigns),
                "--donations",
                str(args.donations),
                "--loans",
                str(args.loans),
                "--out",
                str(data_file),
            ],
            cwd=ROOT,
            env={**bench.env, "REDIS_URL": ""},
            check=True,
        )
    else:
        subprocess.run(
            [PY, "bench/seed.py", "--refresh-tokens", "--out", str(data_file)],
            cwd=ROOT,
            env={**bench.env, "REDIS_URL": ""},
            check=True,
        )
    return json.loads(data_file.read_text())


def collect_and_migrate(bench: Bench) -> None:
    """Step 2, first half: the manifest static files and the schema."""
    env = bench.env
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def start_processes(bench: Bench, cluster: Cluster) -> None:
    """Step 2: gunicorn, uvicorn and the task worker, and the watchers of memory and connections."""
    cluster.start("web (gunicorn)", gunicorn_cmd(bench.http), bench.web_env)
    cluster.start("ws (uvicorn)", uvicorn_cmd(bench.ws), bench.ws_env)
    cluster.start("worker (db_worker)", processes.worker(interval=0.5, python=PY), bench.worker_env)
    wait_http(f"http://127.0.0.1:{bench.http}/api/v1/health")
    wait_port(bench.ws)
    cluster.watch(bench.dsn, bench.dbname)
    say(
        f"processes up: gunicorn :{bench.http} ({WEB_WORKERS} workers), uvicorn :{bench.ws}, db_worker"
    )


def chosen_endpoints(bench: Bench, data: dict) -> list[dict]:
    """The endpoints to measure (--only), their requests built against the running site."""
    eps = endpoints(data, bench.http)
    if bench.args.only:
        eps = [e for e in eps if e["key"] in bench.args.only.split(",")]
    return eps


def measure_endpoints(
    bench: Bench, cluster: Cluster, data: dict, eps: list[dict], results: Results
) -> None:
    """Step 3: warm up; per repetition and endpoint, saturation (endpoint, then its
    baseline) and the open model; donations again with the web tier alone."""
    args, http = bench.args, bench.http
    # Warm up every path once over, and check it answers 2xx before measuring.
    for e in eps:
        for side in ("api", "base"):
            w = wrk(http, e[side], 1.0, connections=4)
            if w["non_2xx"] or w["ok"] == 0:
                raise SystemExit(f"warm-up: {e['key']} {side} answered non-2xx: {w}")
    say("warmed up")
    before = db_check(bench.dsn, data["hot_campaigns"])
    donate_ok = 0
    runs: dict[str, dict[str, list]] = {e["key"]: {"api": [], "base": [], "open": []} for e in eps}
    donate_cpu: list[dict[str, float]] = []
    for rep in range(args.reps):
        for e in eps:
            if e.get("write"):
                _wait_queue_empty(bench.dsn, 120)
                rows_before, cpu_before = _donation_rows(bench.dsn), cluster.cpu_seconds(bench.dsn)
            a = wrk(http, e["api"], args.seconds)
            if e.get("write"):
                # Machine time per donation: the saturation run and the receipts it queued.
                _wait_queue_empty(bench.dsn, 120)
                cpu_after, rows = cluster.cpu_seconds(bench.dsn), _donation_rows(bench.dsn)
                made = max(1, rows - rows_before)
                donate_cpu.append(
                    {k: 1000 * (cpu_after[k] - cpu_before.get(k, 0.0)) / made for k in cpu_after}
                )
            b = wrk(http, e["base"], args.seconds)
            o = openload(http, e["api"], max(5.0, round(0.6 * a["rps"])), args.open_seconds)
            if e.get("write"):
                # Let the worker mail the receipts before the next endpoint, so
                # that one is not measured against a draining queue.
                _wait_queue_empty(bench.dsn, 120)
            runs[e["key"]]["api"].append(a)
            runs[e["key"]]["base"].append(b)
            runs[e["key"]]["open"].append(o)
            if e.get("write"):
                donate_ok += a["ok"] + b["ok"] + o["ok"]
            say(
                f"rep {rep + 1} {e['key']}: api {a['rps']}/s base {b['rps']}/s "
                f"open@{o['rate']}/s p50 {o['p50_ms']} p99 {o['p99_ms']} non2xx {o['non_2xx']}"
            )
    if donate_cpu:
        results.donate_cpu_ms = {
            k: round(statistics.median(x[k] for x in donate_cpu), 2) for k in donate_cpu[0]
        }
        say(f"donate, CPU ms per donation: {results.donate_cpu_ms}")
    donate = next((e for e in eps if e["key"] == "donate"), None)
    if donate is not None:
        web_only = donate_web_tier_alone(cluster, http, donate, bench.dsn, args.reps, args.seconds)
        results.donate_web_only = web_only
        donate_ok += web_only["ok"]
        say(f"donate, web tier alone: {web_only}")
    after = db_check(bench.dsn, data["hot_campaigns"])
    results.donations = {
        "answered_2xx": donate_ok,
        "rows_added": after["donations"] - before["donations"],
        "lost_update_campaigns": after["lost_update_campaigns"],
    }
    for e in eps:
        rr = runs[e["key"]]
        results.endpoints[e["key"]] = {
            "name": e["name"],
            "rps": med(rr["api"], "rps"),
            "base_rps": med(rr["base"], "rps"),
            "sat_p50": med(rr["api"], "p50_ms"),
            "sat_p99": med(rr["api"], "p99_ms"),
            "sat_non_2xx": sum(x["non_2xx"] + x["socket_errors"] for x in rr["api"] + rr["base"]),
            "open_rate": med(rr["open"], "rate"),
            "open_p50": med(rr["open"], "p50_ms"),
            "open_p99": med(rr["open"], "p99_ms"),
            "open_non_2xx": sum(x["non_2xx"] for x in rr["open"]),
            "reps": len(rr["api"]),
        }


def measure_fanout(bench: Bench, cluster: Cluster, data: dict, results: Results) -> None:
    """Step 4: one donation to 1 000 websocket clients, three times per channel
    layer (the median run by its last delivery), and the cost of group_send."""
    http, ws = bench.http, bench.ws
    donor_token = data["users"][-1][1]
    fan_campaign = data["campaigns"][0]
    for layer in ("pubsub", "core"):
        cluster.stop("ws (uvicorn)")
        cluster.stop("web (gunicorn)")
        bench.redis.flushdb()
        cluster.start(
            "web (gunicorn)", gunicorn_cmd(http), {**bench.web_env, "CHANNEL_LAYER": layer}
        )
        cluster.start("ws (uvicorn)", uvicorn_cmd(ws), {**bench.ws_env, "CHANNEL_LAYER": layer})
        wait_http(f"http://127.0.0.1:{http}/api/v1/health")
        wait_port(ws)
        tries = []
        for _ in range(3):
            out = subprocess.run(
                [
                    PY,
                    "bench/fanout.py",
                    "--ws-port",
                    str(ws),
                    "--http-port",
                    str(http),
                    "--campaign",
                    fan_campaign,
                    "--token",
                    donor_token,
                    "--clients",
                    "1000",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=180,
            )
            if out.returncode != 0:
                tries = [{"error": out.stderr[-500:]}]
                break
            tries.append(json.loads(out.stdout))
        if "error" in tries[0]:
            fan = tries[0]
        else:  # the median run by its last delivery
            fan = sorted(tries, key=lambda x: x["max_ms"] or 1e9)[len(tries) // 2]
            fan["runs_max_ms"] = [x["max_ms"] for x in tries]
        gs = subprocess.run(
            [PY, "-c", GROUP_SEND_PROBE],
            cwd=ROOT,
            env={**bench.env, "CHANNEL_LAYER": layer},
            capture_output=True,
            text=True,
            timeout=120,
        )
        fan["group_send_ms"] = json.loads(gs.stdout) if gs.returncode == 0 else gs.stderr[-300:]
        results.fanout[layer] = fan
        say(f"fan-out {layer}: {fan}")


# Step 5: the same DRF views under each way of serving them and of reusing
# database connections; (command, environment) per mode.
TUNED = "gunicorn + psycopg pool (1 per worker)"
BARE = "gunicorn config.wsgi, bare (no -c, no connection variables: the defaults)"
CONNECTION_VARIABLES = ("DB_POOL_MAX_SIZE", "DB_POOL_MIN_SIZE", "CONN_MAX_AGE")


def decision_modes(bench: Bench) -> dict[str, tuple[list[str], dict[str, str]]]:
    http, env = bench.http, bench.env
    # As a newcomer starts it: gunicorn's own defaults (it still reads
    # WEB_CONCURRENCY, so as many workers as the tuned start) and the settings'.
    bare_env = {k: v for k, v in env.items() if k not in CONNECTION_VARIABLES}
    no_pool = {**env, "DB_POOL_MAX_SIZE": "0"}
    return {
        TUNED: (gunicorn_cmd(http), {**env, "DB_POOL_MAX_SIZE": "1"}),
        BARE: (processes.web_bare(bind=f"127.0.0.1:{http}", python=PY), bare_env),
        "gunicorn + CONN_MAX_AGE=60": (gunicorn_cmd(http), {**no_pool, "CONN_MAX_AGE": "60"}),
        "gunicorn + CONN_MAX_AGE=0 (new connection per request)": (
            gunicorn_cmd(http),
            {**no_pool, "CONN_MAX_AGE": "0"},
        ),
        "uvicorn (ASGI) 2 processes + pool (4 per process)": (
            uvicorn_cmd(http, workers=2),
            {**env, "DB_POOL_MAX_SIZE": "4"},
        ),
    }


def measure_decisions(bench: Bench, cluster: Cluster, eps: list[dict], results: Results) -> None:
    """Step 5: list 20 and detail at saturation under each mode, one mode at a time."""
    args, http = bench.args, bench.http
    probe = [e for e in eps if e["key"] in ("list20", "detail")]
    cluster.stop()
    for label, (cmd, menv) in decision_modes(bench).items():
        cluster.start("decision", cmd, menv)
        wait_http(f"http://127.0.0.1:{http}/api/v1/health")
        for e in probe:
            wrk(http, e["api"], 1.0, connections=4)
        row = {}
        for e in probe:
            w = [wrk(http, e["api"], args.seconds) for _ in range(max(1, min(args.reps, 2)))]
            row[e["key"]] = {
                "rps": med(w, "rps"),
                "p50": med(w, "p50_ms"),
                "p99": med(w, "p99_ms"),
                "non_2xx": sum(x["non_2xx"] + x["socket_errors"] for x in w),
            }
        results.decisions[label] = row
        say(f"decision {label}: {row}")
        cluster.stop("decision")


def record_peaks(cluster: Cluster, results: Results) -> None:
    """Step 6, first half: peak memory and connections of the production layout
    (taken before the decisions start processes of their own)."""
    cluster.sample_memory()
    results.memory_kb = dict(cluster.peak)
    results.peak_connections = cluster.peak_conns
    results.connection_bound = WEB_WORKERS * POOL_SIZE + WS_POOL_SIZE + 1


def finish(bench: Bench, data: dict, results: Results) -> None:
    """Step 6: the ledger check, then results.json and the tables of docs/benchmarks.md."""
    verify = subprocess.run(
        [PY, "manage.py", "ledger_verify"], cwd=ROOT, env=bench.env, capture_output=True, text=True
    )
    results.ledger_verify = "ok" if verify.returncode == 0 else verify.stdout[-500:]
    results.load_after = os.getloadavg()
    results.seconds = round(time.monotonic() - t_start)
    results.seed = data["counts"]
    (TMP / "results.json").write_text(results.to_json())
    write_markdown(Path(bench.args.out), results, bench.args)
    say(f"done in {results.seconds} s; wrote {bench.args.out} and {TMP / 'results.json'}")


LEDGER_BEGIN, LEDGER_END = "<!-- bench-ledger:begin -->", "<!-- bench-ledger:end -->"


def ledger_section(args: argparse.Namespace) -> None:
    """The ledger core against django-hordak (bench/ledger.py, its own process
    and database: hordak is installed by the `bench` extra and only that
    process's settings load it), then its table in docs/benchmarks.md."""
    url = os.environ.get(
        "BENCH_LEDGER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ose_ledger_bench"
    )
    out = TMP / "ledger.json"
    TMP.mkdir(parents=True, exist_ok=True)
    say(f"ledger: ours against django-hordak on {url.rsplit('/', 1)[1]}")
    done = subprocess.run(
        [PY, "bench/ledger.py", "--reps", str(args.reps), "--json", str(out)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=False,
    )
    if not out.exists():
        raise SystemExit(f"bench/ledger.py failed (exit {done.returncode})")
    write_ledger_markdown(Path(args.out), json.loads(out.read_text()))


def hot_section(args: argparse.Namespace) -> None:
    """One hot campaign against a thousand (bench/hot.py, its own database)."""
    url = os.environ.get(
        "BENCH_HOT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ose_hot_bench"
    )
    say(f"hot campaign on {url.rsplit('/', 1)[1]}")
    done = subprocess.run(
        [PY, "bench/hot.py", "--reps", str(args.reps), "--out", args.out],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"bench/hot.py failed (exit {done.returncode})")


def replica_section(args: argparse.Namespace) -> None:
    """List reads on a primary and its streaming replica (bench/replica.py)."""
    say("read replica: a primary and its streaming replica of our own")
    done = subprocess.run(
        [PY, "bench/replica.py", "--reps", str(args.reps), "--out", args.out],
        cwd=ROOT,
        env=dict(os.environ),
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"bench/replica.py failed (exit {done.returncode})")


def large_ledger_section(args: argparse.Namespace) -> None:
    """The same reads and writes at 10 thousand and 10 million entries."""
    url = os.environ.get(
        "BENCH_LARGE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ose_large_bench"
    )
    say(f"large ledger on {url.rsplit('/', 1)[1]}")
    done = subprocess.run(
        [PY, "bench/ledger_large.py", "--out", args.out],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"bench/ledger_large.py failed (exit {done.returncode})")


def write_ledger_markdown(path: Path, r: dict) -> None:
    ours, peer = r["ours"], r["hordak"]

    def rate(key: str, p99: bool) -> str:
        a, b = ours[key], peer[key]
        tail = (f" ({a['p99_ms']:.0f} ms)", f" ({b['p99_ms']:.0f} ms)") if p99 else ("", "")
        return f"{a['rate']:.0f}{tail[0]} | {b['rate']:.0f}{tail[1]} | {a['rate'] / b['rate']:.2f}×"

    def race(x: dict) -> str:
        return f"{x['succeeded']} succeed, {x['refused']} refused, {x['left']} left"

    load = ", ".join(f"{x:.2f}" for x in r["load_before"])
    load_after = ", ".join(f"{x:.2f}" for x in r["load_after"])
    lines = [
        LEDGER_BEGIN,
        f"Generated by `make bench BENCH_ARGS=--ledger-only` ({r['reps']} interleaved "
        f"repetitions of {r['seconds']:.0f} s, medians). Load average before/after: "
        f"{load} / {load_after}.",
        "",
        "| | ours (`ledger_post`) | django-hordak 2.0.0 (`transfer_to`) | ratio |",
        "|---|---:|---:|---:|",
        f"| one thread, two-leg transfers/s | {rate('one_thread', False)} |",
        f"| 8 threads over 100 accounts, /s (p99) | {rate('eight_threads', True)} |",
        f"| 8 threads out of one hot account, /s (p99) | {rate('hot_account', True)} |",
        f"| balance read at 10 000 entries | {ours['balance_ms']:.2f} ms | "
        f"{peer['balance_ms']:.2f} ms | {peer['balance_ms'] / ours['balance_ms']:.1f}× faster |",
        f"| 24 concurrent 7.00 withdrawals from 100.00 | {race(ours['race'])} | "
        f"{race(peer['race'])} | |",
        "",
        "`ledger_verify` after the run: "
        + ("clean." if not r["ledger_verify_problems"] else f"{r['ledger_verify_problems']}"),
        LEDGER_END,
    ]
    text = path.read_text()
    block = "\n".join(lines)
    if LEDGER_BEGIN in text:
        text = re.sub(
            re.escape(LEDGER_BEGIN) + ".*?" + re.escape(LEDGER_END),
            lambda _: block,
            text,
            flags=re.S,
        )
    else:
        text = text.rstrip("\n") + "\n\n## The ledger core against django-hordak\n\n" + block + "\n"
    path.write_text(text)
    say(f"ledger: wrote its table in {path}")


def main() -> int:
    args = parse_args()
    if args.ledger_only:
        ledger_section(args)
        return 0
    if args.hot_campaign:
        hot_section(args)
        return 0
    if args.replica:
        replica_section(args)
        return 0
    if args.large_ledger:
        large_ledger_section(args)
        return 0
    bench = prepare(args)
    results = Results(load_before=os.getloadavg())
    data = seed(bench)
    collect_and_migrate(bench)
    bench.http, bench.ws = free_port(), free_port()
    cluster = Cluster()
    try:
        start_processes(bench, cluster)
        eps = chosen_endpoints(bench, data)
        if not bench.args.decisions_only:
            measure_endpoints(bench, cluster, data, eps, results)
            if not bench.args.skip_fanout:
                measure_fanout(bench, cluster, data, results)
        record_peaks(cluster, results)
        if not bench.args.skip_decisions:
            measure_decisions(bench, cluster, eps, results)
    finally:
        cluster.close()
        bench.redis.flushdb()
    finish(bench, data, results)
    if not args.skip_hot:
        hot_section(args)
    if not args.skip_replica:
        replica_section(args)
    if not args.skip_ledger:
        ledger_section(args)
    return 0


GROUP_SEND_PROBE = """
import os, json, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from config.realtime import group_send as send  # as the web processes send
for _ in range(20):
    send("bench.probe", {"type": "x"})
t = time.perf_counter()
n = 300
for _ in range(n):
    send("bench.probe", {"type": "x"})
print(json.dumps(round((time.perf_counter() - t) / n * 1000, 3)))
"""


# --- report ---------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024

    def ver(cmd: list[str]) -> str:
        try:
            return (
                subprocess.run(cmd, capture_output=True, text=True, timeout=10)
                .stdout.strip()
                .splitlines()[0]
            )
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"

    import django
    import gunicorn
    import uvicorn

    return (
        f"- {os.cpu_count()} cores ({cpu}), {mem} MiB RAM, {platform.platform()}\n"
        f"- Python {platform.python_version()}, Django {django.get_version()}, gunicorn {gunicorn.__version__}, "
        f"uvicorn {uvicorn.__version__}\n"
        f"- {ver(['psql', '--version'])} (server on the same machine), {ver(['redis-server', '--version'])}\n"
        f"- {ver(['wrk', '--version'])}"
    )


# --- budgets ----------------------------------------------------------------------------------

Row = tuple[str, str, bool | None]  # (the promise, what was measured, kept: None = n/a)


@dataclass(frozen=True)
class Budget:
    """One promise of docs/benchmarks.md: its text ({limit} and the judge's own
    fields filled in), its limit, and the judge that holds the results to it."""

    promise: str
    limit: float
    judge: Callable[[Results, Budget], Iterator[Row]]


READ_KEYS = (
    "list20",
    "list20_deep",
    "list100",
    "list100_deep",
    "list12",
    "detail",
    "zakat",
    "loan",
)


def _reads(res: Results, b: Budget) -> Iterator[Row]:
    eps = res.endpoints
    reads = [k for k in READ_KEYS if k in eps]
    if reads:
        ratio = {k: eps[k]["rps"] / eps[k]["base_rps"] for k in reads}
        yield (
            b.promise.format(limit=b.limit),
            "; ".join(f"{k} {ratio[k]:.2f}×" for k in reads),
            min(ratio.values()) >= b.limit,
        )


def _page_100(res: Results, b: Budget) -> Iterator[Row]:
    eps = res.endpoints
    if "list20" in eps and "list100" in eps:
        x = eps["list100"]["rps"] / eps["list20"]["rps"]
        yield b.promise.format(limit=b.limit), f"{x:.2f}×", x >= b.limit


def _deep_cursor(res: Results, b: Budget) -> Iterator[Row]:
    eps = res.endpoints
    if "list20_deep" in eps:
        for size in ("20", "100"):
            first, deep = eps[f"list{size}"], eps[f"list{size}_deep"]
            x = deep["open_p50"] / first["open_p50"]
            yield (
                b.promise.format(limit=b.limit, size=size),
                f"{deep['open_p50']:.1f} ms vs {first['open_p50']:.1f} ms = {x:.2f}×",
                x <= b.limit,
            )


def _html(res: Results, b: Budget) -> Iterator[Row]:
    eps = res.endpoints
    if "html" in eps and "list12" in eps:
        x = eps["html"]["rps"] / eps["list12"]["rps"]
        yield b.promise.format(limit=b.limit), f"{x:.2f}×", x >= b.limit


def _open_tail(res: Results, b: Budget) -> Iterator[Row]:
    eps = res.endpoints
    bad = [
        k for k, e in eps.items() if e["open_non_2xx"] or e["open_p99"] > b.limit * e["open_p50"]
    ]
    yield (
        b.promise.format(limit=b.limit),
        "; ".join(
            f"{k} {e['open_p99'] / e['open_p50']:.1f}×/{e['open_non_2xx']}" for k, e in eps.items()
        ),
        not bad,
    )


def _saturation_errors(res: Results, b: Budget) -> Iterator[Row]:
    sat_bad = sum(e["sat_non_2xx"] for e in res.endpoints.values())
    yield (
        b.promise.format(limit=b.limit),
        f"{sat_bad} non-2xx or socket errors at saturation",
        sat_bad <= b.limit,
    )


def _donations(res: Results, b: Budget) -> Iterator[Row]:
    eps = res.endpoints
    if "donate" not in eps:
        return
    d = res.donations
    # wrk (and the open-model generator) stop counting at their deadline while
    # up to 16 requests are still in flight; the server completes those, so
    # rows may exceed answers by that much per run (api, baseline, open model,
    # and the web tier alone when measured).
    slack = 16 * (4 if res.donate_web_only else 3) * eps["donate"]["reps"]
    consistent = d["answered_2xx"] <= d["rows_added"] <= d["answered_2xx"] + slack
    alone = res.donate_web_only or {}
    # Issue 20: with the task worker on the same machine, not the web tier alone.
    ok = (
        eps["donate"]["rps"] >= b.limit
        and not d["lost_update_campaigns"]
        and consistent
        and res.ledger_verify == "ok"
    )
    yield (
        b.promise.format(limit=b.limit),
        f"{eps['donate']['rps']:.0f}/s with the task worker on the same 2 cores"
        + (
            f", {alone['rps']:.0f}/s for the web tier alone (worker paused: p50 / p99 "
            f"{alone['p50_ms']} / {alone['p99_ms']} ms, {alone['non_2xx']} non-2xx; "
            f"{alone['queued']} receipts queued, drained in {alone['drained_s']} s = "
            f"{alone['drain_per_s']}/s)"
            if alone
            else ""
        )
        + (
            "; CPU ms per donation (its request and its receipt): "
            + ", ".join(f"{k} {v:.1f}" for k, v in res.donate_cpu_ms.items())
            + f", together {sum(res.donate_cpu_ms.values()):.1f}"
            if res.donate_cpu_ms
            else ""
        )
        + f"; {d['answered_2xx']} answered 2xx, {d['rows_added']} rows "
        f"added (≤ {slack} in flight when the load generators stopped counting: "
        f"{'consistent' if consistent else 'INCONSISTENT'}); hot campaigns whose total, donor "
        f"count or fund balance ≠ their donations: {len(d['lost_update_campaigns'])}; "
        f"ledger_verify {res.ledger_verify}",
        ok,
    )


def _fanout(res: Results, b: Budget) -> Iterator[Row]:
    for layer, f in res.fanout.items():
        if "max_ms" in f:
            yield (
                b.promise.format(limit=b.limit, layer=layer),
                f"{f['received']}/{f['clients']} received, p50 {f['p50_ms']} ms, last {f['max_ms']} ms "
                f"(median of 3: {f.get('runs_max_ms')}) "
                f"(POST answered in {f['post_ms']} ms); group_send {f['group_send_ms']} ms",
                f["received"] == f["clients"] and f["max_ms"] <= b.limit * 1000,
            )
        else:
            yield f"fan-out to 1 000 clients ({layer} layer)", f"failed: {f}", False


def _bare_start(res: Results, b: Budget) -> Iterator[Row]:
    bare, tuned = res.decisions.get(BARE), res.decisions.get(TUNED)
    if bare and tuned:
        ratio = {k: bare[k]["rps"] / tuned[k]["rps"] for k in tuned if tuned[k]["rps"]}
        yield (
            b.promise.format(limit=b.limit),
            "; ".join(
                f"{k} {bare[k]['rps']:.0f} vs {tuned[k]['rps']:.0f} req/s = {x:.2f}×"
                for k, x in ratio.items()
            ),
            bool(ratio) and min(ratio.values()) >= b.limit,
        )


def _connections(res: Results, b: Budget) -> Iterator[Row]:
    yield (
        b.promise,
        f"peak {res.peak_connections} in pg_stat_activity, bound {res.connection_bound} "
        f"({WEB_WORKERS} web × {POOL_SIZE} + ws pool {WS_POOL_SIZE} + worker 1)",
        res.peak_connections <= res.connection_bound,
    )


# The budgets, in the order of the table: what is promised, the limit, who judges it.
BUDGETS = (
    Budget("every read endpoint ≥ {limit:g}× its baseline", 0.8, _reads),
    Budget("page 100 ≥ {limit:g}× the throughput of page 20", 0.5, _page_100),
    Budget("deep cursor p50 ≤ {limit:g}× first page (limit {size})", 1.5, _deep_cursor),
    Budget("HTML campaign list ≥ {limit:g}× the API list of the same rows (12)", 0.8, _html),
    Budget("at 60 % of saturation p99 ≤ {limit:g}× p50 and no non-2xx", 3, _open_tail),
    Budget("at saturation requests queue, never 5xx", 0, _saturation_errors),
    Budget(
        "donation create ≥ {limit:g}/s with the task worker on the same machine, 0 lost updates",
        150,
        _donations,
    ),
    Budget(
        "fan-out of one donation to 1 000 clients within {limit:g} s ({layer} layer)", 1, _fanout
    ),
    Budget("database connections never exceed the configured bound", 0, _connections),
    Budget(
        "bare `gunicorn config.wsgi` ≥ {limit:g}× the tuned start (decisions)", 0.9, _bare_start
    ),
)


def budget_rows(res: Results) -> list[Row]:
    return [row for budget in BUDGETS for row in budget.judge(res, budget)]


def write_markdown(path: Path, res: Results, args) -> None:
    eps = res.endpoints
    L = []
    L.append(
        f"Generated by `make bench` ({res.seconds} s). Load average before/after: "
        f"{', '.join(f'{x:.2f}' for x in res.load_before)} / {', '.join(f'{x:.2f}' for x in res.load_after)}."
    )
    L.append("")
    L.append(machine())
    L.append(
        f"- Data: {res.seed['users']} users with wallets, {res.seed['campaigns']} campaigns, "
        f"{res.seed['donations']} seeded donations, {res.seed['loans']} loans; "
        f"gunicorn {WEB_WORKERS} sync workers, psycopg pool 1/worker; Redis cache, channel layer and throttles; "
        f"DEBUG off; median of {args.reps} repetitions of {args.seconds:g} s (saturation) "
        f"and {args.open_seconds:g} s (open model) each"
    )
    L.append("")
    L.append(
        "### Endpoints (saturation: wrk, 16 connections; open model: constant arrival at 60 % of saturation)"
    )
    L.append("")
    L.append(
        "| endpoint | req/s | baseline req/s | ratio | sat. p50 / p99 ms | open rate /s | open p50 / p99 ms | non-2xx (sat. / open) |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for e in eps.values():
        ratio = e["rps"] / e["base_rps"] if e["base_rps"] else 0
        L.append(
            f"| {e['name']} | {e['rps']:.0f} | {e['base_rps']:.0f} | {ratio:.2f}× | {e['sat_p50']:.1f} / {e['sat_p99']:.1f} | "
            f"{e['open_rate']:.0f} | {e['open_p50']:.1f} / {e['open_p99']:.1f} | {e['sat_non_2xx']} / {e['open_non_2xx']} |"
        )
    L.append("")
    L.append("### Budgets")
    L.append("")
    L.append("| budget | measured | verdict |")
    L.append("|---|---|---|")
    for promise, measured, ok in budget_rows(res):
        L.append(
            f"| {promise} | {measured} | {'holds' if ok else ('n/a' if ok is None else '**missed**')} |"
        )
    L.append("")
    L.append("### Peak memory per process (VmHWM)")
    L.append("")
    L.append("| process | peak RSS MiB |")
    L.append("|---|---:|")
    for k, v in sorted(res.memory_kb.items()):
        L.append(f"| {k} | {v / 1024:.0f} |")
    if res.decisions:
        L.append("")
        L.append(
            "### Decisions: the same DRF views, each serving / connection mode (wrk saturation, median)"
        )
        L.append("")
        L.append("| mode | list 20 req/s (p50 / p99 ms) | detail req/s (p50 / p99 ms) | non-2xx |")
        L.append("|---|---:|---:|---:|")
        for label, row_ in res.decisions.items():
            a, b = row_.get("list20", {}), row_.get("detail", {})
            L.append(
                f"| {label} | {a.get('rps', 0):.0f} ({a.get('p50', 0):.1f} / {a.get('p99', 0):.1f}) | "
                f"{b.get('rps', 0):.0f} ({b.get('p50', 0):.1f} / {b.get('p99', 0):.1f}) | "
                f"{a.get('non_2xx', 0) + b.get('non_2xx', 0)} |"
            )
    block = "\n".join(L)
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    path.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}")


if __name__ == "__main__":
    sys.exit(main())
