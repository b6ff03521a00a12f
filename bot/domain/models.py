"""SQLAlchemy models: conversations and every message in them (the service's source of truth)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite forgets the zone on the way back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use bot.domain.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ConversationState(enum.StrEnum):
    BOT = "bot"
    PENDING = "pending"
    HUMAN = "human"
    CLOSED = "closed"


class Direction(enum.StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class SenderKind(enum.StrEnum):
    USER = "user"
    BOT = "bot"
    ADVISOR = "advisor"
    SYSTEM = "system"


class DeliveryStatus(enum.StrEnum):
    """Inbound: queued until the engine has processed it. Outbound: queued until the channel has it."""

    QUEUED = "queued"
    DELIVERED = "delivered"
    FAILED = "failed"


def _enum(kind: type[enum.Enum], name: str, length: int = 16) -> Enum:
    # Stored as plain strings (no native ENUM type) so adding a value needs no PostgreSQL type migration.
    return Enum(kind, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=length)


class AdvisorRole(enum.StrEnum):
    ADVISOR = "advisor"
    ADMIN = "admin"
    PARTNER = "partner"  # regional partners: insights only, never transcripts or the queue


class Advisor(Base):
    __tablename__ = "advisors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[AdvisorRole] = mapped_column(_enum(AdvisorRole, "advisor_role"), default=AdvisorRole.ADVISOR)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    # In every session cookie; logging out raises it, which ends all of the advisor's sessions on every device.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_conversations_channel_external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(64))  # e.g. the Telegram chat id
    language: Mapped[str | None] = mapped_column(String(8))
    language_explicit: Mapped[bool] = mapped_column(default=False)
    city: Mapped[str | None] = mapped_column(String(32))
    audience: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[ConversationState] = mapped_column(
        _enum(ConversationState, "conversation_state"), default=ConversationState.BOT
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"))
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    handoff_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Outside office hours the bot offers to take an e-mail address or phone number; until then (the next opening)
    # a message that contains one is taken as that contact request instead of going to the engine.
    contact_offered_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    messages: Mapped[list[Message]] = relationship(back_populates="conversation", order_by="Message.id")
    advisor: Mapped[Advisor | None] = relationship()


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_id"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        Index("ix_messages_delivery", "direction", "delivery_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "message_direction"))
    sender: Mapped[SenderKind] = mapped_column(_enum(SenderKind, "sender_kind"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    private: Mapped[bool] = mapped_column(default=False)  # advisors' notes: never shown to the user
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="SET NULL"))
    delivery_status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class MessageTranslation(Base):
    """A message machine-translated for an advisor who does not read its language: translated once, shown again."""

    __tablename__ = "message_translations"
    __table_args__ = (UniqueConstraint("message_id", "language", name="uq_message_translations_message_language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))  # the language it was translated into
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ContactRequest(Base):
    """Outside office hours: the user leaves an e-mail address or phone number, with consent: ticked in the API's
    form, or by sending it in reply to the bot's offer to get back to them, which says what it is for."""

    __tablename__ = "contact_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    contact: Mapped[str] = mapped_column(String(254))
    consent: Mapped[bool]
    language: Mapped[str | None] = mapped_column(String(8))
    handled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProcessedUpdate(Base):
    """Channel updates already handled (Telegram resends an update until it is acknowledged)."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InsightKind(enum.StrEnum):
    ANSWERED = "answered"
    UNANSWERED = "unanswered"
    HANDOFF_REQUESTED = "handoff_requested"
    HANDOFF_OUTCOME = "handoff_outcome"
    FEEDBACK = "feedback"
    TRANSLATED_HANDOFF = "translated_handoff"  # an advisor wrote to the user through machine translation


class InsightEvent(Base):
    """One anonymous fact for the partners' insights; question texts are scrubbed of personal data first."""

    __tablename__ = "insight_events"
    __table_args__ = (Index("ix_insight_events_kind_created", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[InsightKind] = mapped_column(_enum(InsightKind, "insight_kind", length=24))
    # Only to count distinct conversations for small-group suppression; emptied when the user deletes their data.
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    city: Mapped[str | None] = mapped_column(String(32))
    audience: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(64))
    entry_id: Mapped[str | None] = mapped_column(String(80))
    confidence: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(32))  # not answered / handoff reason / handoff outcome
    question: Mapped[str | None] = mapped_column(Text)
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[int | None] = mapped_column(Integer)  # +1 / -1
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
