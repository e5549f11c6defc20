"""Give finance and zakat officers the new staff.set_fitr_rate permission
(staff/roles.py is the table; roles_sync only ever adds)."""

from django.db import migrations


def forward(apps, schema_editor):
    from staff.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [("staff", "0004_mfa_reset")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
