"""Users' rights and data minimisation: export of a conversation's data, its erasure from every store (messages,
contact requests, the engine's tracker, the texts in the insight events), and the purge of everything older than
the retention period (RETENTION_DAYS), run by the service on a schedule and by `python -m bot purge`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.models import (
    ContactRequest,
    Conversation,
    InsightEvent,
    Message,
    MessageTranslation,
    ProcessedUpdate,
    utcnow,
)
from bot.infra.db import create_database_engine
from bot.infra.engine_client import EngineClient

log = logging.getLogger(__name__)

PROCESSED_UPDATES_HOURS = 48  # Telegram resends an unacknowledged update for 24 hours at most
PURGE_EVERY_SECONDS = 6 * 3600


async def export_data(session: AsyncSession, conversation: Conversation) -> dict[str, Any]:
    """Everything stored about one conversation that its user may see: settings, messages (not the advisors'
    private notes) and contact requests."""
    messages = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.private.is_(False))
        .order_by(Message.id)
    )
    contacts = await session.scalars(select(ContactRequest).where(ContactRequest.conversation_id == conversation.id))
    return {
        "conversation": {
            "id": conversation.id,
            "channel": conversation.channel,
            "language": conversation.language,
            "city": conversation.city,
            "audience": conversation.audience,
            "state": str(conversation.state),
            "created_at": conversation.created_at.isoformat(),
        },
        "messages": [
            {
                "id": m.id,
                "sender": str(m.sender),
                "text": m.text,
                "language": m.language,
                "created_at": m.created_at.isoformat(),
            }
            for m in messages
        ],
        "contact_requests": [
            {"contact": c.contact, "consent": c.consent, "created_at": c.created_at.isoformat()} for c in contacts
        ],
    }


class Eraser:
    """Removes conversations from the service's database and from the engine's tracker store."""

    def __init__(self, engine_client: EngineClient, tracker_store_url: str = "") -> None:
        self._engine_client = engine_client
        self._tracker_store_url = tracker_store_url

    async def erase(self, session: AsyncSession, conversation_ids: list[str]) -> None:
        """Deletes the conversations with their messages and contact requests; their insight events keep only
        anonymous counts (no text, no link to the conversation); the engine forgets their trackers."""
        if not conversation_ids:
            return
        await session.execute(
            update(InsightEvent)
            .where(InsightEvent.conversation_id.in_(conversation_ids))
            .values(question=None, comment=None, conversation_id=None)
        )
        their_messages = select(Message.id).where(Message.conversation_id.in_(conversation_ids))
        await session.execute(delete(MessageTranslation).where(MessageTranslation.message_id.in_(their_messages)))
        for model in (Message, ContactRequest):
            await session.execute(delete(model).where(model.conversation_id.in_(conversation_ids)))
        await session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
        await session.commit()
        await self._forget_trackers(conversation_ids)

    async def _forget_trackers(self, conversation_ids: list[str]) -> None:
        if self._tracker_store_url:  # shared SQL store: the rows go (Rasa would only append to them)
            database = create_database_engine(self._tracker_store_url)
            try:
                async with database.begin() as connection:
                    for conversation_id in conversation_ids:
                        await connection.execute(
                            text("DELETE FROM events WHERE sender_id = :id"), {"id": conversation_id}
                        )
            finally:
                await database.dispose()
        else:  # each engine keeps its trackers in memory: replaced by an empty one
            await asyncio.gather(*(self._engine_client.forget(c) for c in conversation_ids))


@dataclass
class PurgeReport:
    conversations: int
    contact_requests: int
    insight_texts: int
    processed_updates: int

    def __str__(self) -> str:
        return (
            f"{self.conversations} conversations, {self.contact_requests} contact requests, "
            f"{self.insight_texts} insight texts, {self.processed_updates} processed channel updates"
        )


async def purge(
    sessions: async_sessionmaker[AsyncSession],
    eraser: Eraser,
    retention_days: int,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PurgeReport:
    """Everything older than the retention period: conversations without activity since then (with their
    messages and trackers), contact requests, the question texts in the insight events (the counts stay)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    updates_cutoff = now - timedelta(hours=PROCESSED_UPDATES_HOURS)
    async with sessions() as session:
        old = list(await session.scalars(select(Conversation.id).where(Conversation.updated_at < cutoff)))
        old_contacts = ContactRequest.created_at < cutoff
        old_texts = (InsightEvent.created_at < cutoff) & (
            InsightEvent.question.is_not(None) | InsightEvent.comment.is_not(None)
        )
        report = PurgeReport(
            conversations=len(old),
            contact_requests=await _count(session, ContactRequest, old_contacts),
            insight_texts=await _count(session, InsightEvent, old_texts),
            processed_updates=await _count(session, ProcessedUpdate, ProcessedUpdate.created_at < updates_cutoff),
        )
        if dry_run:
            return report
        await session.execute(delete(ContactRequest).where(old_contacts))
        await session.execute(update(InsightEvent).where(old_texts).values(question=None, comment=None))
        await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < updates_cutoff))
        await session.commit()
        await eraser.erase(session, old)
    return report


async def _count(session: AsyncSession, model: Any, condition: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(condition)) or 0)


async def purge_regularly(sessions: async_sessionmaker[AsyncSession], eraser: Eraser, retention_days: int) -> None:
    """The service's scheduled purge: at start and every few hours; a failure is logged and retried next time."""
    while True:
        try:
            report = await purge(sessions, eraser, retention_days)
            log.info("retention (%d days): purged %s", retention_days, report)
        except Exception:  # the database may be restarting; the next run catches up
            log.exception("retention: purge failed, retrying in %d s", PURGE_EVERY_SECONDS)
        await asyncio.sleep(PURGE_EVERY_SECONDS)
