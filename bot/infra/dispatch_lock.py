"""One dispatch per conversation at a time: in this process always, across instances when Redis is configured.

Dispatching reads a conversation's queued user messages, sends them to the engine and marks them done. Two
dispatches of the same conversation at once (the user's request on one instance, the retry loop on another) would
send a message to the engine twice and store two answers. Rasa's own lock store guards its trackers in the same
way; this guards our side of the same conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.infra.redis_outage import RedisOutage

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)


class DispatchBusy(Exception):
    """Another instance is still dispatching this conversation; its queued messages are left to that one."""


class DispatchLocks:
    def __init__(self, redis: Redis | None = None, prefix: str = "glueckauf:dispatch:", hold_seconds: float = 120.0):
        """`hold_seconds`: how long a lock outlives an instance that died holding it (longer than any dispatch)."""
        self._redis = redis
        self._prefix = prefix
        self._hold = hold_seconds
        self._local: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._outage = RedisOutage(log, "conversations are locked per instance")

    def _local_lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._local.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._local[conversation_id] = lock
        return lock

    @contextlib.asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        """Waits for this instance's own dispatch of the conversation, then for any other instance's (up to the
        hold time; then raises DispatchBusy). Without Redis, or while it is unreachable, only the first holds."""
        async with self._local_lock(conversation_id):
            if self._redis is None or self._outage.skip():
                yield
                return
            shared = self._redis.lock(self._prefix + conversation_id, timeout=self._hold, blocking_timeout=self._hold)
            try:
                acquired = await shared.acquire()
            except Exception as exc:  # unreachable: answering beats waiting; this instance's own lock still holds
                self._outage.failed(exc)
                yield
                return
            self._outage.succeeded()
            if not acquired:
                raise DispatchBusy(conversation_id)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):  # expired or Redis gone: it frees itself
                    await shared.release()
