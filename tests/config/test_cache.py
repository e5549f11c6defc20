"""config.cache.RedisCache: Django's Redis cache with one client per pool."""

import pytest
from django.core.cache import caches

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_cache(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis does not answer at {REDIS_URL} ({exc})")
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL},
    }
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_one_client_object_serves_every_call(redis_cache):
    client = redis_cache._cache.get_client(write=True)

    assert redis_cache._cache.get_client() is client
    assert redis_cache._cache.get_client("any-key", write=True) is client


def test_it_behaves_as_djangos_redis_cache(redis_cache):
    redis_cache.set("greeting", {"text": "salaam"}, timeout=30)
    assert redis_cache.add("greeting", "other") is False
    assert redis_cache.get("greeting") == {"text": "salaam"}
    redis_cache.set("hits", 0)
    assert redis_cache.incr("hits") == 1
    redis_cache.delete("greeting")
    assert redis_cache.get("greeting", "gone") == "gone"
