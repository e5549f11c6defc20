"""Django's Redis cache, keeping one client object per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every
cache call (the connection pool is shared, but each client object sets up ~170
response callbacks first). The throttles, the sign-in lockout and the
idempotency locks make several cache calls per request, so that was measurable
on every API request (docs/benchmarks.md). `redis.Redis` objects are
thread-safe and the pool is what holds the connections, so one client per pool
behaves exactly the same.

    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL}}
"""

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
