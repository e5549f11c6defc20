"""One hot campaign against donations spread over a thousand (`make bench
BENCH_ARGS=--hot-campaign`, or alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ose_hot_bench python bench/hot.py

It recreates that database, migrates it, bulk-inserts 1 000 active campaigns
and tops up donor wallets through the services, then runs `--workers` processes
(one connection each, as gunicorn's sync workers have) calling
`campaigns.services.donation_create` as fast as they can, every donation from
the next donor (no wallet is shared between two donations in flight):

- **spread**: each donation to a random one of the 1 000 campaigns;
- **hot**: every donation to one campaign (the fund spills into parts);
- **hot, one fund account**: the same with CAMPAIGN_FUND_PARTS=1;
- **hot, as before**: the lock footprint of the previous code, emulated: the
  campaign row locked (`SELECT ... FOR UPDATE`) at the start of the donation's
  transaction and held to COMMIT, one fund account.

The scenarios alternate within each repetition, so they see the same machine.
Lock hold time per donation is measured in the worker from the moment the
statement that takes the lock returns to the end of COMMIT (so it is a lower
bound: the statement's own server time is not counted). After the runs every
campaign's total, donor count and fund (all its parts) must equal its donations,
and `ledger_verify` must be clean. Results: JSON (`--json`) and the section
between the `bench-hot` markers of docs/benchmarks.md (`--out`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-key-not-for-production-hot-campaign-0123456789")
os.environ.setdefault("EMAIL_URL", "memorymail://")
os.environ.setdefault("TASK_BACKEND", "database")  # the receipt is a row in the transaction
os.environ.pop("REDIS_URL", None)
os.environ["DB_POOL_MAX_SIZE"] = "0"  # one plain connection per (forked) process
os.environ.setdefault("CONN_MAX_AGE", "600")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ose_hot_bench")

MARK_BEGIN, MARK_END = "<!-- bench-hot:begin -->", "<!-- bench-hot:end -->"
SCENARIOS = {
    "spread": "spread over 1 000 campaigns",
    "hot": "one campaign (fund in parts)",
    "hot_one_account": "one campaign, CAMPAIGN_FUND_PARTS=1",
    "hot_before": "one campaign, previous lock footprint (emulated)",
}


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(campaign_count: int, donor_count: int) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts import money
    from accounts import services as accounts
    from accounts.models import LedgerAccount, User
    from campaigns.models import Campaign

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # seeding only
        cursor.execute("SET synchronous_commit = off")
    organizer = User.objects.create(email="organizer@bench.example", name="Organizer")
    users = [User(email=f"donor{i}@bench.example", name=f"Donor {i}") for i in range(donor_count)]
    User.objects.bulk_create(users, batch_size=1000)
    users = list(User.objects.filter(email__startswith="donor"))
    for user in users:
        accounts.top_up_create(user=user, amount=Decimal("100000.00"))
    today, now = timezone.localdate(), timezone.now()
    campaigns = [
        Campaign(
            organizer=organizer,
            name=f"Ramadan appeal #{i}",
            target_amount=Decimal("1000000.00"),
            status=Campaign.Status.ACTIVE,
            start_date=today - timedelta(days=1),
            end_date=today + timedelta(days=30),
            created_at=now - timedelta(seconds=campaign_count - i),
        )
        for i in range(campaign_count)
    ]
    Campaign.objects.bulk_create(campaigns, batch_size=1000)
    LedgerAccount.objects.bulk_create(
        [
            LedgerAccount(
                key=c.fund_key,
                kind=LedgerAccount.Kind.CAMPAIGN_FUND,
                name=f"Campaign fund: {c.name}",
                currency=money.currency(),
            )
            for c in campaigns
        ]
    )
    connection.close()
    return {"campaigns": [str(c.pk) for c in campaigns], "donors": [str(u.pk) for u in users]}


def _worker(scenario: str, donor_ids, campaign_ids, seconds: float, start_at: float, queue):
    from django.conf import settings
    from django.db import connection, transaction

    from accounts.models import User
    from campaigns import services
    from campaigns.models import Campaign

    settings.CAMPAIGN_FUND_PARTS = 1 if scenario in ("hot_one_account", "hot_before") else 8
    marks: dict[str, float] = {}
    original_post, original_totals = services.ledger.ledger_post, services._campaign_totals_add

    def post(**kwargs):
        result = original_post(**kwargs)
        marks.setdefault("fund", time.perf_counter())
        return result

    def totals(**kwargs):
        result = original_totals(**kwargs)
        marks.setdefault("campaign", time.perf_counter())
        return result

    services.ledger.ledger_post, services._campaign_totals_add = post, totals
    donors = list(User.objects.filter(pk__in=donor_ids))
    rng = random.Random(os.getpid())
    latencies, fund_holds, campaign_holds, errors = [], [], [], 0
    hot = campaign_ids[0]
    while time.time() < start_at:
        time.sleep(0.005)
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        donor = donors[i % len(donors)]
        i += 1
        campaign = rng.choice(campaign_ids) if scenario == "spread" else hot
        marks.clear()
        started = time.perf_counter()
        try:
            if scenario == "hot_before":
                with transaction.atomic():
                    Campaign.objects.select_for_update().filter(pk=campaign).first()
                    marks["campaign"] = time.perf_counter()
                    services.donation_create(donor=donor, campaign=campaign, amount=Decimal("5"))
            else:
                services.donation_create(donor=donor, campaign=campaign, amount=Decimal("5"))
        except Exception:  # counted, never expected
            errors += 1
            continue
        done = time.perf_counter()
        latencies.append(done - started)
        fund_holds.append(done - marks["fund"])
        campaign_holds.append(done - marks["campaign"])
    connection.close()
    queue.put(
        {
            "latencies": latencies,
            "fund_holds": fund_holds,
            "campaign_holds": campaign_holds,
            "errors": errors,
        }
    )


def run_scenario(scenario: str, data: dict, workers: int, seconds: float) -> dict:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    per = len(data["donors"]) // workers
    start_at = time.time() + 1.0
    procs = [
        ctx.Process(
            target=_worker,
            args=(
                scenario,
                data["donors"][w * per : (w + 1) * per],
                data["campaigns"],
                seconds,
                start_at,
                queue,
            ),
        )
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    parts = [queue.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    lat = sorted(x for part in parts for x in part["latencies"])
    fund = [x for part in parts for x in part["fund_holds"]]
    camp = [x for part in parts for x in part["campaign_holds"]]
    return {
        "rate": round(len(lat) / seconds, 1),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
        "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 1) if lat else None,
        "fund_hold_ms": round(statistics.mean(fund) * 1000, 2) if fund else None,
        "campaign_hold_ms": round(statistics.mean(camp) * 1000, 2) if camp else None,
        "errors": sum(part["errors"] for part in parts),
    }


def check(data: dict) -> dict:
    """Every campaign's totals equal its donations; the fund (all parts) too."""
    from django.db import connection

    from accounts.services import ledger_verify

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM campaigns_campaign c
            LEFT JOIN (SELECT campaign_id, sum(amount) AS total, count(DISTINCT donor_id) AS donors
                       FROM campaigns_donation WHERE status = 'completed' GROUP BY campaign_id) d
                   ON d.campaign_id = c.id
            WHERE c.current_amount <> coalesce(d.total, 0)
               OR c.donor_count <> coalesce(d.donors, 0)
               OR coalesce(d.total, 0) <> (
                   SELECT coalesce(sum(balance), 0) FROM accounts_ledgeraccount a
                   WHERE a.kind = 'campaign_fund' AND a.key LIKE 'campaign:' || c.id::text || '%%')
            """
        )
        wrong = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM campaigns_donation")
        donations = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM accounts_ledgeraccount WHERE key LIKE %s",
            [f"campaign:{data['campaigns'][0]}:%"],
        )
        parts = cursor.fetchone()[0]
    report = ledger_verify()
    return {
        "campaigns_wrong": wrong,
        "donations": donations,
        "hot_parts_used": parts,
        "ledger_verify": "clean" if not report.problems else report.problems[:5],
    }


def markdown(r: dict) -> str:
    med = r["medians"]
    rows = [
        "| scenario | donations/s | p50 / p99 ms | fund lock held ms | campaign row held ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label in SCENARIOS.items():
        m = med[key]
        rows.append(
            f"| {label} | {m['rate']} | {m['p50_ms']} / {m['p99_ms']} | {m['fund_hold_ms']} "
            f"| {m['campaign_hold_ms']} | {m['errors']} |"
        )
    ratio = med["hot"]["rate"] / med["spread"]["rate"] if med["spread"]["rate"] else 0
    before = med["hot_before"]["rate"] / med["spread"]["rate"] if med["spread"]["rate"] else 0
    c = r["check"]
    verdict = "holds" if ratio >= 0.9 and c["campaigns_wrong"] == 0 else "**missed**"
    return "\n".join(
        [
            f"Generated by `bench/hot.py` ({r['workers']} worker processes, one connection each; "
            f"median of {r['reps']} interleaved repetitions of {r['seconds']} s). "
            f"Load average before/after: {r['load_before']} / {r['load_after']}.",
            "",
            *rows,
            "",
            "| budget | measured | verdict |",
            "|---|---|---|",
            f"| one campaign ≥ 0.9× the spread rate, 0 lost updates | {ratio:.2f}× "
            f"(previous lock footprint: {before:.2f}×); campaigns whose total, donor count or "
            f"fund ≠ their donations: {c['campaigns_wrong']} of 1 000; {c['donations']} donations; "
            f"the hot fund used {c['hot_parts_used'] + 1} accounts; ledger_verify "
            f"{c['ledger_verify']} | {verdict} |",
        ]
    )


def write_markdown(path: Path, text: str) -> None:
    doc = path.read_text() if path.exists() else ""
    if MARK_BEGIN in doc:
        head, rest = doc.split(MARK_BEGIN, 1)
        tail = rest.split(MARK_END, 1)[1]
        doc = f"{head}{MARK_BEGIN}\n{text}\n{MARK_END}{tail}"
    else:
        doc += f"\n{MARK_BEGIN}\n{text}\n{MARK_END}\n"
    path.write_text(doc)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--donors", type=int, default=600)
    parser.add_argument(
        "--json", default=str(Path(tempfile.gettempdir()) / "ose-bench" / "hot.json")
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()

    recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    t = time.perf_counter()
    data = seed(args.campaigns, args.donors)
    print(f"seeded in {time.perf_counter() - t:.0f} s", flush=True)
    runs: dict[str, list[dict]] = {k: [] for k in SCENARIOS}
    order = list(SCENARIOS)
    for rep in range(args.reps):
        for scenario in order[rep % len(order) :] + order[: rep % len(order)]:
            result = run_scenario(scenario, data, args.workers, args.seconds)
            runs[scenario].append(result)
            print(f"rep {rep + 1} {scenario}: {result}", flush=True)
    medians = {}
    for key, rows in runs.items():
        medians[key] = {
            field: statistics.median(r[field] for r in rows if r[field] is not None)
            for field in ("rate", "p50_ms", "p99_ms", "fund_hold_ms", "campaign_hold_ms")
        }
        medians[key]["errors"] = sum(r["errors"] for r in rows)
    result = {
        "workers": args.workers,
        "seconds": args.seconds,
        "reps": args.reps,
        "runs": runs,
        "medians": medians,
        "check": check(data),
        "load_before": load_before,
        "load_after": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2))
    text = markdown(result)
    print(text)
    write_markdown(Path(args.out), text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
