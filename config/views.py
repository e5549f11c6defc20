"""Site-wide pages: the home page and the error pages.

Under /api/ the error pages are the API's JSON envelope instead of HTML, so an
integrator never receives an HTML error, whatever failed and wherever.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from config.api.exceptions import error_json

RECENT_GIFTS = 5


def home(request: HttpRequest) -> HttpResponse:
    from campaigns.selectors import campaign_featured

    context = {"active_campaigns": campaign_featured(limit=3)}
    if request.user.is_authenticated:
        context["dashboard"] = _dashboard(request.user)
    return render(request, "home.html", context)


def _dashboard(user) -> dict:
    """What a signed-in person sees first: their wallet, when their zakat falls
    due, their next loan or murabaha payment and their latest gifts. One query
    each, whatever they hold (tests/integration/test_query_budget.py)."""
    from django.utils import timezone

    from accounts import money
    from accounts.selectors import wallet_balance
    from campaigns.selectors import donation_list
    from loans.selectors import installment_next_due
    from zakat.selectors import hawl_for

    hawl = hawl_for(user=user)
    hawl_due, hawl_days = None, None
    if hawl is not None:
        try:
            hawl_due = hawl.next_due
        except ValueError:  # outside the Umm al-Qura table: no countdown
            hawl_due = None
        if hawl_due is not None:
            hawl_days = (hawl_due - timezone.localdate()).days
    return {
        "balance": wallet_balance(user=user),
        "currency": money.currency(),
        "hawl": hawl,
        "hawl_due": hawl_due,
        "hawl_days": hawl_days,
        "installment": installment_next_due(user=user),
        "gifts": list(donation_list(user=user, mine=True)[:RECENT_GIFTS]),
    }


def media(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded public media (campaign covers) in development, when SERVE_MEDIA is
    on (it follows DEBUG); in production the web server serves MEDIA_ROOT at
    MEDIA_URL (docs/deploy.md) and this answers 404."""
    if not settings.SERVE_MEDIA:
        raise Http404
    from django.views.static import serve

    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
