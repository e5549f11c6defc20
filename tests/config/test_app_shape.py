"""Every app keeps the shape docs/architecture.md describes.

These read the code and the URLconf, not the database: a new route that loads an
object by id without its `*_get_for` selector, a selector that reaches for the
web layer, or an api.py that grows back into documentation fails here.
"""

import ast
import inspect
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from config.api.moves import MoveView

ROOT = Path(settings.BASE_DIR)
DOMAIN_APPS = (
    "accounts", "zakat", "campaigns", "loans", "staff", "distribution", "payouts", "giving",
    "reports",
)  # fmt: skip
API_MAX_LINES = 450


def _routes(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def _own_routes_with_pk():
    """(route, view) for each of the project's routes that names one object by id."""
    for route, callback in _routes(get_resolver()):
        module = getattr(callback, "__module__", "")
        if module.split(".")[0] not in (*DOMAIN_APPS, "config"):
            continue  # Django's admin, auth views, the docs
        if "<uuid:pk>" in route:
            yield route, callback


def _view_source(callback) -> str:
    """The source of a route's view: its class (and the project's bases), or its function."""
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return inspect.getsource(inspect.unwrap(callback))
    parts = []
    for cls in view_class.__mro__:
        if cls.__module__.split(".")[0] in (*DOMAIN_APPS, "config"):
            parts.append(inspect.getsource(cls))
    return "\n".join(parts)


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_no_selector_imports_the_web_layer(app):
    path = ROOT / app / "selectors.py"
    tree = ast.parse(path.read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    web = {name for name in imported if name.startswith(("django.http", "rest_framework"))}
    assert not web, f"{app}/selectors.py imports {sorted(web)}"


def test_every_route_that_loads_an_object_uses_a_get_for_selector():
    offenders = []
    checked = 0
    for route, callback in _own_routes_with_pk():
        checked += 1
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if view_class is not None and issubclass(view_class, MoveView):
            if not view_class.selector.__name__.endswith("_get_for"):
                offenders.append(f"{route}: MoveView selector {view_class.selector.__name__}")
            continue
        if "_get_for(" not in _view_source(callback):
            offenders.append(route)
    assert checked > 20, "the URLconf walk found too few routes to mean anything"
    assert offenders == [], f"routes that load an object without a *_get_for selector: {offenders}"


@pytest.mark.parametrize(
    "app",
    ["zakat", "campaigns", "loans", "staff", "distribution", "payouts", "giving", "reports"],
)
def test_api_modules_read_as_handlers(app):
    lines = (ROOT / app / "api.py").read_text().count("\n")
    assert lines <= API_MAX_LINES, f"{app}/api.py has {lines} lines; its docs go in api_docs.py"
    assert "swagger_fake_view" not in (ROOT / app / "api.py").read_text()


def test_openapi_tags_are_the_declared_ones():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    used = {
        tag
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", [])
    }
    declared = {tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}
    assert used == declared
