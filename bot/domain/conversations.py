"""Conversations and their messages: start, authorise, store inbound messages, list history."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.models import Conversation, DeliveryStatus, Direction, Message, SenderKind
from bot.infra.errors import ConversationNotFound, EmptyMessage, InvalidToken, MessageTooLong, MissingToken
from bot.understanding.language import LanguageDetector, conversation_language, message_language

# Data key of a user message that is keyboard mashing: the bot asks how it can help instead of asking the engine.
UNREADABLE = "unreadable"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_conversation(
    session: AsyncSession,
    *,
    channel: str,
    language: str | None = None,
    language_hint: str | None = None,
    city: str | None = None,
    audience: str | None = None,
) -> tuple[Conversation, str]:
    """Create a conversation; returns it with its token (only the token's hash is stored). `language` is the user's
    choice and sticks; `language_hint` (a channel's guess) gives way to a confident detection of another one."""
    token = secrets.token_urlsafe(32)
    conversation = Conversation(
        id=uuid.uuid4().hex,
        channel=channel,
        language=language or language_hint,
        language_explicit=language is not None,
        city=city,
        audience=audience,
        token_hash=hash_token(token),
    )
    session.add(conversation)
    await session.commit()
    return conversation, token


async def get_authorised_conversation(session: AsyncSession, conversation_id: str, token: str | None) -> Conversation:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound()
    if not token:
        raise MissingToken()
    if not hmac.compare_digest(conversation.token_hash, hash_token(token)):
        raise InvalidToken()
    return conversation


def clean_text(text: str, limit: int) -> str:
    """Drop control characters (binary junk) but keep newlines; reject empty and over-long text."""
    cleaned = "".join(
        ch for ch in unicodedata.normalize("NFC", text) if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
    ).strip()
    if not cleaned:
        raise EmptyMessage()
    if len(cleaned) > limit:
        raise MessageTooLong(limit=limit)
    return cleaned


async def store_user_message(
    session: AsyncSession,
    conversation: Conversation,
    text: str,
    *,
    detector: LanguageDetector,
    default_language: str,
    client_message_id: str | None = None,
) -> Message:
    """Commit the user's message before anything else can fail; a repeated client id returns the stored one."""
    if client_message_id:
        existing = await _by_client_id(session, conversation.id, client_message_id)
        if existing is not None:
            return existing
    unreadable = detector.is_gibberish(text)
    language = conversation.language
    if not unreadable:
        detection = detector.detect(text)
        language = message_language(conversation.language, detection)
        conversation.language = conversation_language(
            conversation.language, detection, explicit=conversation.language_explicit
        )
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.INBOUND,
        sender=SenderKind.USER,
        text=text,
        language=language or conversation.language or default_language,
        data={UNREADABLE: True} if unreadable else None,
        client_message_id=client_message_id,
        delivery_status=DeliveryStatus.QUEUED,
    )
    session.add(message)
    try:
        await session.commit()
    except IntegrityError:
        # The same client id arrived twice at once; the other request stored it.
        await session.rollback()
        existing = await _by_client_id(session, conversation.id, client_message_id or "")
        if existing is None:
            raise
        return existing
    return message


async def _by_client_id(session: AsyncSession, conversation_id: str, client_id: str) -> Message | None:
    query = select(Message).where(Message.conversation_id == conversation_id, Message.client_message_id == client_id)
    return (await session.scalars(query)).first()


async def list_messages(
    session: AsyncSession, conversation_id: str, after_id: int = 0, newest: int | None = None
) -> Sequence[Message]:
    """What the user may see: everything but the advisors' private notes; with `newest`, only that many of the
    latest (a reconnecting socket gets a bounded replay)."""
    query = select(Message).where(
        Message.conversation_id == conversation_id, Message.id > after_id, Message.private.is_(False)
    )
    if newest is None:
        return (await session.scalars(query.order_by(Message.id))).all()
    latest = (await session.scalars(query.order_by(Message.id.desc()).limit(newest))).all()
    return list(reversed(latest))


async def mark_delivered(session: AsyncSession, messages: Sequence[Message]) -> None:
    """Outbound messages handed to the user's channel (here: returned in an API response)."""
    changed = False
    for message in messages:
        if message.direction == Direction.OUTBOUND and message.delivery_status != DeliveryStatus.DELIVERED:
            message.delivery_status = DeliveryStatus.DELIVERED
            changed = True
    if changed:
        await session.commit()


def outbound(
    session: AsyncSession,
    conversation: Conversation,
    text: str,
    sender: SenderKind,
    language: str | None,
    data: dict[str, Any] | None = None,
    advisor_id: int | None = None,
) -> Message:
    """A message to the user from the bot, the service or an advisor: added to the session (the caller commits)
    and queued until its channel has it."""
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.OUTBOUND,
        sender=sender,
        advisor_id=advisor_id,
        text=text,
        language=language,
        data=data or None,
        delivery_status=DeliveryStatus.QUEUED,
    )
    session.add(message)
    return message
