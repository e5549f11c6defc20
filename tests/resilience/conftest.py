"""Redis in every state an attack review found: answering, refusing connections
(a closed local port) and accepting connections that never answer."""

import contextlib
import socket
import threading

import pytest
from django.core.cache import caches

LIVE_REDIS_URL = "redis://127.0.0.1:6379/7"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on leaving: connections are refused


@contextlib.contextmanager
def silent_listener():
    """A server that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()


def use_redis(settings, url: str) -> None:
    settings.REDIS_URL = url
    # Only the default cache moves; the pages' fragment cache ("templates") stays.
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": url},
    }


@pytest.fixture(params=["refused", "silent"])
def broken_redis(request, settings):
    """REDIS_URL points at a Redis that is down (refused) or hung (silent)."""
    if request.param == "refused":
        use_redis(settings, f"redis://127.0.0.1:{_closed_port()}/0")
        yield request.param
    else:
        with silent_listener() as port:
            use_redis(settings, f"redis://127.0.0.1:{port}/0")
            yield request.param


@pytest.fixture
def live_redis(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(LIVE_REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {LIVE_REDIS_URL} (CI has it): {exc}")
    use_redis(settings, LIVE_REDIS_URL)
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()
