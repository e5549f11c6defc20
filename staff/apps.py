from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, using="default", **kwargs) -> None:
    """After every migrate (and every test-database flush), the role groups hold
    every permission the table lists, the `view_*` ones Django has just made included."""
    from staff.roles import roles_sync

    roles_sync()


class StaffConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "staff"
    verbose_name = "Staff: roles, approvals, audit"

    def ready(self) -> None:
        from staff import checks  # noqa: F401 - registers the system checks
        from staff.services import mfa_resets, wallets

        wallets.register()
        mfa_resets.register()
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="staff.roles_sync")
