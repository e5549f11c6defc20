"""The backup drill: `make backup` / `make restore` (scripts/db_backup.py) on a
PostgreSQL database after real money movements; the restored copy passes
ledger_verify with the same balances, and a tampered backup is refused."""

import os
import shutil
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import LedgerAccount
from campaigns import services as campaign_services
from loans import services as loan_services
from tests.campaigns.factories import funded_donor, make_campaign
from tests.factories import fund_wallet
from tests.loans.factories import active_loan
from tests.zakat.factories import ZakatRecordFactory
from zakat import services as zakat_services

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import db_backup  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MISSING = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]


@pytest.fixture
def client_tools():
    if MISSING:
        pytest.skip(f"needs the PostgreSQL client ({', '.join(MISSING)} not found)")


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def move_some_money() -> None:
    donor = funded_donor("600.00")
    campaign = make_campaign()
    campaign_services.donation_create(donor=donor, campaign=campaign.pk, amount=Decimal("40.00"))
    donation = campaign_services.donation_create(
        donor=donor, campaign=campaign.pk, amount=Decimal("15.50")
    )
    record = ZakatRecordFactory(payer=donor)
    zakat_services.zakat_payment_create(record=record, payer=donor)
    borrower = funded_donor("50.00")
    loan = active_loan(borrower)
    loan_services.loan_repay(loan=loan, amount=Decimal("100.00"), by=borrower)
    fund_wallet(borrower, "12.34")
    assert donation.pk


def balances() -> dict[str, str]:
    return {
        f"{a.kind}:{a.name}:{a.pk}": str(a.balance) for a in LedgerAccount.objects.order_by("pk")
    }


def psql(url: str, sql: str) -> str:
    server = db_backup.with_database(url, "postgres")
    return subprocess.run(  # noqa: S603 - the client found on PATH, fixed arguments
        [shutil.which("psql"), "--dbname", server, "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def drop(url: str, name: str) -> None:
    psql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restore_verify(client_tools, tmp_path):
    move_some_money()
    before = balances()
    url = database_url()
    restored = f"ose_restore_{uuid.uuid4().hex[:10]}"

    assert db_backup.main(["backup", "--database-url", url, "--out", str(tmp_path)]) == 0
    (dump,) = tmp_path.glob("*.dump")
    assert db_backup.checksum_file(dump).read_text().split()[0] == db_backup.sha256_of(dump)
    try:
        assert (
            db_backup.main(
                ["restore", "--database-url", url, "--file", str(dump), "--into", restored]
            )
            == 0
        )
        env = {
            **os.environ,
            "DATABASE_URL": db_backup.with_database(url, restored),
            "DB_POOL_MAX_SIZE": "0",
        }
        verify = subprocess.run(
            [sys.executable, "manage.py", "ledger_verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert verify.returncode == 0, verify.stderr
        assert "The ledger is consistent." in verify.stdout
        dumped = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django, json; django.setup();"
                "from accounts.models import LedgerAccount;"
                "print(json.dumps({f'{a.kind}:{a.name}:{a.pk}': str(a.balance)"
                " for a in LedgerAccount.objects.order_by('pk')}))",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert dumped.returncode == 0, dumped.stderr
        import json

        assert json.loads(dumped.stdout) == before
        assert any(Decimal(v) != 0 for v in before.values())
    finally:
        drop(url, restored)


def test_a_tampered_backup_is_refused(client_tools, tmp_path, capsys):
    url = database_url()
    assert db_backup.main(["backup", "--database-url", url, "--out", str(tmp_path)]) == 0
    (dump,) = tmp_path.glob("*.dump")
    with dump.open("ab") as handle:
        handle.write(b"tampered")
    restored = f"ose_restore_{uuid.uuid4().hex[:10]}"

    code = db_backup.main(
        ["restore", "--database-url", url, "--file", str(dump), "--into", restored]
    )

    assert code == 2
    assert "checksum mismatch" in capsys.readouterr().err
    exists = psql(url, f"SELECT 1 FROM pg_database WHERE datname = '{restored}'")  # noqa: S608
    assert exists == ""


def test_restore_never_overwrites_an_existing_database(client_tools, tmp_path, capsys):
    url = database_url()
    assert db_backup.main(["backup", "--database-url", url, "--out", str(tmp_path)]) == 0
    (dump,) = tmp_path.glob("*.dump")
    name = connection.settings_dict["NAME"]
    assert (
        db_backup.main(["restore", "--database-url", url, "--file", str(dump), "--into", name]) == 2
    )
    assert "exists" in capsys.readouterr().err
