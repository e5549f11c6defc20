"""List reads with and without a streaming replica (`make bench BENCH_ARGS=--replica`).

Starts a primary and its streaming replica of our own (bench/pgpair.py: initdb,
pg_basebackup -R, free ports, a temporary directory), migrates the primary and
bulk-inserts `--campaigns` active campaigns, waits for the replica to replay
them, then serves the site with gunicorn (config/gunicorn.py's layout, DEBUG
off) twice, one after the other in each repetition: against the primary alone,
and with DATABASE_REPLICA_URLS naming the replica. wrk (16 connections) reads
`GET /api/v1/campaigns?limit=20` anonymously. The replica's committed
transactions are counted before and after (pg_stat_database) to show where the
reads went. Both clusters share this machine's two cores with gunicorn and wrk:
the figure says what routing costs and that reads move, not what a replica on
its own machine would add.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgpair import start_pair
from bench.run import TMP, free_port, gunicorn_cmd, wait_http, wrk

MARK_BEGIN, MARK_END = "<!-- bench-replica:begin -->", "<!-- bench-replica:end -->"
SECRET = "bench-only-key-not-for-production-replica-0123456789abcdef"


def _psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def _replica_commits(url: str) -> int:
    return int(_psql(url, "SELECT xact_commit FROM pg_stat_database WHERE datname = 'ose'"))


def _seed(env: dict, campaigns: int) -> None:
    code = f"""
import django, os
django.setup()
from datetime import timedelta
from decimal import Decimal
from django.core.management import call_command
from django.utils import timezone
from accounts.models import User
from campaigns.models import Campaign
call_command("migrate", verbosity=0)
organizer = User.objects.create(email="organizer@bench.example", name="Organizer")
today, now = timezone.localdate(), timezone.now()
Campaign.objects.bulk_create([
    Campaign(organizer=organizer, name=f"Ramadan appeal #{{i}}", description="Water and food",
             target_amount=Decimal("1000.00"), status="active",
             start_date=today - timedelta(days=1), end_date=today + timedelta(days=30),
             created_at=now - timedelta(seconds=i))
    for i in range({campaigns})
], batch_size=1000)
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


def _wait_replayed(primary: str, replica: str, timeout: float = 120) -> None:
    target = _psql(primary, "SELECT pg_current_wal_insert_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _psql(replica, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.1)
    raise SystemExit("the replica did not catch up")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--campaigns", type=int, default=3000)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    TMP.mkdir(parents=True, exist_ok=True)
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    pair = start_pair()
    try:
        primary, replica = pair.url(pair.primary_port, "ose"), pair.url(pair.replica_port, "ose")
        _psql(pair.primary_url, "CREATE DATABASE ose")
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": primary,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "THROTTLE_ANON": "100000000/s",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "5",
            "DB_POOL_MAX_SIZE": "1",
            "GUNICORN_MAX_REQUESTS": "0",
            # Several workers need a shared cache (throttles, read-your-writes markers).
            "REDIS_URL": os.environ.get("BENCH_REPLICA_REDIS_URL", "redis://127.0.0.1:6379/14"),
        }
        for name in ("DJANGO_SETTINGS_MODULE", "BENCH_BASELINES"):
            env.pop(name, None)
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
        _seed(env, args.campaigns)
        _wait_replayed(primary, replica)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        modes = {"primary": {}, "replica": {"DATABASE_REPLICA_URLS": replica}}
        runs: dict[str, list[dict]] = {m: [] for m in modes}
        reqs = [{"method": "GET", "path": "/api/v1/campaigns?limit=20"}]
        for rep in range(args.reps):
            for mode in list(modes)[rep % 2 :] + list(modes)[: rep % 2]:
                port = free_port()
                log = (TMP / f"replica-{mode}.log").open("w")
                proc = subprocess.Popen(
                    gunicorn_cmd(port),
                    cwd=ROOT,
                    env={**env, **modes[mode]},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                try:
                    wait_http(f"http://127.0.0.1:{port}/api/v1/campaigns?limit=20")
                    wrk(port, reqs, 1)  # warm every worker
                    before = _replica_commits(replica)
                    result = wrk(port, reqs, args.seconds)
                    result["replica_commits"] = _replica_commits(replica) - before
                finally:
                    proc.terminate()
                    proc.wait(20)
                    log.close()
                runs[mode].append(result)
                print(f"rep {rep + 1} {mode}: {result}", flush=True)
        medians = {
            m: {k: statistics.median(r[k] for r in rows) for k in ("rps", "p50_ms", "p99_ms")}
            | {
                "non_2xx": sum(r["non_2xx"] for r in rows),
                "replica_commits": statistics.median(r["replica_commits"] for r in rows),
                "requests": statistics.median(r["ok"] for r in rows),
            }
            for m, rows in runs.items()
        }
    finally:
        pair.stop()
    result = {
        "medians": medians,
        "runs": runs,
        "reps": args.reps,
        "seconds": args.seconds,
        "load_before": load_before,
        "load_after": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    (TMP / "replica.json").write_text(json.dumps(result, indent=2))
    text = markdown(result)
    print(text)
    write_markdown(Path(args.out), text)
    return 0


def markdown(r: dict) -> str:
    p, q = r["medians"]["primary"], r["medians"]["replica"]
    ratio = q["rps"] / p["rps"] if p["rps"] else 0
    return "\n".join(
        [
            f"Generated by `bench/replica.py` (gunicorn 5 sync workers, wrk 16 connections, "
            f"median of {r['reps']} interleaved repetitions of {r['seconds']} s; the primary, "
            f"its replica, gunicorn and wrk on the same two cores). Load average before/after: "
            f"{r['load_before']} / {r['load_after']}.",
            "",
            "| `GET /api/v1/campaigns?limit=20` | req/s | p50 / p99 ms | non-2xx "
            "| transactions on the replica per request |",
            "|---|---:|---:|---:|---:|",
            f"| primary alone | {p['rps']} | {p['p50_ms']} / {p['p99_ms']} | {p['non_2xx']} "
            f"| {p['replica_commits'] / max(p['requests'], 1):.2f} |",
            f"| reads routed to the replica | {q['rps']} | {q['p50_ms']} / {q['p99_ms']} "
            f"| {q['non_2xx']} | {q['replica_commits'] / max(q['requests'], 1):.2f} |",
            "",
            f"With the replica: {ratio:.2f}× the primary alone's rate on the same machine.",
        ]
    )


def write_markdown(path: Path, text: str) -> None:
    doc = path.read_text() if path.exists() else ""
    if MARK_BEGIN in doc:
        head, rest = doc.split(MARK_BEGIN, 1)
        doc = f"{head}{MARK_BEGIN}\n{text}\n{MARK_END}{rest.split(MARK_END, 1)[1]}"
    else:
        doc += f"\n{MARK_BEGIN}\n{text}\n{MARK_END}\n"
    path.write_text(doc)


if __name__ == "__main__":
    raise SystemExit(main())
