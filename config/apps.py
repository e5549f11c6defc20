from django.apps import AppConfig, apps

PROJECT_APPS = ("config", "accounts", "zakat", "campaigns", "loans", "staff")


def refuse_control_characters_in_model_charfields() -> None:
    """Every CharField of the project's models refuses control characters
    (config.validators). Added to the field's resolved validators, not its
    declared ones, so migrations do not change."""
    from django.db import models

    from config.validators import MULTILINE_FIELD_NAMES, multi_line, single_line

    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, models.CharField):
                    continue
                rule = multi_line if field.name in MULTILINE_FIELD_NAMES else single_line
                if rule not in field.validators:
                    field.__dict__["validators"] = [*field.validators, rule]


class ConfigConfig(AppConfig):
    """Holds the site-wide templates tags, management commands and system checks."""

    name = "config"
    verbose_name = "Platform"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the system checks
        from config.taskqueue import connect_task_signals

        connect_task_signals()

        refuse_control_characters_in_model_charfields()
