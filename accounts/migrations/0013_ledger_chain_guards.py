"""The ledger's hash chains, and the guards that move from Python into PostgreSQL.

- Existing entries get their chain hashes (oldest first, account by account),
  accounts their chain heads, transactions theirs.
- PostgreSQL:
  * `accounts_ledger_link`: one chain link, as accounts/chain.py computes it;
  * the deferred check at COMMIT now also refuses a transaction whose legs are
    in more than one currency, and fills the chain hash of a transaction
    written without one (the ORM);
  * BEFORE INSERT on entries: an entry that comes with its chain hash (from
    `ledger_post`) must match its account's balance and chain head, which the
    posting moved in the same transaction; an entry without one (the ORM, raw
    SQL) moves the account itself: balance, `balance_after` and chain head are
    set here, so no write path leaves them stale;
  * `accounts_ledger_post`: a whole posting in one round trip (lock in key
    order, overdraft check, balances and chain heads, transaction, entries,
    audit event), called by accounts.services.ledger on PostgreSQL.
- SQLite keeps the Python path (`ledger_post`'s own writes).
"""

import hashlib

from django.db import migrations

LINK_SQL = """
CREATE OR REPLACE FUNCTION accounts_ledger_link(
    prev bytea, txn uuid, account uuid, amount numeric, after numeric,
    kind text, reference text, memo text
) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(prev || convert_to(
        txn::text || '|' || account::text || '|' || amount::text || '|' || after::text
        || '|' || kind || '|' || length(reference)::text || ':' || reference || '|' || memo,
        'UTF8'))
$$;
"""

CHECK_SQL = """
CREATE OR REPLACE FUNCTION accounts_ledger_transaction_balanced() RETURNS trigger AS $$
DECLARE
    total numeric;
    currencies integer;
    hash bytea;
BEGIN
    SELECT COALESCE(SUM(e.amount), 0), COUNT(DISTINCT a.currency),
           sha256(string_agg(e.chain_hash, ''::bytea ORDER BY e.account_id))
      INTO total, currencies, hash
      FROM accounts_ledgerentry e JOIN accounts_ledgeraccount a ON a.id = e.account_id
     WHERE e.transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to %',
            NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    IF currencies > 1 THEN
        RAISE EXCEPTION 'ledger transaction % mixes % currencies: one currency per transaction',
            NEW.transaction_id, currencies
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE accounts_ledgertransaction SET chain_hash = hash
     WHERE id = NEW.transaction_id AND chain_hash IS NULL;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

OLD_CHECK_SQL = """
CREATE OR REPLACE FUNCTION accounts_ledger_transaction_balanced() RETURNS trigger AS $$
DECLARE
    total numeric;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO total
      FROM accounts_ledgerentry WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its entries sum to %',
            NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

ENTRY_SQL = """
CREATE OR REPLACE FUNCTION accounts_ledger_entry_moves_account() RETURNS trigger AS $$
DECLARE
    acc_balance numeric;
    acc_head bytea;
    t_kind text;
    t_reference text;
    t_memo text;
BEGIN
    IF NEW.chain_hash IS NOT NULL THEN
        SELECT balance, head_hash INTO acc_balance, acc_head
          FROM accounts_ledgeraccount WHERE id = NEW.account_id;
        IF acc_balance IS DISTINCT FROM NEW.balance_after
           OR acc_head IS DISTINCT FROM NEW.chain_hash THEN
            RAISE EXCEPTION 'ledger entry for account % does not balance with its account: '
                'balance_after % and its chain hash must be the balance and chain head '
                'the same transaction gave the account (it has %)',
                NEW.account_id, NEW.balance_after, acc_balance
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    SELECT kind, reference, memo INTO t_kind, t_reference, t_memo
      FROM accounts_ledgertransaction WHERE id = NEW.transaction_id;
    UPDATE accounts_ledgeraccount
       SET balance = balance + NEW.amount,
           head_hash = accounts_ledger_link(head_hash, NEW.transaction_id, id, NEW.amount,
                                            balance + NEW.amount, t_kind, t_reference, t_memo)
     WHERE id = NEW.account_id
    RETURNING balance, head_hash INTO NEW.balance_after, NEW.chain_hash;
    -- The entry's id is taken now, under the account's row lock, so an account's
    -- entries in id order are its chain's order.
    NEW.id := nextval(pg_get_serial_sequence('accounts_ledgerentry', 'id'));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

ENTRY_TRIGGER_SQL = """
CREATE TRIGGER accounts_ledgerentry_moves_account
    BEFORE INSERT ON accounts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION accounts_ledger_entry_moves_account();
"""

POST_SQL = """
CREATE OR REPLACE FUNCTION accounts_ledger_post(
    p_txn uuid, p_kind text, p_reference text, p_memo text, p_created_by uuid,
    p_reverses uuid, p_at timestamptz,
    p_accounts uuid[], p_amounts numeric[], p_lock_order integer[], p_non_negative text[],
    p_action text, p_request_id text, p_client inet, p_changes jsonb,
    p_no_outflow text[]
) RETURNS TABLE (refused integer, available numeric, balances numeric[], txn_hash bytea)
LANGUAGE plpgsql AS $$
DECLARE
    n integer := array_length(p_accounts, 1);
    i integer;
    b numeric;
    k text;
    h bytea;
    prior numeric[] := '{}';
    kinds text[] := '{}';
    bals numeric[] := '{}';
    heads bytea[] := '{}';
    all_heads bytea := ''::bytea;
BEGIN
    -- Lock every account in key order (two postings over the same accounts
    -- queue instead of deadlocking), then check the legs in their own order.
    FOREACH i IN ARRAY p_lock_order LOOP
        SELECT a.balance, a.kind INTO b, k
          FROM accounts_ledgeraccount a WHERE a.id = p_accounts[i] FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger account % does not exist', p_accounts[i]
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        prior[i] := b;
        kinds[i] := k;
    END LOOP;
    FOR i IN 1..n LOOP
        IF p_amounts[i] < 0 AND kinds[i] = ANY (p_no_outflow) THEN
            -- A zakat fund pays out only as a zakat disbursement: refused (-leg).
            RETURN QUERY SELECT -i, prior[i], NULL::numeric[], NULL::bytea;
            RETURN;
        END IF;
        IF prior[i] + p_amounts[i] < 0 AND kinds[i] = ANY (p_non_negative) THEN
            -- Refused before anything is written: the caller's transaction stays usable.
            RETURN QUERY SELECT i, prior[i], NULL::numeric[], NULL::bytea;
            RETURN;
        END IF;
    END LOOP;
    FOREACH i IN ARRAY p_lock_order LOOP
        UPDATE accounts_ledgeraccount a
           SET balance = a.balance + p_amounts[i],
               head_hash = accounts_ledger_link(a.head_hash, p_txn, a.id, p_amounts[i],
                                                a.balance + p_amounts[i], p_kind, p_reference, p_memo)
         WHERE a.id = p_accounts[i]
        RETURNING a.balance, a.head_hash INTO b, h;
        bals[i] := b;
        heads[i] := h;
        all_heads := all_heads || h;
    END LOOP;
    INSERT INTO accounts_ledgertransaction
        (id, kind, reference, memo, created_by_id, reverses_id, created_at, chain_hash)
        VALUES (p_txn, p_kind, p_reference, p_memo, p_created_by, p_reverses, p_at,
                sha256(all_heads));
    INSERT INTO accounts_ledgerentry
        (transaction_id, account_id, amount, balance_after, chain_hash, created_at)
        SELECT p_txn, u.account, u.amount, u.after, u.head, p_at
          FROM unnest(p_accounts, p_amounts, bals, heads) WITH ORDINALITY
               AS u(account, amount, after, head, leg)
         ORDER BY u.leg;
    INSERT INTO staff_auditevent
        (at, actor_id, action, subject_type, subject_id, request_id, client_address, changes, reason)
        VALUES (p_at, p_created_by, p_action, 'accounts.ledgertransaction', p_txn::text,
                p_request_id, p_client, p_changes, p_memo);
    RETURN QUERY SELECT 0, NULL::numeric, bals, sha256(all_heads);
END;
$$;
"""

PG_FORWARD = [LINK_SQL, CHECK_SQL, ENTRY_SQL, ENTRY_TRIGGER_SQL, POST_SQL]
PG_BACKWARD = [
    "DROP FUNCTION IF EXISTS accounts_ledger_post(uuid, text, text, text, uuid, uuid, "
    "timestamptz, uuid[], numeric[], integer[], text[], text, text, inet, jsonb, text[]);",
    "DROP TRIGGER IF EXISTS accounts_ledgerentry_moves_account ON accounts_ledgerentry;",
    "DROP FUNCTION IF EXISTS accounts_ledger_entry_moves_account();",
    OLD_CHECK_SQL,
    "DROP FUNCTION IF EXISTS accounts_ledger_link(bytea, uuid, uuid, numeric, numeric, text, text, text);",
]

SQLITE_IMMUTABLE = """
CREATE TRIGGER IF NOT EXISTS accounts_ledgerentry_immutable
BEFORE UPDATE ON accounts_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are never changed; post a reversal');
END;
"""


def _link(prev, txn, account, amount, after, kind, reference, memo) -> bytes:
    # A frozen copy of accounts.chain.link: migrations do not import app code.
    text = f"{txn}|{account}|{amount}|{after}|{kind}|{len(reference)}:{reference}|{memo}"
    return hashlib.sha256(bytes(prev) + text.encode()).digest()


def backfill(apps, schema_editor):
    """Chain the entries already there, oldest first, account by account."""
    Account = apps.get_model("accounts", "LedgerAccount")
    Entry = apps.get_model("accounts", "LedgerEntry")
    Txn = apps.get_model("accounts", "LedgerTransaction")
    if not Entry.objects.exists():
        return
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE accounts_ledgerentry DISABLE TRIGGER accounts_ledgerentry_immutable"
        )
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS accounts_ledgerentry_immutable")
    txns = {t.pk: t for t in Txn.objects.only("kind", "reference", "memo")}
    by_txn: dict = {}
    for account in Account.objects.all():
        head = b""
        for entry in Entry.objects.filter(account=account).order_by("id"):
            t = txns[entry.transaction_id]
            head = _link(
                head, t.pk, account.pk, entry.amount, entry.balance_after,
                t.kind, t.reference, t.memo,
            )  # fmt: skip
            Entry.objects.filter(pk=entry.pk).update(chain_hash=head)
            by_txn.setdefault(t.pk, []).append((account.pk, head))
        Account.objects.filter(pk=account.pk).update(head_hash=head)
    for txn_id, heads in by_txn.items():
        digest = hashlib.sha256(b"".join(h for _, h in sorted(heads))).digest()
        Txn.objects.filter(pk=txn_id).update(chain_hash=digest)
    if vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE accounts_ledgerentry ENABLE TRIGGER accounts_ledgerentry_immutable"
        )
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_IMMUTABLE)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        # 0012 rebuilt the entries table (SQLite alters by copying), dropping its trigger.
        schema_editor.execute(SQLITE_IMMUTABLE)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0012_ledger_chain"), ("staff", "0002_audit_append_only")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(forward, backward),
    ]
