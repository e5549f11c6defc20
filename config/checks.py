"""System checks of the platform's own settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks


@checks.register("performance", deploy=True)
def postgresql_connection_per_request(app_configs, **kwargs) -> list[checks.CheckMessage]:
    # A new PostgreSQL connection costs more than most requests themselves: the
    # same views served 2-4x fewer requests that way (docs/deploy.md).
    return [
        checks.Warning(
            f"Database {alias!r} (PostgreSQL) opens a new connection for every request.",
            hint=(
                "Leave DB_POOL_MAX_SIZE unset (a psycopg pool in every process, the default "
                "with DEBUG off) or set it above 0, or set CONN_MAX_AGE; see docs/deploy.md."
            ),
            id="config.W001",
        )
        for alias, db in settings.DATABASES.items()
        if db["ENGINE"] == "django.db.backends.postgresql"
        and not db.get("OPTIONS", {}).get("pool")
        and db.get("CONN_MAX_AGE", 0) == 0  # None: kept forever
    ]


@checks.register("security", deploy=True)
def media_served_by_django(app_configs, **kwargs) -> list[checks.CheckMessage]:
    # Uploaded covers are served by the web server in production (docs/deploy.md):
    # Django's static view is slow, unshared between hosts and not made for it.
    if settings.SERVE_MEDIA and not settings.DEBUG:
        return [
            checks.Warning(
                "SERVE_MEDIA is on: Django serves uploaded media (campaign covers).",
                hint="Serve MEDIA_ROOT from the web server or a CDN and unset SERVE_MEDIA; "
                "see docs/deploy.md, 'Uploaded media'.",
                id="config.W002",
            )
        ]
    return []
