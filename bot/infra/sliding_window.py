"""Counts of recent hits per key (messages per conversation, failed logins): in this process, or shared in Redis.

One service instance keeps them in memory. Behind a load balancer every instance must see the same counts, or a
user could send `n` times the limit and a password could be guessed `n` times as often: `REDIS_URL` makes them
shared. While Redis is unreachable each instance falls back to its own counts, so a limit still holds per instance
and nobody is locked out because Redis is down.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.infra.redis_outage import RedisOutage

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)
T = TypeVar("T")


class SlidingWindows(Protocol):
    async def hit_unless_full(self, key: str, limit: int, window_seconds: float) -> bool:
        """Counts a hit and says True, or says False (and counts nothing) if `limit` hits are already in the
        window."""

    async def count(self, key: str, window_seconds: float) -> int:
        """Hits of `key` within the last `window_seconds`."""

    async def add(self, key: str, window_seconds: float) -> None:
        """Counts a hit."""

    async def clear(self, key: str) -> None:
        """Forgets every hit of `key`."""


class MemoryWindows:
    """This process's own counts; keys with no recent hit are dropped (every `sweep_every` calls), so memory follows
    the active conversations and addresses, not every one ever seen."""

    def __init__(self, sweep_every: int = 1000) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._window: dict[str, float] = {}
        self._sweep_every = sweep_every
        self._calls = 0

    def _recent(self, key: str, window_seconds: float, now: float) -> deque[float]:
        self._calls += 1
        if self._calls % self._sweep_every == 0:
            self._sweep(now)
        self._window[key] = window_seconds
        hits = self._hits[key]
        while hits and hits[0] <= now - window_seconds:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        idle = [key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self._window[key]]
        for key in idle:
            del self._hits[key], self._window[key]

    async def hit_unless_full(self, key: str, limit: int, window_seconds: float) -> bool:
        now = time.monotonic()
        hits = self._recent(key, window_seconds, now)
        if len(hits) >= limit:
            return False
        hits.append(now)
        return True

    async def count(self, key: str, window_seconds: float) -> int:
        return len(self._recent(key, window_seconds, time.monotonic()))

    async def add(self, key: str, window_seconds: float) -> None:
        now = time.monotonic()
        self._recent(key, window_seconds, now).append(now)

    async def clear(self, key: str) -> None:
        self._hits.pop(key, None)
        self._window.pop(key, None)

    def __len__(self) -> int:
        return len(self._hits)


# Drops hits older than the window, counts the rest and adds this one only if there is room: one atomic step, so
# two instances cannot both take the last place.
_HIT_UNLESS_FULL = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(ARGV[2] * 1000))
return 1
"""


class RedisWindows:
    """Counts in Redis sorted sets (member: a unique id, score: the time), shared by every instance."""

    def __init__(self, redis: Redis, prefix: str = "glueckauf:window:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._fallback = MemoryWindows()
        self._hit_script = redis.register_script(_HIT_UNLESS_FULL)
        self._outage = RedisOutage(log, "limits are counted per instance")

    async def _shared(self, in_redis: Callable[[], Awaitable[T]], here: Callable[[], Awaitable[T]]) -> T:
        """`in_redis`, or `here` (this instance's own counts) while Redis is unreachable."""
        if self._outage.skip():
            return await here()
        try:
            result = await in_redis()
        except Exception as exc:  # redis.RedisError, OSError, timeouts: the counts of this instance still hold
            self._outage.failed(exc)
            return await here()
        self._outage.succeeded()
        return result

    async def hit_unless_full(self, key: str, limit: int, window_seconds: float) -> bool:
        async def in_redis() -> bool:
            args: list[float | str] = [time.time(), window_seconds, limit, uuid.uuid4().hex]
            return bool(await self._hit_script(keys=[self._prefix + key], args=args))

        return await self._shared(in_redis, lambda: self._fallback.hit_unless_full(key, limit, window_seconds))

    async def count(self, key: str, window_seconds: float) -> int:
        async def in_redis() -> int:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(self._prefix + key, "-inf", time.time() - window_seconds)
                pipe.zcard(self._prefix + key)
                _, hits = await pipe.execute()
            return int(hits)

        return await self._shared(in_redis, lambda: self._fallback.count(key, window_seconds))

    async def add(self, key: str, window_seconds: float) -> None:
        async def in_redis() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zadd(self._prefix + key, {uuid.uuid4().hex: time.time()})
                pipe.pexpire(self._prefix + key, int(window_seconds * 1000) + 1)
                await pipe.execute()

        await self._shared(in_redis, lambda: self._fallback.add(key, window_seconds))

    async def clear(self, key: str) -> None:
        async def in_redis() -> None:
            await self._redis.delete(self._prefix + key)

        async def nothing_more() -> None:
            return None

        await self._fallback.clear(key)
        await self._shared(in_redis, nothing_more)
