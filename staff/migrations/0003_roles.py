"""The six staff roles as groups, with the custom permissions of staff/roles.py.

The table is read from staff/roles.py (one source for the code and the
database). Model `view_*` permissions Django creates after the migrations run
are added by the same sync on post_migrate (staff/apps.py).
"""

from django.db import migrations


def forward(apps, schema_editor):
    from staff.roles import roles_sync

    roles_sync(apps)


def backward(apps, schema_editor):
    from staff.roles import PERMISSIONS, ROLE_NAMES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="staff", codename__in=list(PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_audit_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
