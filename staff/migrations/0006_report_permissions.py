"""Give finance and auditors the ledger reports, and finance, loan officers and
auditors the portfolio report (staff/roles.py is the table; roles_sync only adds)."""

from django.db import migrations


def forward(apps, schema_editor):
    from staff.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [("staff", "0005_set_fitr_rate")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
