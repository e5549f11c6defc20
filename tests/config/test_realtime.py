"""config.realtime: broadcasts from sync code over a Redis channel layer keep
one connection per process instead of opening one per message."""

import asyncio
import os
import queue
import threading

import pytest

from config import realtime

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_layer(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis does not answer at {REDIS_URL} ({exc})")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    return redis.Redis.from_url(REDIS_URL)


def _subscriber(group: str, expected: int, ready: threading.Event, out: queue.Queue) -> None:
    """Listen on `group` with a layer of its own, in a loop of its own."""
    from channels_redis.pubsub import RedisPubSubChannelLayer

    async def listen() -> None:
        layer = RedisPubSubChannelLayer(hosts=[REDIS_URL])
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        ready.set()
        for _ in range(expected):
            out.put(await asyncio.wait_for(layer.receive(channel), timeout=10))
        await layer.flush()

    asyncio.run(listen())


def _connections_accepted(redis_client) -> int:
    return int(redis_client.info("stats")["total_connections_received"])


def test_sends_arrive_in_order_over_one_connection(redis_layer):
    received: queue.Queue = queue.Queue()
    ready = threading.Event()
    listener = threading.Thread(target=_subscriber, args=("watchers", 20, ready, received))
    listener.start()
    assert ready.wait(10)
    before = _connections_accepted(redis_layer)

    for n in range(20):
        realtime.group_send("watchers", {"type": "campaign.event", "payload": {"n": n}})

    listener.join(15)
    got = [received.get_nowait()["payload"]["n"] for _ in range(received.qsize())]
    assert got == list(range(20))
    # Twenty messages opened at most one new connection to Redis (a fresh
    # event loop per message opened one each).
    assert _connections_accepted(redis_layer) - before <= 1


def test_a_forked_child_starts_its_own_sending_loop(redis_layer, monkeypatch):
    realtime.group_send("nobody", {"type": "campaign.event", "payload": {}})
    parent_loop = realtime._loop
    monkeypatch.setattr(realtime, "_loop_pid", os.getpid() + 1)  # as seen after a fork

    realtime.group_send("nobody", {"type": "campaign.event", "payload": {}})

    assert realtime._loop is not parent_loop
    assert realtime._loop_pid == os.getpid()


def test_without_redis_the_in_memory_layer_is_used_as_before(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("watchers", channel)

    realtime.group_send("watchers", {"type": "campaign.event", "payload": {"n": 1}})

    assert async_to_sync(layer.receive)(channel)["payload"] == {"n": 1}
