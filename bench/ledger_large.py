"""Does the ledger's cost grow with its size? (`make bench BENCH_ARGS=--large-ledger`)

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ose_large_bench \
        python bench/ledger_large.py --sizes 10000,10000000

Recreates the database, migrates it, and grows the ledger to each size in turn
with bulk SQL on the server (`INSERT ... SELECT` from `generate_series`: no ORM,
no Python per row; about ten times faster here than COPY fed from Python, which
bench/ledger_scale.py uses because it computes real hashes). The seeded history
is two-leg top-ups from the outside world into 1 000 wallets; one probe wallet
gets the same 2 500 entries at every size (so its deep page is as deep at 10
thousand as at 10 million entries). Seeded rows are written with triggers off
(`session_replication_role = replica`); their hash links are stand-ins, not a
chain, so each seeded account gets a `LedgerChainCheckpoint` at its last entry,
as a clean full `ledger_verify --checkpoint` would have stored. Everything
measured afterwards goes through the real code, triggers on:

- wallet history, first page and a deep page (cursor after 2 000 rows), API;
- the campaign list (20), API;
- a donation (POST, the ledger posting), API;
- `ledger_verify(incremental=True)` after those new postings.

Each is the median of `--calls` calls through Django's test client in this
process. Results: JSON and the section between the `bench-large` markers of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-key-not-for-production-large-ledger-0123456789")
os.environ.setdefault("EMAIL_URL", "memorymail://")
os.environ["TASK_BACKEND"] = "immediate"
os.environ["LOG_LEVEL"] = "WARNING"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["THROTTLE_USER_BURST"] = "100000000/s"
os.environ["THROTTLE_USER_SUSTAINED"] = "100000000/s"
os.environ.pop("REDIS_URL", None)
os.environ["DB_POOL_MAX_SIZE"] = "0"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ose_large_bench")

MARK_BEGIN, MARK_END = "<!-- bench-large:begin -->", "<!-- bench-large:end -->"
WALLETS = 1000
PROBE_ENTRIES = 2500
BATCH = 1_000_000

# One transaction per g: external -1.00, wallet +1.00. g <= PROBE_ENTRIES go to the
# probe wallet (number 0), the rest round the other wallets. Ids are explicit.
SEED_TXNS = """
INSERT INTO accounts_ledgertransaction (id, kind, reference, memo, created_at, chain_hash)
SELECT md5('t' || g)::uuid, 'top_up', 'Seeded top-up', '',
       now() - interval '30 days' + g * interval '1 microsecond',
       sha256(int8send(g))
FROM generate_series(%(lo)s, %(hi)s) AS g
"""
SEED_ENTRIES = """
INSERT INTO accounts_ledgerentry
    (id, transaction_id, account_id, amount, balance_after, chain_hash, created_at)
SELECT 2 * g - 1, md5('t' || g)::uuid, %(external)s::uuid, -1.00, -g, sha256(int8send(-g)),
       now() - interval '30 days' + g * interval '1 microsecond'
FROM generate_series(%(lo)s, %(hi)s) AS g
UNION ALL
SELECT 2 * g, md5('t' || g)::uuid,
       (%(wallets)s::uuid[])[CASE WHEN g <= %(probe)s THEN 1 ELSE 2 + (g %% %(others)s) END],
       1.00,
       CASE WHEN g <= %(probe)s THEN g ELSE (g - %(probe)s - 1) / %(others)s + 1 END,
       sha256(int8send(g)),
       now() - interval '30 days' + g * interval '1 microsecond'
FROM generate_series(%(lo)s, %(hi)s) AS g
"""
# Balances, heads and checkpoints from each account's last entry.
FINISH = """
WITH last AS (
    SELECT DISTINCT ON (account_id) account_id, id, balance_after, chain_hash
    FROM accounts_ledgerentry ORDER BY account_id, id DESC
)
UPDATE accounts_ledgeraccount a SET balance = last.balance_after, head_hash = last.chain_hash
FROM last WHERE last.account_id = a.id;
DELETE FROM accounts_ledgerchaincheckpoint;
INSERT INTO accounts_ledgerchaincheckpoint (account_id, last_entry_id, head_hash, balance, verified_at)
SELECT DISTINCT ON (account_id) account_id, id, chain_hash, balance_after, now()
FROM accounts_ledgerentry ORDER BY account_id, id DESC;
SELECT setval(pg_get_serial_sequence('accounts_ledgerentry', 'id'),
              (SELECT max(id) FROM accounts_ledgerentry));
ANALYZE accounts_ledgerentry;
ANALYZE accounts_ledgertransaction;
ANALYZE accounts_ledgeraccount;
"""


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup() -> dict:
    from datetime import timedelta
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone

    from accounts import money
    from accounts import services as accounts
    from accounts.models import LedgerAccount, User
    from campaigns.models import Campaign

    call_command("migrate", verbosity=0)
    users = [User(email=f"w{i}@bench.example", name=f"Wallet {i}") for i in range(WALLETS)]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(email__endswith="@bench.example").order_by("email"))
    LedgerAccount.objects.bulk_create(
        [
            LedgerAccount(kind="wallet", key=f"wallet:{u.pk}", name=u.name, owner=u, currency="USD")
            for u in users
        ]
    )
    external = accounts.external_account()
    today, now = timezone.localdate(), timezone.now()
    campaigns = [
        Campaign(
            organizer=users[-1],
            name=f"Appeal number {i}",
            target_amount=Decimal("100000.00"),
            status="active",
            start_date=today - timedelta(days=1),
            end_date=today + timedelta(days=30),
            created_at=now - timedelta(seconds=i),
        )
        for i in range(3000)
    ]
    Campaign.objects.bulk_create(campaigns)
    LedgerAccount.objects.bulk_create(
        [
            LedgerAccount(
                kind="campaign_fund", key=c.fund_key, name=c.name, currency=money.currency()
            )
            for c in campaigns
        ]
    )
    probe = next(u for u in users if u.email == "w0@bench.example")
    wallets = [str(LedgerAccount.objects.get(owner=probe).pk)] + [
        str(pk)
        for pk in LedgerAccount.objects.filter(kind="wallet")
        .exclude(owner=probe)
        .order_by("key")
        .values_list("pk", flat=True)
    ]
    return {
        "external": str(external.pk),
        "wallets": wallets,
        "probe": str(probe.pk),
        "campaign": str(campaigns[0].pk),
    }


def grow(data: dict, upto_txns: int, done_txns: int = 0) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
        lo = done_txns + 1
        while lo <= upto_txns:
            hi = min(lo + BATCH - 1, upto_txns)
            params = {
                "lo": lo,
                "hi": hi,
                "external": data["external"],
                "wallets": data["wallets"],
                "probe": PROBE_ENTRIES,
                "others": len(data["wallets"]) - 1,
            }
            cursor.execute(SEED_TXNS, params)
            cursor.execute(SEED_ENTRIES, params)
            print(f"  seeded to {hi * 2:,} entries", flush=True)
            lo = hi + 1
        cursor.execute(FINISH)
        cursor.execute("SET session_replication_role = origin")
    return time.perf_counter() - started


def measure(data: dict, calls: int) -> dict:
    from decimal import Decimal

    from django.db import connection
    from rest_framework.test import APIClient

    from accounts import services as accounts
    from accounts.models import LedgerEntry, User

    probe = User.objects.get(pk=data["probe"])
    accounts.top_up_create(user=probe, amount=Decimal("1000.00"))
    client = APIClient()
    token = accounts.auth_tokens_issue(user=probe)["access_token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def timed(fn) -> float:
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            response = fn()
            times.append(time.perf_counter() - t)
            assert response.status_code in (200, 201), response.content[:300]
        return round(statistics.median(times) * 1000, 2)

    cursor = None
    for _ in range(20):  # 20 pages of 100: the cursor after 2 000 rows
        page = client.get(
            "/api/v1/wallet/transactions", {"limit": 100, **({"cursor": cursor} if cursor else {})}
        ).json()
        cursor = page["next_cursor"]
    result = {
        "wallet_first_ms": timed(lambda: client.get("/api/v1/wallet/transactions?limit=20")),
        "wallet_deep_ms": timed(
            lambda: client.get("/api/v1/wallet/transactions", {"limit": 20, "cursor": cursor})
        ),
        "campaign_list_ms": timed(lambda: client.get("/api/v1/campaigns?limit=20")),
        "donation_ms": timed(
            lambda: client.post(
                "/api/v1/donations",
                {"campaign_id": data["campaign"], "amount": "1.00"},
                format="json",
            )
        ),
    }
    t = time.perf_counter()
    report = accounts.ledger_verify(incremental=True)
    result["verify_incremental_ms"] = round((time.perf_counter() - t) * 1000, 1)
    result["verify_problems"] = report.problems[:5]
    with connection.cursor() as c:
        c.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'accounts_ledgerentry'")
        result["entries"] = c.fetchone()[0]
    result["entries_exact_max_id"] = (
        LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first()
    )
    return result


def markdown(r: dict) -> str:
    sizes = r["sizes"]
    small, large = r["results"][str(sizes[0])], r["results"][str(sizes[-1])]
    took = r["seed_seconds"].get(str(sizes[-1]))
    seed = f"{took:.0f} s" if took is not None else "reused from an earlier run"
    labels = {
        "wallet_first_ms": "wallet history, first page (20)",
        "wallet_deep_ms": "wallet history, deep page (after 2 000 rows)",
        "campaign_list_ms": "campaign list (20)",
        "donation_ms": "donation create (POST, ledger posting)",
        "verify_incremental_ms": "`ledger_verify --incremental` after the new postings",
    }
    rows = [
        f"| median ms | {sizes[0]:,} entries | {sizes[-1]:,} entries | ratio | within 1.5× |",
        "|---|---:|---:|---:|---|",
    ]
    for key, label in labels.items():
        ratio = large[key] / small[key] if small[key] else 0
        rows.append(
            f"| {label} | {small[key]} | {large[key]} | {ratio:.2f}× "
            f"| {'holds' if ratio <= 1.5 else '**missed**'} |"
        )
    return "\n".join(
        [
            f"Generated by `bench/ledger_large.py` (median of {r['calls']} calls each, Django's "
            f"test client in one process, sizes measured in turns, medians of {r['reps']} "
            f"repetitions). Seeding {sizes[-1]:,} entries: {seed}. Load average before/after: "
            f"{r['load_before']} / {r['load_after']}. Incremental verify problems: "
            f"{large['verify_problems'] or 'none'}.",
            "",
            *rows,
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


def load_data() -> dict:
    """The ids measure() needs, from a seeded database."""
    from accounts.models import LedgerAccount, User
    from campaigns.models import Campaign

    probe = User.objects.get(email="w0@bench.example")
    return {
        "external": str(LedgerAccount.objects.get(key="external").pk),
        "probe": str(probe.pk),
        "campaign": str(Campaign.objects.get(name="Appeal number 0").pk),
    }


def use_database(url: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = url.rsplit("/", 1)[1]


def seeded(url: str, size: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM accounts_ledgerchaincheckpoint WHERE last_entry_id >= %s",
                [size - 1],
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,10000000")
    parser.add_argument("--calls", type=int, default=15)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="keep a database already seeded to its size"
    )
    parser.add_argument(
        "--json", default=str(Path(tempfile.gettempdir()) / "ose-bench" / "large.json")
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    import django

    django.setup()

    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    base = os.environ["DATABASE_URL"]
    urls = {size: f"{base}_{size}" for size in sizes}  # a database per size
    seed_seconds = {}
    for size, url in urls.items():
        if args.reuse and seeded(url, size):
            print(f"{size:,}: reusing {url.rsplit('/', 1)[1]}", flush=True)
            seed_seconds[str(size)] = None
            continue
        recreate_database(url)
        use_database(url)
        seed_seconds[str(size)] = grow(setup(), size // 2, 0)
        print(f"{size:,} entries seeded in {seed_seconds[str(size)]:.0f} s", flush=True)
    # Measured in turns, so every size sees the same machine.
    runs: dict[str, list[dict]] = {str(size): [] for size in sizes}
    for rep in range(args.reps):
        for size in sizes if rep % 2 == 0 else reversed(sizes):
            use_database(urls[size])
            runs[str(size)].append(measure(load_data(), args.calls))
            print(f"rep {rep + 1} {size:,}: {runs[str(size)][-1]}", flush=True)
    results = {
        size: {
            key: round(statistics.median(run[key] for run in rows), 1)
            for key in rows[0]
            if key.endswith("_ms")
        }
        | {"verify_problems": [p for run in rows for p in run["verify_problems"]][:5]}
        for size, rows in runs.items()
    }
    r = {
        "sizes": sizes,
        "calls": args.calls,
        "results": results,
        "runs": runs,
        "reps": args.reps,
        "seed_seconds": seed_seconds,
        "load_before": load_before,
        "load_after": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(r, indent=2))
    text = markdown(r)
    print(text)
    write_markdown(Path(args.out), text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
