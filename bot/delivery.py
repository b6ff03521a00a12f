"""One delivery interface for every channel: advisor replies and notices reach the user where they are.

The web chat pulls (GET …/messages, later a WebSocket push); channels that push, such as Telegram, register an
adapter. A message stays `queued` until its channel confirmed it, so nothing is lost when a channel is down.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatch_lock import DispatchBusy, DispatchLocks
from bot.events import EventBus
from bot.models import Conversation, DeliveryStatus, Direction, Message, utcnow

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
        self._events.publish("user_message_ready", conversation_id=conversation.id, message_id=message.id)
        adapter = self._adapters.get(conversation.channel)
        if adapter is None:
            return  # pulled by the client
        try:
            await adapter.send(conversation, message)
        except Exception:  # the adapter's own retry loop picks it up again
            log.exception("delivery to %s failed; message %s stays queued", conversation.channel, message.id)

    async def redeliver_queued(self, sessions: async_sessionmaker[AsyncSession], older_than: float = 30.0) -> int:
        """Push channels: send again what a failed delivery left queued (oldest first, in order), one conversation
        at a time under its lock, reading the queue again inside it: another instance may have sent it meanwhile."""
        if not self._adapters:
            return 0
        queued = (
            Message.direction == Direction.OUTBOUND,
            Message.delivery_status == DeliveryStatus.QUEUED,
            Message.private.is_(False),
            Message.created_at < utcnow() - timedelta(seconds=older_than),
            Conversation.channel.in_(list(self._adapters)),
        )
        async with sessions() as session:
            conversation_ids = (
                await session.scalars(select(Conversation.id).join(Message).where(*queued).distinct())
            ).all()
        sent = 0
        for conversation_id in conversation_ids:
            try:
                async with self._locks.hold(conversation_id), sessions() as session:
                    rows = (
                        await session.execute(
                            select(Message, Conversation)
                            .join(Conversation)
                            .where(Conversation.id == conversation_id, *queued)
                            .order_by(Message.id)
                        )
                    ).all()
                    for message, conversation in rows:
                        await self.deliver(conversation, message)
                    sent += len(rows)
            except DispatchBusy:
                continue  # the instance holding it sends them
        return sent
