"""Rate limits: anonymous callers per client address, signed-in callers per user.

Every limit is a sliding window of request times, DRF's rule: refused once the
window holds `num` requests, Retry-After from the oldest one. What DRF does as
a cache read and a later cache write (two requests at once both read 99 and
both get in: 150 concurrent requests let 111 through a limit of 100) is one
atomic step here:

- with Redis (config.cache.RedisCache), one Lua script per request checks and
  records every window of the request at once, in a sorted set per window;
- without Redis, or while it does not answer, a per-process limiter under a
  lock: exact within the process, per process across processes (a warning is
  logged when a Redis outage forces it; config/gunicorn.py refuses to start
  several workers without Redis at all).

Rates are read on every request (not frozen at import like DRF's class
attribute), so settings and tests can change them.
"""

import logging
import threading
import time
import uuid
from typing import Any

from django.core.cache import cache as default_cache
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from config.cache import shared_cache

logger = logging.getLogger(__name__)

# KEYS: one sorted set per window. ARGV: now, a unique member, then (limit,
# duration) per key. Returns 0 when recorded, else the seconds to wait (> 0).
_SLIDING_WINDOWS = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i + 1])
  local duration = tonumber(ARGV[2 * i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
    local this_wait = duration - (now - tonumber(oldest))
    if this_wait > wait then wait = this_wait end
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('EXPIRE', key, math.ceil(tonumber(ARGV[2 * i + 2])))
end
return '0'
"""

_local_lock = threading.Lock()
_warned_local = threading.Event()


def _parse_rate(rate: str) -> tuple[int, int]:
    return SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]


def _hit_redis(redis_cache: Any, windows: dict[str, tuple[int, int]], now: float) -> float:
    client = redis_cache.client()
    script = getattr(redis_cache, "_throttle_script", None)
    if script is None:
        script = redis_cache._throttle_script = client.register_script(_SLIDING_WINDOWS)
    keys = [redis_cache.make_and_validate_key(key) for key in windows]
    args: list[Any] = [repr(now), uuid.uuid4().hex]
    for num, duration in windows.values():
        args += [num, duration]
    wait = float(script(keys=keys, args=args, client=client))
    redis_cache.mark_up()
    _warned_local.clear()
    return wait


def _hit_local(store: Any, windows: dict[str, tuple[int, int]], now: float) -> float:
    """The same rule in this process's memory, read and written under one lock."""
    with _local_lock:
        stored = store.get_many(list(windows))
        wait = 0.0
        updated = {}
        for key, (num, duration) in windows.items():
            history = [t for t in stored.get(key, []) if t > now - duration]
            if len(history) >= num:
                wait = max(wait, duration - (now - history[-1]))
            updated[key] = [now, *history]
        if wait > 0:
            return wait
        store.set_many(updated, max(duration for _num, duration in windows.values()))
        return 0.0


def _fallback_store(redis_cache: Any) -> Any:
    """This process's memory, standing in for one Redis cache while it is down."""
    from django.core.cache.backends.locmem import LocMemCache

    store = getattr(redis_cache, "_throttle_fallback", None)
    if store is None:
        store = redis_cache._throttle_fallback = LocMemCache(
            f"throttle-fallback-{id(redis_cache)}", {"OPTIONS": {"MAX_ENTRIES": 100_000}}
        )
    return store


def rate(scope: str) -> tuple[int, int]:
    """(limit, seconds) of a scope of DEFAULT_THROTTLE_RATES (THROTTLE_* settings)."""
    return _parse_rate(api_settings.DEFAULT_THROTTLE_RATES[scope])


def throttle_hit(windows: dict[str, tuple[int, int]], *, now: float | None = None) -> float:
    """Record one request in every window (key: (limit, seconds)) if all have
    room; returns 0.0 when let through, else the seconds until it would be."""
    if not windows:
        return 0.0
    now = time.time() if now is None else now
    redis_cache = shared_cache()
    if redis_cache is None:
        return _hit_local(default_cache, windows, now)
    if redis_cache.available():
        try:
            return _hit_redis(redis_cache, windows, now)
        except RedisError as exc:
            redis_cache.mark_down(exc)
    if not _warned_local.is_set():
        _warned_local.set()
        logger.warning("Rate limits are per process while Redis does not answer")
    return _hit_local(_fallback_store(redis_cache), windows, now)


class WindowThrottle(BaseThrottle):
    """A DRF throttle over `throttle_hit`: `windows(request)` names the windows
    (cache key → rate scope) this request counts in; an empty dict exempts it."""

    cache_format = "throttle_%(scope)s_%(ident)s"

    def timer(self) -> float:
        # Looked up at call time, so a patched clock in tests applies.
        return time.time()

    def rate_windows(self, request, view) -> dict[str, str]:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        windows = {}
        for key, scope in self.rate_windows(request, view).items():
            rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
            if rate:
                windows[key] = _parse_rate(rate)
        self.wait_seconds = throttle_hit(windows, now=self.timer())
        return self.wait_seconds <= 0

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None) or None

    def key(self, scope: str, ident: Any) -> str:
        return self.cache_format % {"scope": scope, "ident": ident}


class AnonThrottle(WindowThrottle):
    """Anonymous callers, per client address (`anon`)."""

    scope = "anon"

    def rate_windows(self, request, view) -> dict[str, str]:
        if request.user and request.user.is_authenticated:
            return {}
        return {self.key(self.scope, self.get_ident(request)): self.scope}


class UserThrottle(WindowThrottle):
    """Signed-in callers, per user, in two windows at once: `user_burst` (per
    minute) and `user_sustained` (per hour), checked and recorded in one step."""

    scopes = ("user_burst", "user_sustained")

    def rate_windows(self, request, view) -> dict[str, str]:
        if not (request.user and request.user.is_authenticated):
            return {}  # anonymous callers are AnonThrottle's
        return {self.key(scope, request.user.pk): scope for scope in self.scopes}
