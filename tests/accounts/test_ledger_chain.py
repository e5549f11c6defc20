"""The ledger's hash chains, incremental verification, and the guards PostgreSQL
holds itself: one currency per transaction, entries that keep balances right."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.db import IntegrityError, connection, transaction

from accounts import chain, services
from accounts.models import LedgerAccount, LedgerChainCheckpoint, LedgerEntry, LedgerTransaction
from accounts.services import Leg
from staff.models import AuditEvent

pytestmark = pytest.mark.django_db

D = Decimal
SQLITE_IMMUTABLE = import_module("accounts.migrations.0003_ledger_guards").SQLITE_FORWARD[0]


def system_account(key: str, currency: str = "USD") -> LedgerAccount:
    return LedgerAccount.objects.create(kind="income", key=key, name=key, currency=currency)


def fund(user, amount: str) -> LedgerAccount:
    wallet = services.wallet_get_or_create(user=user)
    services.ledger_post(
        kind="top_up",
        legs=[Leg(wallet, D(amount)), Leg(services.external_account(), -D(amount))],
        reference="test funding",
    )
    wallet.refresh_from_db()
    return wallet


def behind_the_application(*statements: tuple[str, list]) -> None:
    """Run raw SQL with the append-only guards off, as someone with database
    access could (PostgreSQL: triggers off for this session; SQLite: the
    immutability trigger dropped, then made again)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS accounts_ledgerentry_immutable")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute(SQLITE_IMMUTABLE)


# --- the chain ------------------------------------------------------------------------------


def test_every_posting_extends_each_accounts_chain(user, other_user):
    a = fund(user, "20.00")
    b = services.wallet_get_or_create(user=other_user)

    txn = services.ledger_post(
        kind="donation", legs=[Leg(a, D("-5.00")), Leg(b, D("5.00"))], reference="gift"
    )

    a.refresh_from_db()
    b.refresh_from_db()
    first, second = a.entries.order_by("id")
    assert bytes(first.chain_hash) == chain.link(
        b"",
        transaction_id=first.transaction_id,
        account_id=a.pk,
        amount=D("20.00"),
        balance_after=D("20.00"),
        kind="top_up",
        reference="test funding",
        memo="",
    )
    assert bytes(second.chain_hash) == chain.link(
        first.chain_hash,
        transaction_id=txn.pk,
        account_id=a.pk,
        amount=D("-5.00"),
        balance_after=D("15.00"),
        kind="donation",
        reference="gift",
        memo="",
    )
    assert bytes(a.head_hash) == bytes(second.chain_hash)
    stored = LedgerTransaction.objects.get(pk=txn.pk)
    links = [e.chain_hash for e in stored.entries.order_by("account_id")]
    assert bytes(stored.chain_hash) == chain.transaction_hash(links) == bytes(txn.chain_hash)
    assert services.ledger_verify().problems == []


def test_the_audit_event_of_a_posting_is_an_ordinary_row(user, staff_user):
    wallet = services.wallet_get_or_create(user=user)

    txn = services.ledger_post(
        kind="adjustment",
        legs=[Leg(wallet, D("3.00")), Leg(services.external_account(), D("-3.00"))],
        reference="r",
        memo="why",
        created_by=staff_user,
    )

    event = AuditEvent.objects.get(subject_id=str(txn.pk))
    assert (event.actor, event.action, event.subject_type, event.reason) == (
        staff_user,
        "ledger.adjustment",
        "accounts.ledgertransaction",
        "why",
    )
    assert event.changes == {"legs": {wallet.key: "3.00", "external": "-3.00"}}


def test_a_balanced_rewrite_of_both_legs_is_named_by_the_chain(user, other_user):
    a = fund(user, "20.00")
    b = services.wallet_get_or_create(user=other_user)
    txn = services.ledger_post(
        kind="donation", legs=[Leg(a, D("-5.00")), Leg(b, D("5.00"))], reference="gift"
    )
    services.ledger_post(
        kind="donation", legs=[Leg(a, D("-1.00")), Leg(b, D("1.00"))], reference="later"
    )
    tampered = a.entries.get(transaction=txn)
    other_leg = b.entries.get(transaction=txn)

    def key(account):
        return account.pk.hex if connection.vendor == "sqlite" else account.pk

    # 5.00 becomes 7.00 on both legs, with every running balance and both cached
    # balances rewritten to agree: every sum still balances, only the chain can tell.
    behind_the_application(
        ("UPDATE accounts_ledgerentry SET amount = -7 WHERE id = %s", [tampered.pk]),
        ("UPDATE accounts_ledgerentry SET amount = 7 WHERE id = %s", [other_leg.pk]),
        (
            "UPDATE accounts_ledgerentry SET balance_after = balance_after - 2"
            " WHERE account_id = %s AND id >= %s",
            [key(a), tampered.pk],
        ),
        (
            "UPDATE accounts_ledgerentry SET balance_after = balance_after + 2"
            " WHERE account_id = %s AND id >= %s",
            [key(b), other_leg.pk],
        ),
        ("UPDATE accounts_ledgeraccount SET balance = balance - 2 WHERE id = %s", [key(a)]),
        ("UPDATE accounts_ledgeraccount SET balance = balance + 2 WHERE id = %s", [key(b)]),
    )
    report = services.ledger_verify()

    assert any(
        p.startswith(f"{a.key}: hash chain broken at entry {tampered.pk} (transaction {txn.pk})")
        for p in report.problems
    ), report.problems
    assert not any("balance" in p or "sum" in p for p in report.problems), report.problems


def test_an_edited_reference_breaks_the_chain(user):
    wallet = fund(user, "20.00")
    txn = LedgerTransaction.objects.get()
    entry = wallet.entries.get()

    LedgerTransaction.objects.filter(pk=txn.pk).update(reference="something else")

    problems = services.ledger_verify().problems
    assert f"{wallet.key}: hash chain broken at entry {entry.pk} (transaction {txn.pk})" in (
        " ".join(problems)
    )


# --- incremental verification --------------------------------------------------------------


def test_incremental_verification_continues_from_the_checkpoint(user, other_user):
    a = fund(user, "50.00")
    b = services.wallet_get_or_create(user=other_user)
    assert services.ledger_verify(checkpoint=True).problems == []
    assert LedgerChainCheckpoint.objects.get(account=a).balance == D("50.00")

    services.ledger_post(
        kind="donation", legs=[Leg(a, D("-5.00")), Leg(b, D("5.00"))], reference="gift"
    )
    report = services.ledger_verify(incremental=True, checkpoint=True)

    assert report.problems == []
    point = LedgerChainCheckpoint.objects.get(account=a)
    a.refresh_from_db()
    assert (point.balance, bytes(point.head_hash)) == (D("45.00"), bytes(a.head_hash))


def test_incremental_verification_sees_a_rewritten_checkpointed_link(user):
    wallet = fund(user, "50.00")
    services.ledger_verify(checkpoint=True)
    entry = wallet.entries.get()

    behind_the_application(
        (
            "UPDATE accounts_ledgerentry SET chain_hash = %s WHERE id = %s",
            [b"\x00" * 32, entry.pk],
        )
    )

    problems = services.ledger_verify(incremental=True).problems
    assert any(f"entry {entry.pk}, where the last verified chain ended" in p for p in problems)


def test_incremental_verification_reads_each_account_from_its_own_checkpoint(user, other_user):
    """An account opened since the checkpoint must not make an old, long account be
    read from its first entry: each moved account is read past its own
    checkpoint, so the run costs what is new, not the ledger's size."""
    from django.test.utils import CaptureQueriesContext

    wallet = fund(user, "50.00")
    fund(user, "10.00")
    assert services.ledger_verify(checkpoint=True).problems == []
    external = services.external_account()
    last = LedgerChainCheckpoint.objects.get(account=external).last_entry_id
    newcomer = services.wallet_get_or_create(user=other_user)  # no checkpoint yet
    services.ledger_post(
        kind="donation", legs=[Leg(wallet, D("-5.00")), Leg(newcomer, D("5.00"))], reference="x"
    )
    fund(user, "1.00")

    with CaptureQueriesContext(connection) as ctx:
        report = services.ledger_verify(incremental=True)

    assert report.problems == []
    stream = next(
        q["sql"]
        for q in ctx.captured_queries
        if '"memo"' in q["sql"] and '"accounts_ledgerentry"."account_id"' in q["sql"]
    )
    assert f'"accounts_ledgerentry"."id" > {last}' in stream


def test_without_a_checkpoint_incremental_is_a_full_run(user):
    fund(user, "5.00")

    assert services.ledger_verify(incremental=True).problems == []


# --- what PostgreSQL refuses or keeps right by itself -------------------------------------


@pytest.mark.postgres
def test_postgres_refuses_a_transaction_in_two_currencies():
    usd, eur = system_account("usd"), system_account("eur", currency="EUR")

    def forge_and_commit():
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(kind="adjustment", reference="fx")
            LedgerEntry.objects.create(transaction=txn, account=usd, amount=5, balance_after=5)
            LedgerEntry.objects.create(transaction=txn, account=eur, amount=-5, balance_after=-5)
            with connection.cursor() as cursor:  # what COMMIT would do
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with pytest.raises(IntegrityError, match="mixes 2 currencies"):
        forge_and_commit()
    assert not LedgerTransaction.objects.filter(reference="fx").exists()


@pytest.mark.postgres
def test_postgres_moves_the_account_for_an_entry_written_without_its_balance():
    one, two = system_account("one"), system_account("two")
    services.ledger_post(
        kind="adjustment", legs=[Leg(one, D("10.00")), Leg(two, D("-10.00"))], reference="first"
    )

    with transaction.atomic():  # the ORM, not ledger_post: no balance update, stale figures
        txn = LedgerTransaction.objects.create(kind="adjustment", reference="orm")
        LedgerEntry.objects.create(transaction=txn, account=one, amount=-4, balance_after=999)
        LedgerEntry.objects.create(transaction=txn, account=two, amount=4, balance_after=0)
        with connection.cursor() as cursor:  # what COMMIT would do
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.balance, two.balance) == (D("6.00"), D("-6.00"))
    assert sorted(txn.entries.values_list("balance_after", flat=True)) == [D("-6.00"), D("6.00")]
    assert LedgerTransaction.objects.get(pk=txn.pk).chain_hash is not None
    assert services.ledger_verify().problems == []


@pytest.mark.postgres
def test_postgres_refuses_an_entry_whose_balance_the_account_never_had():
    one, two = system_account("one"), system_account("two")
    txn = LedgerTransaction.objects.create(kind="adjustment", reference="raw")

    with (
        pytest.raises(IntegrityError, match="does not balance with its account"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO accounts_ledgerentry"
            " (transaction_id, account_id, amount, balance_after, chain_hash, created_at)"
            " VALUES (%s, %s, 5, 5, %s, now()), (%s, %s, -5, -5, %s, now())",
            [txn.pk, one.pk, b"x" * 32, txn.pk, two.pk, b"y" * 32],
        )
    one.refresh_from_db()
    assert one.balance == 0


def test_checkpoint_changelist_loads_with_search_and_filters(admin_client, user):
    wallet = fund(user, "5.00")
    services.ledger_verify(checkpoint=True)

    page = admin_client.get(
        "/admin/accounts/ledgerchaincheckpoint/", {"q": wallet.key, "account__kind": "wallet"}
    )

    assert page.status_code == 200
    assert bytes(wallet.head_hash).hex() in page.content.decode()
    assert admin_client.get("/admin/accounts/ledgerchaincheckpoint/add/").status_code == 403
