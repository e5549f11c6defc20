"""Read replicas: which database a read goes to.

With `DATABASE_REPLICA_URLS` set, safe reads of a web request (GET and HEAD: lists,
details, pages) go to one of the streaming replicas, and everything else to the
primary (`default`):

- every write, and every read inside a transaction (`atomic`, `select_for_update`,
  the reads a service makes before it writes): a replica may lag, so a decision
  taken on what it says could be taken on old data;
- every read outside a web request (tasks, management commands, websockets);
- every read of a user who wrote in the last `REPLICA_STICKY_SECONDS` (default 5):
  read-your-writes. Any unsafe request (POST, PUT, PATCH, DELETE) sets a marker
  for its user in the cache (shared by every process) and a cookie on its client;
  while either is present that user's GETs read the primary, so a donor who has
  just given sees the gift, whatever the replica's lag. Other people see it once
  the replica has replayed it (normally well under a second).

Without replicas neither the router nor the middleware is installed (settings),
so nothing here costs anything.
"""

import base64
import contextvars
import json
import random

from django.conf import settings
from django.core.cache import cache
from django.db import connections

STICKY_COOKIE = "ose_rw"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The replica alias the current request may read from; None: read the primary.
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ose_replica_read_alias", default=None
)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


def _marker_key(user_id: str) -> str:
    return f"rw:{user_id}"


def mark_wrote(user_id) -> None:
    """Pin this user's reads to the primary for REPLICA_STICKY_SECONDS."""
    if user_id:
        cache.set(_marker_key(str(user_id)), 1, settings.REPLICA_STICKY_SECONDS)


def _bearer_user_id(request) -> str | None:
    """The user id a bearer token names, read without checking its signature: it
    only chooses where this request reads from (a forged token can at worst
    read its own request from the primary); authentication checks it properly."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    parts = header[7:].split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    claim = settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id")
    user_id = payload.get(claim) if isinstance(payload, dict) else None
    return str(user_id) if user_id else None


def _request_user_id(request) -> str | None:
    bearer = _bearer_user_id(request)
    if bearer:
        return bearer
    session = getattr(request, "session", None)
    if session is not None:
        user_id = session.get("_auth_user_id")
        if user_id:
            return str(user_id)
    return None


def _may_read_replica(request) -> bool:
    if request.method not in _SAFE_METHODS or request.COOKIES.get(STICKY_COOKIE):
        return False
    user_id = _request_user_id(request)
    return not (user_id and cache.get(_marker_key(user_id)))


class ReplicaRoutingMiddleware:
    """Chooses, per request, whether its reads may go to a replica, and marks the
    user (cache) and the client (cookie) after any unsafe request. Installed after
    the session and authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        aliases = replica_aliases()
        alias = random.choice(aliases) if aliases and _may_read_replica(request) else None  # noqa: S311
        token = _read_alias.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(token)
        if request.method not in _SAFE_METHODS:
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            mark_wrote(user_id or _request_user_id(request))
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=settings.REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=not settings.DEBUG,
            )
        return response


class ReplicaRouter:
    """Reads to the request's replica when the middleware allowed one and no
    transaction is open on the primary; writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        alias = _read_alias.get()
        if alias is None or connections["default"].in_atomic_block:
            return "default"
        return alias

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
