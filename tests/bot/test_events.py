"""Live events within one instance and, through real Redis (127.0.0.1:6379 when reachable), across instances."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.infra.events import EventBus, RedisRelay
from tests.conftest import REDIS_URL


@pytest.fixture
def channel(redis_namespace: str) -> str:
    return f"{redis_namespace}:events"


@contextlib.asynccontextmanager
async def instance(channel: str, url: str = REDIS_URL) -> AsyncIterator[tuple[EventBus, RedisRelay]]:
    """One service instance's bus, relayed through Redis."""
    bus, client = EventBus(), Redis.from_url(url, socket_connect_timeout=0.5)
    relay = RedisRelay(bus, client, channel, retry_seconds=0.1)
    await relay.start()
    try:
        yield bus, relay
    finally:
        await relay.stop()
        await client.aclose()


async def next_events(queue: asyncio.Queue[dict[str, Any]], wait: float = 0.3) -> list[dict[str, Any]]:
    """Everything that arrives on `queue` until it has been quiet for `wait` seconds."""
    seen = []
    with contextlib.suppress(TimeoutError):
        while True:
            seen.append(await asyncio.wait_for(queue.get(), wait))
    return seen


async def test_subscribers_get_each_event_and_leave_cleanly() -> None:
    bus = EventBus()
    async with bus.subscribe() as first, bus.subscribe() as second:
        bus.publish("claimed", conversation_id="c1", advisor="Ana")
        expected = {"kind": "claimed", "conversation_id": "c1", "advisor": "Ana"}
        assert first.get_nowait() == second.get_nowait() == expected
    bus.publish("closed", conversation_id="c1")  # nobody listens any more: nothing to deliver, nothing raised


async def test_an_event_on_one_instance_reaches_the_others_once(channel: str) -> None:
    async with instance(channel) as (bus_a, relay_a), instance(channel) as (bus_b, relay_b):
        await asyncio.wait_for(asyncio.gather(relay_a.subscribed.wait(), relay_b.subscribed.wait()), 5)
        async with bus_a.subscribe() as on_a, bus_b.subscribe() as on_b:
            bus_a.publish("message", conversation_id="c1")
            bus_b.publish("handed_back", conversation_id="c2")
            assert await next_events(on_a) == [
                {"kind": "message", "conversation_id": "c1"},  # at once, not via Redis: and not twice
                {"kind": "handed_back", "conversation_id": "c2"},
            ]
            assert sorted(e["kind"] for e in await next_events(on_b)) == ["handed_back", "message"]


async def test_without_redis_events_still_reach_this_instance(caplog: pytest.LogCaptureFixture) -> None:
    async with instance("unused", url="redis://127.0.0.1:1/0") as (bus, relay), bus.subscribe() as queue:
        bus.publish("queue_changed", conversation_id="c1")
        assert await next_events(queue) == [{"kind": "queue_changed", "conversation_id": "c1"}]
        assert not relay.subscribed.is_set()
    assert any("redis" in record.message for record in caplog.records)


async def test_malformed_messages_on_the_channel_are_ignored(channel: str) -> None:
    async with instance(channel) as (bus, relay), bus.subscribe() as queue:
        await asyncio.wait_for(relay.subscribed.wait(), 5)
        stranger = Redis.from_url(REDIS_URL)
        await stranger.publish(channel, b"\xff not json")
        await stranger.publish(channel, '{"origin": "other", "event": {"kind": "closed", "conversation_id": "c9"}}')
        await stranger.aclose()
        assert await next_events(queue) == [{"kind": "closed", "conversation_id": "c9"}]
