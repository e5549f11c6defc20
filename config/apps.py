from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Holds the site-wide templates tags and management commands."""

    name = "config"
    verbose_name = "Platform"
