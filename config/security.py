"""Sign-in protection (django-axes) and the one rule for a client's address."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.api.exceptions import error_json

LOCKOUT_MESSAGE = "Too many failed sign-in attempts. Please wait 15 minutes and try again."


def client_ip(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or with NUM_PROXIES trusted proxies in
    front, the address the outermost of them saw. A client-sent X-Forwarded-For
    alone is never believed (the same rule as the API rate limits)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """The email being tried, normalised, from the API (email) or a form (username)."""
    from accounts.models import UserManager

    credentials = credentials or {}
    raw = (
        credentials.get("email")
        or credentials.get("username")
        or request.POST.get("username")
        or request.POST.get("email")
        or ""
    )
    return UserManager.normalize_email(str(raw))[:254]


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """Locked out: the same answer whether or not the account exists."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if request.path.startswith("/api/"):
        response = error_json(429, "throttled", LOCKOUT_MESSAGE)
    else:
        response = render(
            request, "registration/locked_out.html", {"message": LOCKOUT_MESSAGE}, status=429
        )
    response["Retry-After"] = str(seconds)
    return response
