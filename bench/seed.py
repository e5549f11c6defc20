"""Seed the benchmark database through the services, then check the ledger.

    DATABASE_URL=postgres://.../ose_bench python bench/seed.py --out /tmp/ose-bench/data.json

Users are bulk-inserted with unusable passwords (hashing thousands of Argon2
passwords would take minutes and the benchmark signs in with JWTs issued by
`accounts.services.auth_tokens_issue`). Every movement of money — top-ups,
donations, loan disbursements — goes through the real services, so the ledger
is exactly what production would hold; `ledger_verify` runs at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("EMAIL_URL", "memorymail://")  # receipts of the seed go nowhere
os.environ["TASK_BACKEND"] = "immediate"
os.environ.pop("REDIS_URL", None)  # the seed broadcasts to nobody
# The seed forks worker processes below: a connection pool opened before the
# fork would be shared by all of them. One plain connection per process instead.
os.environ["DB_POOL_MAX_SIZE"] = "0"
# The seed approves loans as staff from a script, signed in nowhere: no second factor.
os.environ["STAFF_MFA"] = "optional"

import django

django.setup()

from django.db import connection

if connection.vendor == "postgresql":
    # Seeding only: commits need not wait for the disk (a crash here loses a
    # seed we would redo anyway). The benchmark itself runs with the defaults.
    connection.settings_dict.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"

from django.core.management import call_command
from django.utils import timezone

from accounts import money
from accounts import services as account_services
from accounts.models import LedgerAccount, User
from campaigns import services as campaign_services
from campaigns.models import Campaign
from loans import services as loan_services
from loans.models import Loan

WORDS = [
    "water",
    "wells",
    "school",
    "books",
    "winter",
    "blankets",
    "orphans",
    "clinic",
    "medicine",
    "food",
    "parcels",
    "ramadan",
    "iftar",
    "mosque",
    "roof",
    "flood",
    "relief",
    "refugees",
    "shelter",
    "students",
    "fees",
]


def _top_up(user_ids: list[str]) -> None:
    for user in User.objects.filter(pk__in=user_ids):
        account_services.top_up_create(user=user, amount=Decimal("100000.00"))
    connection.close()


def _donate(rows: list[tuple]) -> None:
    users = {str(u.pk): u for u in User.objects.filter(pk__in={r[0] for r in rows})}
    found = {str(c.pk): c for c in Campaign.objects.filter(pk__in={r[1] for r in rows})}
    for user_id, campaign_id, amount, message, anonymous in rows:
        campaign_services.donation_create(
            donor=users[user_id],
            campaign=found[campaign_id],
            amount=Decimal(amount),
            message=message,
            is_anonymous=anonymous,
        )
    connection.close()


def refresh_tokens(path: Path) -> int:
    """Re-issue the access tokens of an earlier seed (`--skip-seed` reuses its data)."""
    from rest_framework_simplejwt.tokens import AccessToken

    data = json.loads(path.read_text())
    users = {str(u.pk): u for u in User.objects.filter(pk__in=[pk for pk, _ in data["users"]])}
    tokens = {pk: str(AccessToken.for_user(user)) for pk, user in users.items()}
    data["users"] = [[pk, tokens[pk]] for pk, _ in data["users"]]
    borrowers = dict(
        Loan.objects.filter(pk__in=[pk for pk, _ in data["loans"]]).values_list("pk", "borrower_id")
    )
    data["loans"] = [[pk, tokens[str(borrowers[UUID(pk)])]] for pk, _ in data["loans"]]
    path.write_text(json.dumps(data))
    print(f"[seed] new access tokens for {len(tokens)} users in {path}", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--campaigns", type=int, default=3000)
    parser.add_argument("--donations", type=int, default=6000)
    parser.add_argument("--loans", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--refresh-tokens",
        action="store_true",
        help="only issue new access tokens for the users in --out (they live 30 minutes)",
    )
    args = parser.parse_args()
    if args.refresh_tokens:
        return refresh_tokens(Path(args.out))
    rnd = random.Random(7)
    t0 = time.monotonic()

    def say(msg: str) -> None:
        print(f"[seed {time.monotonic() - t0:6.1f}s] {msg}", flush=True)

    call_command("migrate", verbosity=0, interactive=False)
    say("migrated")

    staff = User(
        email="bench.staff@ose.example", name="Bench Staff", is_staff=True, is_superuser=True
    )
    staff.set_unusable_password()
    people = []
    for i in range(args.users):
        u = User(email=f"donor{i}@bench.example", name=f"Donor {i} {rnd.choice(WORDS).title()}")
        u.set_unusable_password()
        people.append(u)
    User.objects.bulk_create([staff, *people], batch_size=1000)
    people = list(User.objects.filter(email__endswith="@bench.example").order_by("email"))
    say(f"{len(people)} users")

    # Campaigns hold no money until someone donates, so they (and their empty
    # fund accounts) are bulk-inserted; every movement of money below goes
    # through the services.
    today = timezone.localdate()
    now = timezone.now()
    campaigns = [
        Campaign(
            organizer=people[i % len(people)],
            name=f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS)} appeal #{i}",
            description=" ".join(rnd.choice(WORDS) for _ in range(30)),
            target_amount=Decimal(rnd.randrange(1000, 100000)),
            status=Campaign.Status.ACTIVE,
            start_date=today - timedelta(days=rnd.randrange(0, 30)),
            end_date=today + timedelta(days=rnd.randrange(30, 365)),
            created_at=now - timedelta(seconds=args.campaigns - i),
        )
        for i in range(args.campaigns)
    ]
    Campaign.objects.bulk_create(campaigns, batch_size=1000)
    LedgerAccount.objects.bulk_create(
        [
            LedgerAccount(
                key=c.fund_key,
                kind=LedgerAccount.Kind.CAMPAIGN_FUND,
                name=f"Campaign fund: {c.name}"[:200],
                currency=money.currency(),
            )
            for c in campaigns
        ],
        batch_size=1000,
    )
    say(f"{len(campaigns)} campaigns")

    user_ids = [str(u.pk) for u in people]
    campaign_ids = [str(c.pk) for c in campaigns]
    donations = [
        (
            user_ids[rnd.randrange(len(user_ids))],
            campaign_ids[rnd.randrange(len(campaign_ids))],
            str(rnd.randrange(5, 500)),
            rnd.choice(["", "For the children", "May it be accepted", ""]),
            rnd.random() < 0.2,
        )
        for _ in range(args.donations)
    ]
    connection.close()  # each worker process opens its own
    jobs = args.jobs
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(_top_up, [user_ids[k::jobs] for k in range(jobs)])
        say(f"{len(people)} wallets topped up ({jobs} processes)")
        pool.map(_donate, [donations[k::jobs] for k in range(jobs)])
    say(f"{args.donations} donations ({jobs} processes)")

    borrowers = people[: args.loans]
    loans = []
    for u in borrowers:
        loan = loan_services.loan_apply(
            borrower=u,
            principal_amount=Decimal("1200.00"),
            purpose="Sewing machine",
            repayment_months=12,
        )
        loan = loan_services.loan_approve(loan=loan, by=staff)
        loans.append(loan_services.loan_disburse(loan=loan, by=staff))
    say(f"{len(loans)} loans disbursed")
    if connection.vendor == "postgresql":
        # What autovacuum does in production after bulk loads: without statistics the
        # planner guesses (the campaign page's ordered scan over the status index).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        say("analyzed")

    report = account_services.ledger_verify()
    problems = getattr(report, "problems", None)
    say(f"ledger_verify: {problems or 'ok'}")
    if problems:
        return 1

    tokens = {str(u.pk): account_services.auth_tokens_issue(user=u)["access_token"] for u in people}
    out = {
        "users": [[str(u.pk), tokens[str(u.pk)]] for u in people],
        "campaigns": [str(c.pk) for c in campaigns],
        "hot_campaigns": [str(c.pk) for c in campaigns[-10:]],
        "loans": [[str(loan.pk), tokens[str(loan.borrower_id)]] for loan in loans],
        "counts": {
            "users": len(people),
            "campaigns": len(campaigns),
            "donations": args.donations,
            "loans": len(loans),
        },
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out))
    say(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
