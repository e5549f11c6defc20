"""Content negotiation with the answer for the usual Accept headers known up front.

Every view renders JSON with one renderer. DRF still parses the Accept header
into media types and ranks them on every request; for the headers nearly every
client sends (none, `*/*`, `application/json`) the outcome is fixed: that
renderer, as `application/json`. Those are answered at once; any other header,
a `?format=` or a format suffix goes through DRF's negotiation (so `Accept:
text/html` is still a 406, `application/json; indent=4` still indents).
"""

from rest_framework.negotiation import DefaultContentNegotiation

_SETTLED_ACCEPT = frozenset({None, "*/*", "application/json"})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            len(renderers) == 1
            and renderers[0].media_type == "application/json"
            and not format_suffix
            and request.META.get("HTTP_ACCEPT") in _SETTLED_ACCEPT
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], "application/json"
        return super().select_renderer(request, renderers, format_suffix)
