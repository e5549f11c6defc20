"""The audit trail is append-only in the database itself.

PostgreSQL: a trigger refuses every UPDATE and DELETE of an audit event, from
any client, the admin and the shell included. SQLite: UPDATE is refused the
same way; DELETE is left to the model and the admin, because the test
database's flush deletes rows there (PostgreSQL's flush truncates, which row
triggers do not see), as for ledger entries (accounts 0003).
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION staff_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER staff_auditevent_append_only
        BEFORE UPDATE OR DELETE ON staff_auditevent
        FOR EACH ROW EXECUTE FUNCTION staff_auditevent_append_only();
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS staff_auditevent_append_only ON staff_auditevent;",
    "DROP FUNCTION IF EXISTS staff_auditevent_append_only();",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER IF NOT EXISTS staff_auditevent_no_update
    BEFORE UPDATE ON staff_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused');
    END;
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS staff_auditevent_no_update;"]


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
    dependencies = [("staff", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
