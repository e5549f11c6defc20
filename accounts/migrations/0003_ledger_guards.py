"""Database guards for the ledger that constraints cannot express.

- Entries are immutable: UPDATE is refused on every database; DELETE is refused
  on PostgreSQL (SQLite's test-database flush deletes rows, PostgreSQL's
  truncates, which row triggers do not see).
- PostgreSQL: a transaction whose entries do not sum to zero cannot commit. A
  deferred constraint trigger checks each touched transaction at COMMIT, after
  all of its legs are in (the approach django-hordak takes).
"""

from django.db import migrations

PG_FORWARD = [
    """
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
    """,
    """
    CREATE CONSTRAINT TRIGGER accounts_ledgerentry_balanced
        AFTER INSERT OR UPDATE ON accounts_ledgerentry
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION accounts_ledger_transaction_balanced();
    """,
    """
    CREATE OR REPLACE FUNCTION accounts_ledger_entry_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger entries are never changed or deleted; post a reversal'
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER accounts_ledgerentry_immutable
        BEFORE UPDATE OR DELETE ON accounts_ledgerentry
        FOR EACH ROW EXECUTE FUNCTION accounts_ledger_entry_immutable();
    """,
]

PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_ledgerentry_immutable ON accounts_ledgerentry;",
    "DROP FUNCTION IF EXISTS accounts_ledger_entry_immutable();",
    "DROP TRIGGER IF EXISTS accounts_ledgerentry_balanced ON accounts_ledgerentry;",
    "DROP FUNCTION IF EXISTS accounts_ledger_transaction_balanced();",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER IF NOT EXISTS accounts_ledgerentry_immutable
    BEFORE UPDATE ON accounts_ledgerentry
    BEGIN
        SELECT RAISE(ABORT, 'ledger entries are never changed; post a reversal');
    END;
    """,
]

SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS accounts_ledgerentry_immutable;"]


def forward(apps, schema_editor):
    statements = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    statements = {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_ledger")]

    operations = [migrations.RunPython(forward, backward)]
