"""Send to a channel-layer group from sync code (views, services, tasks).

`async_to_sync(layer.group_send)` from a thread with no event loop runs a fresh
loop for every call, and the Redis layers keep their connections per loop: each
broadcast opened a new Redis connection (connect, handshake, CLIENT SETINFO),
about 3 ms of a donation's ~10 ms (docs/benchmarks.md). With a Redis layer the
sends go instead to one long-lived loop on a daemon thread per process, whose
connection stays open; the caller still waits for the send to finish, so
errors reach it and the order of a process's broadcasts is kept.

Other layers (the in-memory one of development and tests) keep
`async_to_sync`, which runs the send on the caller's outer loop when there is
one: the in-memory layer's queues must be used from the loop that reads them.
"""

import asyncio
import os
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from config.cache import shared_cache

SEND_TIMEOUT_SECONDS = 5.0

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def _uses_own_connections(layer: Any) -> bool:
    return type(layer).__module__.startswith("channels_redis.")


def _background_loop() -> asyncio.AbstractEventLoop:
    """This process's sending loop, started on first use (and again in a forked
    child, where the parent's thread does not exist)."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="channel-layer-sender", daemon=True
            ).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def group_send(group: str, message: dict[str, Any]) -> None:
    """Send `message` to everyone in `group`; no-op without a channel layer.
    Raises what the layer raises (or TimeoutError after SEND_TIMEOUT_SECONDS)."""
    layer = get_channel_layer()
    if layer is None:
        return
    if not _uses_own_connections(layer):
        async_to_sync(layer.group_send)(group, message)
        return
    # The layer shares Redis with the cache: while the cache knows Redis is down
    # (config/cache.py), do not wait SEND_TIMEOUT_SECONDS per broadcast to learn it.
    redis_cache = shared_cache()
    if redis_cache is not None and not redis_cache.available():
        raise ConnectionError("Redis does not answer; broadcast skipped")
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _background_loop())
    try:
        future.result(timeout=SEND_TIMEOUT_SECONDS)
    except TimeoutError as exc:
        future.cancel()
        if redis_cache is not None:
            redis_cache.mark_down(exc)
        raise
    except OSError as exc:
        if redis_cache is not None:
            redis_cache.mark_down(exc)
        raise
