from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Holds the site-wide templates tags, management commands and system checks."""

    name = "config"
    verbose_name = "Platform"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the system checks
