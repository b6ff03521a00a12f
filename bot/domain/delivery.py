"""One delivery interface for every channel: advisor replies and notices reach the user where they are.

The web chat pulls (GET …/messages, later a WebSocket push); channels that push, such as Telegram, register an
adapter. A message stays `queued` until its channel confirmed it, so nothing is lost when a channel is down.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.models import Conversation, DeliveryStatus, Direction, Message, utcnow
from bot.infra.dispatch_lock import DispatchBusy, DispatchLocks
from bot.infra.events import EventBus

log = logging.getLogger(__name__)


class ChannelAdapter(Protocol):
    async def send(self, conversation: Conversation, message: Message) -> None:
        """Deliver or raise; the caller keeps the message queued on failure."""


class Delivery:
    def __init__(self, events: EventBus, locks: DispatchLocks | None = None) -> None:
        """`locks`: the router's per-conversation locks, so that two instances never send the same queued message."""
        self._events = events
        self._locks = locks or DispatchLocks()
        self._adapters: dict[str, ChannelAdapter] = {}

    def register(self, channel: str, adapter: ChannelAdapter) -> None:
        self._adapters[channel] = adapter

    async def deliver(self, conversation: Conversation, message: Message) -> None:
        """Announces the stored message and pushes it if this instance serves the conversation's channel. If not
        (Telegram polled by another instance), `pushed_here` is false and the instance that serves it sends it."""
        self._events.publish(
            "user_message_ready",
            conversation_id=conversation.id,
            message_id=message.id,
            channel=conversation.channel,
            pushed_here=conversation.channel in self._adapters,
        )
        await self._push(conversation, message)

    async def _push(self, conversation: Conversation, message: Message) -> None:
        adapter = self._adapters.get(conversation.channel)
        if adapter is None:
            return  # pulled by the client, or pushed by the instance that serves the channel
        try:
            await adapter.send(conversation, message)
        except Exception:  # the adapter's own retry loop picks it up again
            log.exception("delivery to %s failed; message %s stays queued", conversation.channel, message.id)

    async def push_for_other_instances(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Runs while this instance serves a push channel: sends at once what another instance stored for it and
        could not send (an advisor replying through an instance without Telegram), instead of after the redelivery
        interval. Still queued, under the conversation's lock: sent once."""
        async with self._events.subscribe() as events:
            while True:
                event = await events.get()
                if (
                    event.get("kind") != "user_message_ready"
                    or event.get("pushed_here", True)
                    or event.get("channel") not in self._adapters
                ):
                    continue
                try:
                    await self._push_queued(sessions, str(event["conversation_id"]), Message.id == event["message_id"])
                except Exception:  # the redelivery loop sends it later; this follower must not end
                    log.exception("pushing message %s stored by another instance failed", event.get("message_id"))

    async def redeliver_queued(self, sessions: async_sessionmaker[AsyncSession], older_than: float = 30.0) -> int:
        """Push channels: send again what a failed delivery left queued (oldest first, in order), one conversation
        at a time."""
        if not self._adapters:
            return 0
        stale = Message.created_at < utcnow() - timedelta(seconds=older_than)
        async with sessions() as session:
            conversation_ids = (
                await session.scalars(select(Conversation.id).join(Message).where(*self._queued(), stale).distinct())
            ).all()
        return sum([await self._push_queued(sessions, conversation_id, stale) for conversation_id in conversation_ids])

    def _queued(self) -> tuple[ColumnElement[bool], ...]:
        return (
            Message.direction == Direction.OUTBOUND,
            Message.delivery_status == DeliveryStatus.QUEUED,
            Message.private.is_(False),
            Conversation.channel.in_(list(self._adapters)),
        )

    async def _push_queued(
        self, sessions: async_sessionmaker[AsyncSession], conversation_id: str, *which: ColumnElement[bool]
    ) -> int:
        """Under the conversation's lock, reading the queue again inside it: another instance may have sent it
        meanwhile. Returns how many were pushed (0 when another instance holds the lock: it sends them)."""
        try:
            async with self._locks.hold(conversation_id), sessions() as session:
                rows = (
                    await session.execute(
                        select(Message, Conversation)
                        .join(Conversation)
                        .where(Conversation.id == conversation_id, *self._queued(), *which)
                        .order_by(Message.id)
                    )
                ).all()
                for message, conversation in rows:
                    await self._push(conversation, message)
                return len(rows)
        except DispatchBusy:
            return 0
