"""Django's Redis cache, made to degrade instead of failing the request.

Two changes to Django's `RedisCache`:

- One client object per connection pool. Django's `RedisCacheClient.get_client`
  builds a new `redis.Redis` for every cache call (the pool is shared, but each
  client object sets up ~170 response callbacks first); the throttles, the
  sign-in lockout and the sessions make several cache calls per request, so that
  was measurable on every request (docs/benchmarks.md). `redis.Redis` objects
  are thread-safe and the pool holds the connections, so this behaves the same.

- Redis is optional at run time. Short socket timeouts (REDIS_SOCKET_TIMEOUT,
  REDIS_CONNECT_TIMEOUT) and no retries bound what a dead or hung Redis costs;
  a failed call logs a warning, answers like a miss (get: the default, set: a
  no-op) and opens a breaker: for REDIS_RETRY_SECONDS every call is a miss
  without touching the network, then one call tries again. Sessions then come
  from the database (cached_db), the throttles fall back to a per-process
  limiter (config/api/throttling.py) and the sign-in lockout to the database
  (config.security.LockoutHandler); /api/v1/health/ready names Redis.

    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL}}
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends import redis as django_redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers: Any, **options: Any) -> None:
        options.setdefault("socket_timeout", settings.REDIS_SOCKET_TIMEOUT)
        options.setdefault("socket_connect_timeout", settings.REDIS_CONNECT_TIMEOUT)
        # redis-py retries three times with backoff by default: seconds per call
        # against a Redis that is down. One try; the breaker handles the rest.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_ok = 0.0

    # --- the breaker --------------------------------------------------------------
    def available(self) -> bool:
        """False while the breaker is open (a call failed less than
        REDIS_RETRY_SECONDS ago)."""
        return time.monotonic() >= self._down_until

    def mark_down(self, exc: BaseException) -> None:
        with self._lock:
            was_up = self.available()
            self._down_until = time.monotonic() + settings.REDIS_RETRY_SECONDS
        if was_up:
            logger.warning(
                "Redis did not answer (%s: %s); degrading for %ss: cache misses go to "
                "the database, rate limits are per process, lockout uses the database",
                type(exc).__name__,
                exc,
                settings.REDIS_RETRY_SECONDS,
            )

    def mark_up(self) -> None:
        self._last_ok = time.monotonic()

    def client(self) -> Any:
        """The raw redis-py client (raises RedisError; callers handle it)."""
        return self._cache.get_client(write=True)

    def ping(self) -> bool:
        """One PING, whatever the breaker says (the readiness check)."""
        try:
            self.client().ping()
        except RedisError as exc:
            self.mark_down(exc)
            return False
        self.mark_up()
        with self._lock:
            self._down_until = 0.0
        return True

    def healthy(self) -> bool:
        """Worth relying on now: the breaker is closed and Redis answered within
        the last second (else one PING decides)."""
        if not self.available():
            return False
        if time.monotonic() - self._last_ok < 1.0:
            return True
        return self.ping()

    def _guard(self, call: Callable[[], Any], default: Any) -> Any:
        if not self.available():
            return default
        try:
            result = call()
        except RedisError as exc:
            self.mark_down(exc)
            return default
        self.mark_up()
        return result

    # --- Django's cache API, each call degrading to a miss -------------------------
    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard(lambda: super(RedisCache, self).add(*args, **kwargs), False)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard(lambda: super(RedisCache, self).get(key, default, version), default)

    def set(self, *args: Any, **kwargs: Any) -> None:
        return self._guard(lambda: super(RedisCache, self).set(*args, **kwargs), None)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard(lambda: super(RedisCache, self).touch(*args, **kwargs), False)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard(lambda: super(RedisCache, self).delete(*args, **kwargs), False)

    def get_many(self, *args: Any, **kwargs: Any) -> dict:
        return self._guard(lambda: super(RedisCache, self).get_many(*args, **kwargs), {})

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard(lambda: super(RedisCache, self).has_key(*args, **kwargs), False)

    def set_many(self, *args: Any, **kwargs: Any) -> list:
        return self._guard(lambda: super(RedisCache, self).set_many(*args, **kwargs), [])

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return self._guard(lambda: super(RedisCache, self).delete_many(*args, **kwargs), None)

    def clear(self) -> bool:
        return self._guard(lambda: super(RedisCache, self).clear(), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        # A counter that cannot be read cannot be incremented: Django's ValueError.
        result = self._guard(lambda: super(RedisCache, self).incr(key, delta, version), None)
        if result is None:
            raise ValueError(f"Key '{key}' not found (or the cache is unavailable).")
        return result


def shared_cache(alias: str = "default") -> RedisCache | None:
    """The Redis cache behind `alias`, or None when that cache is per process."""
    cache = caches[alias]
    return cache if isinstance(cache, RedisCache) else None
