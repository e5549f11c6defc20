"""Site-wide pages: the home page and the error pages.

Under /api/ the error pages are the API's JSON envelope instead of HTML, so an
integrator never receives an HTML error, whatever failed and wherever.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from config.api.exceptions import error_json


def home(request: HttpRequest) -> HttpResponse:
    from campaigns.selectors import campaign_featured

    return render(request, "home.html", {"active_campaigns": campaign_featured(limit=3)})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return error_json(400, "bad_request", _("The request was refused."))
    return _page(request, 400, _("Bad request"), _("We could not understand that request."))


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return error_json(403, "permission_denied", _("You do not have permission to do this."))
    return _page(request, 403, _("Not allowed"), _("You do not have permission to see this page."))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return error_json(404, "not_found", _("Not found."))
    return _page(request, 404, _("Page not found"), _("There is nothing at this address."))


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return error_json(
            500, "internal_error", _("Something went wrong on our side. Please try again.")
        )
    # No template tags that could fail again: a plain, self-contained page.
    return render(request, "500.html", status=500)
