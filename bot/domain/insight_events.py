"""Records insight events; every free text is scrubbed of personal data before it is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.models import Conversation, InsightEvent, InsightKind
from bot.understanding.scrub import normalise_question

UNANSWERED_REASONS = {"no_entry", "not_sure", "city_not_served", "out_of_scope"}
HANDOFF_OUTCOMES = {"claimed", "handed_back", "closed", "nobody_available", "contact_request"}


def record_event(session: AsyncSession, kind: InsightKind, conversation: Conversation, **facts: Any) -> InsightEvent:
    """Adds the event to the session (the caller commits with the change it belongs to)."""
    for text_field in ("question", "comment"):
        if facts.get(text_field):
            facts[text_field] = normalise_question(str(facts[text_field]))
    event = InsightEvent(
        kind=kind,
        conversation_id=conversation.id,
        channel=conversation.channel,
        language=conversation.language,
        city=conversation.city,
        audience=conversation.audience,
        **facts,
    )
    session.add(event)
    return event


def record_turn(session: AsyncSession, conversation: Conversation, insight: dict[str, Any], question: str) -> None:
    """The outcome of a bot turn, as the action server reported it in its control message."""
    facts = {
        "entry_id": _text(insight.get("entry_id")),
        "topic": _text(insight.get("topic")),
        "confidence": insight.get("score") if isinstance(insight.get("score"), int | float) else None,
    }
    if insight.get("kind") == "answered":
        record_event(session, InsightKind.ANSWERED, conversation, **facts)
    elif insight.get("kind") == "unanswered" and insight.get("reason") in UNANSWERED_REASONS:
        asked = _text(insight.get("question")) or question
        record_event(session, InsightKind.UNANSWERED, conversation, reason=insight["reason"], question=asked, **facts)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
