"""What sharing state between instances costs: in this process against Redis, in the same run.

    make bench-shared-state                        # Redis at redis://127.0.0.1:6379/0
    BENCH_REDIS_URL=redis://… make bench-shared-state

Prints a table: median and 95th percentile per operation (a message's rate-limit check, a failed-login count, a
dispatch lock taken and released, an event from one instance's bus to another's subscriber) and the ratio of
Redis to in-process. Each run uses its own key prefix and channel and removes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from bench.report import percentile, table
from bot.console.auth import LoginThrottle
from bot.infra.dispatch_lock import DispatchLocks
from bot.infra.events import EventBus, RedisRelay
from bot.infra.rate_limit import RateLimiter
from bot.infra.sliding_window import MemoryWindows, RedisWindows

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2000"))
Operation = Callable[[int], Awaitable[None]]


async def timed(operation: Operation, rounds: int) -> list[float]:
    """Milliseconds per call (after 50 calls to warm up connections)."""
    for i in range(50):
        await operation(-i - 1)
    durations = []
    for i in range(rounds):
        start = time.perf_counter()
        await operation(i)
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def operations(windows: MemoryWindows | RedisWindows, locks: DispatchLocks) -> dict[str, Operation]:
    limiter = RateLimiter(10**9, 60, windows)
    throttle = LoginThrottle(10**9, windows)

    async def rate_limit(i: int) -> None:
        await limiter.hit(f"conv-{i % 100}")

    async def failed_login(i: int) -> None:
        await throttle.check(f"10.0.0.{i % 50}", "advisor@example.org")
        await throttle.failed(f"10.0.0.{i % 50}", "advisor@example.org")

    async def dispatch_lock(i: int) -> None:
        async with locks.hold(f"conv-{i % 100}"):
            pass

    return {"rate-limit check": rate_limit, "failed login": failed_login, "dispatch lock": dispatch_lock}


async def event_latencies(sender: EventBus, receiver: EventBus, rounds: int) -> list[float]:
    """From publish on one bus to the receiving subscriber, one event at a time."""
    durations = []
    async with receiver.subscribe() as queue:
        for i in range(rounds):
            start = time.perf_counter()
            sender.publish("message", conversation_id=f"c{i}")
            while (await asyncio.wait_for(queue.get(), 5)).get("conversation_id") != f"c{i}":
                pass
            durations.append((time.perf_counter() - start) * 1000)
    return durations


async def measure(url: str, rounds: int = ROUNDS) -> list[list[object]]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    clients = [Redis.from_url(url), Redis.from_url(url)]
    try:
        local = operations(MemoryWindows(), DispatchLocks())
        shared = operations(RedisWindows(clients[0], f"{prefix}:window:"), DispatchLocks(clients[0], f"{prefix}:d:"))
        results = {name: (await timed(local[name], rounds), await timed(shared[name], rounds)) for name in local}
        here = EventBus()
        buses = [EventBus(), EventBus()]
        relays = [RedisRelay(bus, client, f"{prefix}:events") for bus, client in zip(buses, clients, strict=True)]
        for relay in relays:
            await relay.start()
        await asyncio.gather(*(asyncio.wait_for(relay.subscribed.wait(), 5) for relay in relays))
        events = max(rounds // 4, 50)
        results["event to a subscriber"] = (
            await event_latencies(here, here, events),
            await event_latencies(buses[0], buses[1], events),
        )
        for relay in relays:
            await relay.stop()
    finally:
        keys = [key async for key in clients[0].scan_iter(f"{prefix}:*")]
        if keys:
            await clients[0].delete(*keys)
        for client in clients:
            await client.aclose()
    rows: list[list[object]] = []
    for name, (memory, redis) in results.items():
        rows.append(
            [
                name,
                statistics.median(memory),
                percentile(memory, 95),
                statistics.median(redis),
                percentile(redis, 95),
                statistics.median(redis) / statistics.median(memory),
            ]
        )
    return rows


def main() -> int:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    print(f"==> {ROUNDS} rounds per operation; Redis at {url}", flush=True)
    try:
        rows = asyncio.run(measure(url))
    except OSError as exc:
        print(f"Redis is not reachable at {url} ({exc}); set BENCH_REDIS_URL.", file=sys.stderr)
        return 2
    headers = ["operation", "in process p50 ms", "p95 ms", "Redis p50 ms", "p95 ms", "Redis × in process"]
    print(table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
