"""bench-shared-state measures every operation on both sides and leaves nothing behind in Redis."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bench import shared_state
from tests.conftest import REDIS_URL, redis_reachable


async def test_every_operation_is_timed_in_process_and_in_redis() -> None:
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    before = await _bench_keys()
    rows = await shared_state.measure(REDIS_URL, rounds=60)
    assert [row[0] for row in rows] == ["rate-limit check", "failed login", "dispatch lock", "event to a subscriber"]
    for _, memory_p50, memory_p95, redis_p50, redis_p95, ratio in rows:
        assert 0 < memory_p50 <= memory_p95 and 0 < redis_p50 <= redis_p95  # type: ignore[operator]
        assert ratio == pytest.approx(redis_p50 / memory_p50)  # type: ignore[operator]
    assert await _bench_keys() == before


async def _bench_keys() -> set[bytes]:
    client = Redis.from_url(REDIS_URL)
    keys = {key async for key in client.scan_iter("bench-*")}
    await client.aclose()
    return keys
