"""Receipt numbers are issued after a donation commits, no longer inside it: the
column may be empty for a moment. Each donation also records when its receipt
e-mail went, so one task mails every receipt still waiting.

Donations made before this migration count as mailed, except those whose receipt
task is still queued: those are mailed by the new task."""

import json

from django.db import migrations, models

TASK_TABLE = "django_tasks_database_dbtaskresult"
RECEIPT_TASK = "campaigns.tasks.send_donation_receipt"


def _queued_receipts(schema_editor) -> set[str]:
    connection = schema_editor.connection
    if TASK_TABLE not in connection.introspection.table_names():
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT args_kwargs FROM {TASK_TABLE} "  # noqa: S608 - a constant name
            "WHERE task_path = %s AND status IN ('READY', 'RUNNING')",
            [RECEIPT_TASK],
        )
        rows = cursor.fetchall()
    queued = set()
    for (value,) in rows:
        data = json.loads(value) if isinstance(value, str) else value
        queued.update(str(arg) for arg in (data or {}).get("args", [])[:1])
    return queued


def mark_mailed(apps, schema_editor):
    Donation = apps.get_model("campaigns", "Donation")
    queued = _queued_receipts(schema_editor)
    Donation.objects.filter(receipt_sent_at__isnull=True).exclude(pk__in=queued).update(
        receipt_sent_at=models.F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0005_cover_and_updates"),
    ]

    operations = [
        migrations.AddField(
            model_name="donation",
            name="receipt_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="donation",
            name="receipt_number",
            field=models.PositiveIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.RunPython(mark_mailed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="donation",
            index=models.Index(
                condition=models.Q(("receipt_number__isnull", True)),
                fields=["created_at", "id"],
                name="campaigns_donation_unnumbered",
            ),
        ),
        migrations.AddIndex(
            model_name="donation",
            index=models.Index(
                condition=models.Q(("receipt_sent_at__isnull", True)),
                fields=["receipt_number"],
                name="campaigns_donation_unsent",
            ),
        ),
    ]
