"""`ledger_verify` on a large ledger: full against incremental.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ose_ledger_bench python bench/ledger_scale.py

Recreates the database, migrates, then COPYs in --entries entries (two-leg
top-ups of 1 000 fund accounts from the outside world, all chained exactly as
`ledger_post` chains them, dated a day back) with the triggers off for the load
only; sets each account's balance and chain head. Then times: a full
`ledger_verify`, a full one that stores the checkpoint, 1 000 new postings
through `ledger_post`, and `ledger_verify(incremental=True)`. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault(
    "SECRET_KEY", "bench-only-secret-key-not-for-production-6b1d2c3e4f5a6b7c8d9e0f1a"
)
os.environ["DEBUG"] = "0"
os.environ["DB_POOL_MAX_SIZE"] = "0"

ACCOUNTS = 1000


def say(msg: str) -> None:
    print(f"[ledger scale] {msg}", file=sys.stderr, flush=True)


def seed(entries: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from accounts import chain
    from accounts.models import LedgerAccount
    from accounts.services.ledger import external_account

    ext = external_account()
    accounts = LedgerAccount.objects.bulk_create(
        LedgerAccount(kind="campaign_fund", key=f"scale:{i}", name=f"scale {i}", currency="USD")
        for i in range(ACCOUNTS)
    )
    state = {a.pk: [b"", Decimal("0.00")] for a in [*accounts, ext]}
    at = timezone.now() - timedelta(days=1)
    one, minus_one = Decimal("1.00"), Decimal("-1.00")
    entry_id = 0
    pg = connection.connection  # the psycopg connection under Django's
    with connection.cursor() as c:
        c.execute("SET session_replication_role = replica")  # the load only
    txn_rows = []
    with (
        pg.cursor() as cur,
        cur.copy(
            "COPY accounts_ledgerentry"
            " (id, transaction_id, account_id, amount, balance_after, chain_hash, created_at)"
            " FROM STDIN"
        ) as entry_copy,
    ):
        for n in range(entries // 2):
            txn_id = uuid.uuid4()
            account = accounts[n % ACCOUNTS]
            heads = []
            for acc_id, amount in sorted(((account.pk, one), (ext.pk, minus_one))):
                head, balance = state[acc_id]
                balance += amount
                head = chain.link(
                    head,
                    transaction_id=txn_id,
                    account_id=acc_id,
                    amount=amount,
                    balance_after=balance,
                    kind="top_up",
                    reference="scale",
                    memo="",
                )
                state[acc_id] = [head, balance]
                entry_id += 1
                entry_copy.write_row((entry_id, txn_id, acc_id, amount, balance, head, at))
                heads.append(head)
            txn_rows.append((txn_id, "top_up", "scale", "", at, chain.transaction_hash(heads)))
    with (
        pg.cursor() as cur,
        cur.copy(
            "COPY accounts_ledgertransaction (id, kind, reference, memo, created_at, chain_hash)"
            " FROM STDIN"
        ) as txn_copy,
    ):
        for row in txn_rows:
            txn_copy.write_row(row)
    with connection.cursor() as c:
        c.execute("SET session_replication_role = DEFAULT")
        c.executemany(
            "UPDATE accounts_ledgeraccount SET balance = %s, head_hash = %s WHERE id = %s",
            [(balance, head, pk) for pk, (head, balance) in state.items()],
        )
        c.execute(
            "SELECT setval(pg_get_serial_sequence('accounts_ledgerentry', 'id'), %s)", [entry_id]
        )
        c.execute("ANALYZE accounts_ledgerentry")
        c.execute("ANALYZE accounts_ledgertransaction")


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ose_ledger_bench")
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT / "bench"))
    from ledger import recreate_database

    load_before = os.getloadavg()
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed_s, _ = timed(lambda: seed(args.entries))
    say(f"seeded {args.entries} entries in {seed_s:.1f} s")
    from accounts.models import LedgerAccount
    from accounts.services.ledger import Leg, external_account, ledger_post, ledger_verify

    full_s, full = timed(ledger_verify)
    say(f"full verify {full_s:.1f} s, {len(full.problems)} problem(s)")
    ckpt_s, ckpt = timed(lambda: ledger_verify(checkpoint=True))
    say(f"full verify storing the checkpoint {ckpt_s:.1f} s")
    ext = external_account()
    funds = list(LedgerAccount.objects.filter(key__startswith="scale:")[:100])
    for i in range(1000):
        ledger_post(
            kind="top_up",
            legs=[Leg(funds[i % 100], Decimal("1.00")), Leg(ext, Decimal("-1.00"))],
            reference="after the checkpoint",
        )
    inc_s, inc = timed(lambda: ledger_verify(incremental=True))
    say(f"incremental verify {inc_s:.2f} s, {len(inc.problems)} problem(s)")
    out = {
        "entries": full.entries,
        "transactions": full.transactions,
        "accounts": full.accounts,
        "seed_s": round(seed_s, 1),
        "full_s": round(full_s, 2),
        "full_with_checkpoint_s": round(ckpt_s, 2),
        "new_postings": 1000,
        "incremental_s": round(inc_s, 3),
        "problems": (full.problems + ckpt.problems + inc.problems)[:10],
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0 if not out["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
