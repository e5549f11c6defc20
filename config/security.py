"""Sign-in protection (django-axes) and the one rule for a client's address."""

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.api.exceptions import error_json
from config.cache import shared_cache

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


class LockoutHandler(AbstractAxesHandler, AxesBaseHandler):
    """Where sign-in failures are counted (AXES_HANDLER): in Redis when the cache
    is Redis and it answers, else in the database (AccessAttempt rows).

    A per-process memory cache would split the count per process (and axes warns,
    axes.W001), so without Redis the database counts. With Redis, a Redis that is
    down or hung must not switch the lockout off: while it does not answer the
    database counts, so the sixth failure in a row still locks the pair out."""

    def __init__(self) -> None:
        from axes.handlers.cache import AxesCacheHandler
        from axes.handlers.database import AxesDatabaseHandler

        self._database = AxesDatabaseHandler()
        self._cache = AxesCacheHandler()

    def _current(self) -> AbstractAxesHandler:
        redis_cache = shared_cache(getattr(settings, "AXES_CACHE", "default"))
        if redis_cache is not None and redis_cache.healthy():
            self._cache.cache = redis_cache
            return self._cache
        return self._database

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        return self._current().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        return self._current().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        return self._current().user_logged_out(sender, request, user, **kwargs)

    def get_failures(self, request, credentials: dict | None = None) -> int:
        return self._current().get_failures(request, credentials)

    def reset_attempts(self, **kwargs) -> int:
        # Both stores: a lockout counted during an outage is lifted too.
        count = self._database.reset_attempts(**kwargs)
        current = self._current()
        if current is self._cache:
            count += current.reset_attempts(**kwargs)
        return count

    def reset_logs(self, **kwargs) -> int:
        return self._database.reset_logs(**kwargs)

    def reset_failure_logs(self, **kwargs) -> int:
        return self._database.reset_failure_logs(**kwargs)

    def remove_out_of_limit_failure_logs(self, **kwargs) -> int:
        return self._database.remove_out_of_limit_failure_logs(**kwargs)

    def post_save_access_attempt(self, instance, **kwargs) -> None:
        self._database.post_save_access_attempt(instance, **kwargs)

    def post_delete_access_attempt(self, instance, **kwargs) -> None:
        self._database.post_delete_access_attempt(instance, **kwargs)
