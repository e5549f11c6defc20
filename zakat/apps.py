from django.apps import AppConfig


class ZakatConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "zakat"
