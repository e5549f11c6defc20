from django.apps import AppConfig


class DistributionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "distribution"
    verbose_name = "Zakat distribution"

    def ready(self) -> None:
        from distribution.services import register_approval_kinds

        register_approval_kinds()
