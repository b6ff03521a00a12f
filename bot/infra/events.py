"""Publish/subscribe for live updates (console SSE, widget sockets, Telegram queue notices), across instances.

Events only wake listeners; what they announce is always in SQL. In one process the bus is enough. With several
service instances behind a load balancer an advisor's reply is stored on one instance while the user's WebSocket
may be open on another, so with `REDIS_URL` every event is also relayed through a Redis channel to the others.
If Redis is unreachable, events still reach this instance's listeners; other instances miss them until it is
back (their clients catch up on their next event or reconnect, nothing is lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from bot.infra.redis_outage import RedisOutage

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

_OUTBOX_SIZE = 1000  # events waiting for Redis; beyond that new ones are dropped (they only wake listeners)


class EventBus:
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._outbox: asyncio.Queue[dict[str, Any]] | None = None
        self._observers: list[Callable[[dict[str, Any]], None]] = []

    def observe(self, observer: Callable[[dict[str, Any]], None]) -> None:
        """`observer` sees every event published by this instance (not those relayed from others): metrics."""
        self._observers.append(observer)

    def publish(self, kind: str, **data: Any) -> None:
        event = {"kind": kind, **data}
        for observer in self._observers:
            observer(event)
        self.deliver_here(event)
        if self._outbox is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self._outbox.put_nowait(event)

    def deliver_here(self, event: dict[str, Any]) -> None:
        """To this instance's subscribers only."""
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled console only misses updates, it reloads them
                queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=100)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    def relay_through(self) -> asyncio.Queue[dict[str, Any]]:
        """From now on every published event is also put here, for a relay to send to the other instances."""
        self._outbox = asyncio.Queue(maxsize=_OUTBOX_SIZE)
        return self._outbox


class RedisRelay:
    """Sends this instance's events to a Redis channel and delivers the other instances' events here."""

    def __init__(
        self, bus: EventBus, redis: Redis, channel: str = "glueckauf:events", retry_seconds: float = 1.0
    ) -> None:
        self._bus = bus
        self._redis = redis
        self._channel = channel
        self._retry = retry_seconds
        self._origin = uuid.uuid4().hex  # our own events come back from the channel; they were delivered already
        self._outage = RedisOutage(log, "live events reach only this instance's clients")
        self._tasks: list[asyncio.Task[None]] = []
        self.subscribed = asyncio.Event()

    async def start(self) -> None:
        outbox = self._bus.relay_through()
        self._tasks = [asyncio.create_task(self._send(outbox)), asyncio.create_task(self._receive())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _send(self, outbox: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            event = await outbox.get()
            payload = json.dumps({"origin": self._origin, "event": event}, default=str)
            while True:
                try:
                    await self._redis.publish(self._channel, payload)
                    break
                except Exception as exc:  # unreachable: keep the event and try again, in order
                    self._outage.failed(exc)
                    await asyncio.sleep(self._retry)
            self._outage.succeeded()

    async def _receive(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self.subscribed.set()
                    self._outage.succeeded()
                    async for item in pubsub.listen():
                        self._deliver(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.subscribed.clear()
                self._outage.failed(exc)
                await asyncio.sleep(self._retry)

    def _deliver(self, item: dict[str, Any]) -> None:
        if item.get("type") != "message":
            return
        try:
            relayed = json.loads(item["data"])
            origin, event = relayed["origin"], relayed["event"]
        except (ValueError, KeyError, TypeError):
            log.warning("events: ignored a malformed message on %s", self._channel)
            return
        if origin != self._origin and isinstance(event, dict):
            self._bus.deliver_here(event)
