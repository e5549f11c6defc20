"""The ledger core against django-hordak, side by side in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ose_ledger_bench python bench/ledger.py

Recreates the database, migrates the project plus hordak (bench/ledger_settings.py:
hordak is in INSTALLED_APPS of this process only), then, for each repetition,
runs every scenario on both ledgers back to back (the order alternating between
repetitions) and reports medians:

- one thread, two-leg transfers between 100 accounts;
- 8 threads over 100 accounts (rate and p99 latency);
- 8 threads all paying out of one hot account;
- reading one account's balance once it has 10 000 entries;
- the overdraw race: 24 concurrent 7.00 withdrawals from 100.00.

Ours is `accounts.services.ledger_post` over fund accounts (which may never go
below zero, so every transfer pays for that check); hordak's is
`Account.transfer_to` over asset accounts. `ledger_verify` must be clean at the end.
Prints one JSON object (also written to --json when given).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ledger_settings"
os.environ.setdefault(
    "SECRET_KEY", "bench-only-secret-key-not-for-production-6b1d2c3e4f5a6b7c8d9e0f1a"
)
os.environ["DEBUG"] = "0"
os.environ["DB_POOL_MAX_SIZE"] = "0"
os.environ["CONN_MAX_AGE"] = "600"

N_ACCOUNTS = 100
THREADS = 8
DEEP_ENTRIES = 10_000


def say(msg: str) -> None:
    print(f"[ledger bench] {msg}", file=sys.stderr, flush=True)


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


DEEP_SEED_OURS = """
DO $$
DECLARE t uuid;
BEGIN
  FOR i IN 1..500 LOOP
    t := gen_random_uuid();
    INSERT INTO accounts_ledgertransaction (id, kind, reference, memo, created_at)
      VALUES (t, 'top_up', 'bench deep', '', now());
    INSERT INTO accounts_ledgerentry (transaction_id, account_id, amount, balance_after, created_at)
      VALUES (t, DEEP, 1.00, 0, now()), (t, EXT, -1.00, 0, now());
  END LOOP;
END $$;
"""


DEEP_SEED_HORDAK = """
DO $$
DECLARE t integer;
BEGIN
  FOR i IN 1..500 LOOP
    INSERT INTO hordak_transaction (uuid, timestamp, date, description)
      VALUES (gen_random_uuid(), now(), now()::date, 'bench deep') RETURNING id INTO t;
    INSERT INTO hordak_leg (uuid, transaction_id, account_id, credit, debit, currency, description)
      VALUES (gen_random_uuid(), t, SRC, 1.00, NULL, 'USD', ''),
             (gen_random_uuid(), t, DEEP, NULL, 1.00, 'USD', '');
  END LOOP;
END $$;
"""


class Ours:
    name = "ours"

    def setup(self) -> None:
        from accounts.models import LedgerAccount
        from accounts.services.ledger import Leg, external_account, ledger_post

        self.Leg, self.post = Leg, ledger_post
        self.external = external_account()
        self.accounts = []
        for i in range(N_ACCOUNTS + 3):
            acc = LedgerAccount.objects.create(
                kind="campaign_fund", key=f"bench:{i}", name=f"bench {i}", currency="USD"
            )
            ledger_post(
                kind="top_up",
                legs=[Leg(acc, Decimal("1000000.00")), Leg(self.external, Decimal("-1000000.00"))],
                reference="bench funding",
            )
            self.accounts.append(acc)
        self.hot = self.accounts[N_ACCOUNTS]
        self.deep = self.accounts[N_ACCOUNTS + 1]
        self.race = self.accounts[N_ACCOUNTS + 2]
        # The deep account's 10 000 entries, written as the ORM would write them
        # (the database moves the balances and chain heads, migration 0007), in
        # transactions of 500 so no row collects thousands of versions at once.
        from django.db import connection

        for _ in range(DEEP_ENTRIES // 500):
            with connection.cursor() as cur:
                cur.execute(
                    DEEP_SEED_OURS.replace("DEEP", f"'{self.deep.pk}'").replace(
                        "EXT", f"'{self.external.pk}'"
                    )
                )

    def transfer(self, src, dst, amount: Decimal) -> bool:
        from accounts.services.ledger import InsufficientFunds

        try:
            self.post(
                kind="donation",
                legs=[self.Leg(src, -amount), self.Leg(dst, amount)],
                reference="bench",
            )
        except InsufficientFunds:
            return False
        return True

    def balance(self, account) -> Decimal:
        from accounts.models import LedgerAccount

        return LedgerAccount.objects.only("balance").get(pk=account.pk).balance

    def fund_race(self) -> None:
        self.post(
            kind="top_up",
            legs=[
                self.Leg(self.race, Decimal("-999900.00")),
                self.Leg(self.external, Decimal("999900.00")),
            ],
            reference="race: leave 100.00",
        )


class Hordak:
    name = "hordak"

    def setup(self) -> None:
        from djmoney.money import Money
        from hordak.models import Account

        self.Money = Money
        self.source = Account.objects.create(name="source", type="AS", currencies=["USD"])
        self.accounts = [
            Account.objects.create(name=f"bench {i}", type="AS", currencies=["USD"])
            for i in range(N_ACCOUNTS + 3)
        ]
        for acc in self.accounts:
            self.source.transfer_to(acc, Money("1000000.00", "USD"))
        self.hot = self.accounts[N_ACCOUNTS]
        self.deep = self.accounts[N_ACCOUNTS + 1]
        self.race = self.accounts[N_ACCOUNTS + 2]
        from django.db import connection

        for _ in range(DEEP_ENTRIES // 500):
            with connection.cursor() as cur:
                cur.execute(
                    DEEP_SEED_HORDAK.replace("DEEP", str(self.deep.pk)).replace(
                        "SRC", str(self.source.pk)
                    )
                )

    def transfer(self, src, dst, amount: Decimal) -> bool:
        from django.db import transaction

        with transaction.atomic():
            src.transfer_to(dst, self.Money(amount, "USD"))
        return True

    def balance(self, account):
        return account.get_balance()

    def fund_race(self) -> None:
        self.race.transfer_to(self.source, self.Money("999900.00", "USD"))


def timed_loop(side, pick, seconds: float, threads: int) -> dict:
    """Transfers from `threads` threads for `seconds`; rate and latencies."""
    from django.db import connections

    latencies: list[list[float]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()
    errors: list[BaseException] = []

    def run(i: int) -> None:
        rnd = random.Random(i)
        try:
            side.transfer(*pick(rnd), Decimal("0.01"))  # connect before the clock starts
            barrier.wait()
            while not stop.is_set():
                t = time.perf_counter()
                side.transfer(*pick(rnd), Decimal("0.01"))
                latencies[i].append(time.perf_counter() - t)
        except BaseException as exc:
            errors.append(exc)
            raise
        finally:
            connections.close_all()

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    flat = sorted(x for lat in latencies for x in lat)
    return {
        "rate": len(flat) / elapsed,
        "p50_ms": flat[len(flat) // 2] * 1000,
        "p99_ms": flat[min(len(flat) - 1, int(len(flat) * 0.99))] * 1000,
        "n": len(flat),
    }


def scenarios(side) -> dict:
    accs = side.accounts[:N_ACCOUNTS]

    def pair(rnd):
        a, b = rnd.sample(accs, 2)
        return a, b

    def hot(rnd):
        return side.hot, rnd.choice(accs)

    return {
        "one_thread": (pair, 1),
        "eight_threads": (pair, THREADS),
        "hot_account": (hot, THREADS),
    }


def balance_read(side, n: int = 300) -> float:
    side.balance(side.deep)
    t = time.perf_counter()
    for _ in range(n):
        side.balance(side.deep)
    return (time.perf_counter() - t) / n * 1000


def race(side) -> dict:
    from django.db import connections

    side.fund_race()
    barrier = threading.Barrier(24)
    results: list = [None] * 24

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = side.transfer(side.race, side.accounts[i], Decimal("7.00"))
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    ts = [threading.Thread(target=run, args=(i,)) for i in range(24)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bal = side.balance(side.race)
    if side.name == "hordak":
        bal = bal["USD"].amount
    return {
        "succeeded": sum(1 for r in results if r is True),
        "refused": sum(1 for r in results if r is False),
        "errors": [repr(r) for r in results if isinstance(r, Exception)],
        "left": str(bal),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--json", default="")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ose_ledger_bench")
    os.environ["DATABASE_URL"] = url
    load_before = os.getloadavg()
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    say("migrated; seeding both ledgers")
    sides = [Ours(), Hordak()]
    for side in sides:
        side.setup()
    raw: dict = {s.name: {} for s in sides}
    for rep in range(args.reps):
        order = sides if rep % 2 == 0 else sides[::-1]
        for key, (_pick, threads) in scenarios(sides[0]).items():
            for side in order:
                pick_side = scenarios(side)[key][0]
                r = timed_loop(side, pick_side, args.seconds, threads)
                raw[side.name].setdefault(key, []).append(r)
                say(
                    f"rep {rep + 1} {key:14s} {side.name:6s} {r['rate']:7.1f}/s p99 {r['p99_ms']:.1f} ms"
                )
        for side in order:
            raw[side.name].setdefault("balance_ms", []).append(balance_read(side))
    out: dict = {"load_before": load_before, "reps": args.reps, "seconds": args.seconds}
    for side in sides:
        med = {}
        for key, runs in raw[side.name].items():
            if key == "balance_ms":
                med[key] = statistics.median(runs)
            else:
                med[key] = {
                    "rate": statistics.median(r["rate"] for r in runs),
                    "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                }
        med["race"] = race(side)
        out[side.name] = med
    from accounts.services.ledger import ledger_verify

    report = ledger_verify()
    out["ledger_verify_problems"] = report.problems[:10]
    out["load_after"] = os.getloadavg()
    text = json.dumps(out, indent=2, default=str)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0 if not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
