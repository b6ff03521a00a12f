"""Redis that stops answering: the service pauses using it instead of waiting for every message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.app import shared_redis
from bot.infra.dispatch_lock import DispatchLocks
from bot.infra.rate_limit import RateLimited, RateLimiter
from bot.infra.redis_outage import RedisOutage
from bot.infra.sliding_window import RedisWindows
from tests.conftest import REDIS_URL


class SilentServer:
    """Accepts connections and never answers: what a host that drops packets looks like to a client, after the
    connect. Counts the connections it was offered."""

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._swallow, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        while await reader.read(4096):
            pass
        writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


@pytest.fixture
async def silent() -> AsyncIterator[tuple[SilentServer, Redis]]:
    server = SilentServer()
    port = await server.start()
    client = shared_redis(f"redis://127.0.0.1:{port}/0", timeout=0.2)  # the service's own client settings
    assert client is not None
    yield server, client
    await client.aclose()
    await server.stop()


async def test_limits_stop_asking_a_silent_redis_until_the_pause_is_over(
    silent: tuple[SilentServer, Redis], caplog: pytest.LogCaptureFixture
) -> None:
    server, client = silent
    limiter = RateLimiter(5, 60, RedisWindows(client, "silent:"))
    await limiter.hit("c")  # waits for one timeout, without retrying
    asked = server.connections
    assert asked == 1
    for _ in range(4):
        await limiter.hit("c")
    assert server.connections == asked  # the next messages did not wait for Redis
    with pytest.raises(RateLimited):
        await limiter.hit("c")  # the limit still holds, counted by this instance meanwhile
    assert sum("redis unreachable" in r.message for r in caplog.records) == 1


async def test_dispatch_lock_stops_asking_a_silent_redis(silent: tuple[SilentServer, Redis]) -> None:
    server, client = silent
    locks = DispatchLocks(client, "silent:dispatch:", hold_seconds=5)
    async with locks.hold("c"):
        pass
    asked = server.connections
    for _ in range(3):
        async with locks.hold("c"):
            pass
    assert server.connections == asked


def test_redis_is_tried_again_after_the_pause_and_recovery_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    outage = RedisOutage(logging.getLogger("test"), "meanwhile", retry_seconds=5, clock=lambda: now[0])
    caplog.set_level(logging.INFO)
    assert not outage.skip()
    outage.failed(OSError("timed out"))
    assert outage.down and outage.skip()
    now[0] += 4.9
    assert outage.skip()
    now[0] += 0.2
    assert not outage.skip()  # one caller probes
    outage.failed(OSError("timed out"))  # still down: the next pause starts now
    now[0] += 4.9
    assert outage.skip()
    outage.succeeded()
    assert not outage.down and not outage.skip()
    messages = [r.message for r in caplog.records]
    assert sum("unreachable" in m for m in messages) == 1 and sum("reachable again" in m for m in messages) == 1


async def test_a_connection_closed_by_redis_is_replaced_without_a_failure(redis_namespace: str) -> None:
    """What a Redis restart does to the pooled connections: the next call reconnects instead of falling back."""
    client = shared_redis(REDIS_URL)
    admin = Redis.from_url(REDIS_URL)
    assert client is not None
    try:
        windows = RedisWindows(client, f"{redis_namespace}:window:")
        assert await windows.hit_unless_full("c", 5, 60)
        await admin.client_kill_filter(_id=await client.client_id())
        assert await windows.hit_unless_full("c", 5, 60)
        assert not windows._outage.down  # answered by Redis, not by the fallback
        assert await windows.count("c", 60) == 2
    finally:
        await client.aclose()
        await admin.aclose()
