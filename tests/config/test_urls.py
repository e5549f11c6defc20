"""The API's routes are tried first (config/urls.py): safe only while no other
route can match a path under /api/."""

from django.urls import URLResolver, get_resolver, resolve


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == "api/":
                continue
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def test_no_other_route_can_match_a_path_under_api():
    for route in _routes(get_resolver("config.urls").url_patterns):
        literal = route.split("<")[0]  # what the route's path starts with, for sure
        assert not route.startswith("^"), route  # a regex route could match anything
        assert not literal.startswith("api/"), route
        assert route == "" or not "api/".startswith(literal), route


def test_the_api_is_tried_first():
    assert str(get_resolver("config.urls").url_patterns[0].pattern) == "api/"
    assert resolve("/api/v1/campaigns", urlconf="config.urls").view_name == "api:v1:campaigns"
    assert resolve("/campaigns/", urlconf="config.urls").view_name == "campaigns:list"
