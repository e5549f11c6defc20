from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GivingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "giving"
    verbose_name = _("Giving")

    def ready(self) -> None:
        from giving.services import register_top_up_listener

        register_top_up_listener()
