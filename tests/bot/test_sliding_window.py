"""Limits counted in this process or shared in Redis (real Redis on 127.0.0.1:6379 when it is reachable)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.console.auth import LoginThrottle, TooManyAttempts
from bot.infra.rate_limit import RateLimited, RateLimiter
from bot.infra.sliding_window import MemoryWindows, RedisWindows
from tests.conftest import REDIS_URL


def two_instances(namespace: str) -> tuple[RedisWindows, RedisWindows, list[Redis]]:
    """What two service instances behind a load balancer hold: their own client, the same Redis."""
    clients = [Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)]
    prefix = f"{namespace}:window:"
    return RedisWindows(clients[0], prefix), RedisWindows(clients[1], prefix), clients


async def test_memory_limit_holds_within_the_window_and_frees_up_after_it() -> None:
    windows = MemoryWindows()
    assert [await windows.hit_unless_full("c", 2, 0.2) for _ in range(3)] == [True, True, False]
    await asyncio.sleep(0.25)
    assert await windows.hit_unless_full("c", 2, 0.2)


async def test_memory_forgets_conversations_that_went_quiet() -> None:
    windows = MemoryWindows(sweep_every=10)
    for i in range(50):
        assert await windows.hit_unless_full(f"messages:{i}", 5, 0.05)
    await asyncio.sleep(0.1)
    for _ in range(10):  # one active conversation keeps writing
        await windows.hit_unless_full("messages:active", 100, 60)
    assert len(windows) == 1


async def test_instances_share_one_message_limit(redis_namespace: str) -> None:
    first, second, clients = two_instances(redis_namespace)
    limiter_a, limiter_b = RateLimiter(3, 60, first), RateLimiter(3, 60, second)
    await limiter_a.hit("conv-1")
    await limiter_b.hit("conv-1")
    await limiter_a.hit("conv-1")
    with pytest.raises(RateLimited):
        await limiter_b.hit("conv-1")  # alone, instance b would still have let two more through
    await limiter_b.hit("conv-2")  # other conversations are not affected
    for client in clients:
        await client.aclose()


async def test_the_last_place_is_taken_once_under_concurrent_hits(redis_namespace: str) -> None:
    first, second, clients = two_instances(redis_namespace)
    results = await asyncio.gather(*(w.hit_unless_full("burst", 5, 60) for w in [first, second] * 15))
    assert sum(results) == 5
    for client in clients:
        await client.aclose()


async def test_failed_logins_count_on_every_instance_and_success_clears_them(redis_namespace: str) -> None:
    first, second, clients = two_instances(redis_namespace)
    throttle_a, throttle_b = LoginThrottle(2, first), LoginThrottle(2, second)
    await throttle_a.failed("1.2.3.4", "a@example.org")
    await throttle_b.failed("1.2.3.4", "A@example.org ")
    with pytest.raises(TooManyAttempts):
        await throttle_a.check("1.2.3.4", "a@example.org")
    await throttle_b.succeeded("1.2.3.4", "a@example.org")
    await throttle_a.check("1.2.3.4", "a@example.org")
    for client in clients:
        await client.aclose()


async def test_redis_down_falls_back_to_this_instances_counts(caplog: pytest.LogCaptureFixture) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    limiter = RateLimiter(2, 60, RedisWindows(unreachable, "down:"))
    await limiter.hit("c")
    await limiter.hit("c")
    with pytest.raises(RateLimited):
        await limiter.hit("c")
    assert sum("redis unreachable" in r.message for r in caplog.records) == 1  # said once, not per message
    await unreachable.aclose()
