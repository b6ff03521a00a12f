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

from bot.events import EventBus
from bot.models import Conversation, DeliveryStatus, Direction, Message, utcnow

log = logging.getLogger(__name__)


class ChannelAdapter(Protocol):
    async def send(self, conversation: Conversation, message: Message) -> None:
        """Deliver or raise; the caller keeps the message queued on failure."""


class Delivery:
    def __init__(self, events: EventBus) -> None:
        self._events = events
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
        """Push channels: send again what a failed delivery left queued (oldest first, in order)."""
        if not self._adapters:
            return 0
        async with sessions() as session:
            rows = (
                await session.execute(
                    select(Message, Conversation)
                    .join(Conversation)
                    .where(
                        Message.direction == Direction.OUTBOUND,
                        Message.delivery_status == DeliveryStatus.QUEUED,
                        Message.private.is_(False),
                        Message.created_at < utcnow() - timedelta(seconds=older_than),
                        Conversation.channel.in_(list(self._adapters)),
                    )
                    .order_by(Message.id)
                )
            ).all()
        for message, conversation in rows:
            await self.deliver(conversation, message)
        return len(rows)
