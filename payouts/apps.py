from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payouts"

    def ready(self) -> None:
        from payouts import checks  # noqa: F401 - registers the system checks
        from payouts.services import register_approval_kinds, register_ledger_checks

        register_approval_kinds()
        register_ledger_checks()
