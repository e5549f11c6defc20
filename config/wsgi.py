"""WSGI entry point: production HTTP (see README for the process layout)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _warm_up() -> None:
    """Import every view, serializer and template tag library now, not on the
    first request: gunicorn loads this module once in the master (preload_app)
    and forks workers that answer at once, after a SIGHUP too (docs/deploy.md,
    "Reloads"). Nothing here opens a database or Redis connection."""
    from django.template import engines
    from django.urls import get_resolver
    from rest_framework.settings import api_settings

    get_resolver()._populate()  # imports every URLconf and the views they name
    for name in ("DEFAULT_RENDERER_CLASSES", "DEFAULT_PARSER_CLASSES",
                 "DEFAULT_AUTHENTICATION_CLASSES", "DEFAULT_PERMISSION_CLASSES",
                 "DEFAULT_THROTTLE_CLASSES", "DEFAULT_PAGINATION_CLASS",
                 "DEFAULT_FILTER_BACKENDS", "EXCEPTION_HANDLER"):  # fmt: skip
        getattr(api_settings, name)
    for engine in engines.all():
        getattr(engine, "engine", None) and engine.engine.template_libraries


_warm_up()
