"""👍/👎 on a knowledge answer: one rating per answer (the latest counts), recorded for insights."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from bot.domain.insight_events import record_event
from bot.domain.models import Conversation, InsightEvent, InsightKind, Message, SenderKind
from bot.infra.errors import AppError
from bot.understanding.scrub import normalise_question


class NotRateable(AppError):
    status_code = 404
    code = "answer_not_found"
    message = "There is no answer with this id in this conversation that can be rated."


async def rate_answer(
    session: AsyncSession, conversation: Conversation, message_id: int, helpful: bool, comment: str | None
) -> InsightEvent:
    message = await session.get(Message, message_id)
    knowledge = (message.data or {}).get("knowledge") if message else None
    if (
        message is None
        or message.conversation_id != conversation.id
        or message.sender != SenderKind.BOT
        or not isinstance(knowledge, dict)
    ):
        raise NotRateable()
    rating = 1 if helpful else -1
    previous = await session.get(InsightEvent, (message.data or {}).get("feedback_event") or 0)
    if previous is not None:  # changed their mind: the latest rating counts, nothing is counted twice
        previous.rating = rating
        previous.comment = normalise_question(comment) if comment else None
        event = previous
    else:
        event = record_event(
            session,
            InsightKind.FEEDBACK,
            conversation,
            entry_id=knowledge.get("entry_id"),
            rating=rating,
            comment=comment,
        )
    await session.flush()
    message.data = {**(message.data or {}), "feedback_event": event.id, "feedback": "up" if helpful else "down"}
    flag_modified(message, "data")
    await session.commit()
    return event
