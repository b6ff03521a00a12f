"""Handoff to human advisors: bot → pending (queue) → human (claimed by exactly one advisor) → bot, or closed."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.conversations import outbound
from bot.domain.insight_events import record_event
from bot.domain.models import (
    Advisor,
    AdvisorRole,
    ContactRequest,
    Conversation,
    ConversationState,
    DeliveryStatus,
    Direction,
    InsightEvent,
    InsightKind,
    Message,
    SenderKind,
    utcnow,
)
from bot.domain.office_hours import DAYS, OfficeHours
from bot.domain.translation import SentTranslation
from bot.infra.errors import AppError, ConversationNotFound
from bot.infra.events import EventBus
from bot.infra.i18n import Catalog

MAX_ADVISOR_TEXT = 4000
HANDOFF_REASONS = ("asked", "repeated_failure", "urgent")
CONTACT_OFFER_WITHOUT_HOURS = timedelta(days=7)  # how long the offer stands when no office hours are set


class NotClaimable(AppError):
    status_code = 409
    code = "not_claimable"
    message = "This conversation is not waiting for an advisor."


class AlreadyClaimed(AppError):
    status_code = 409
    code = "already_claimed"
    message = "Another advisor has already taken this conversation."


class NotYourConversation(AppError):
    status_code = 409
    code = "not_your_conversation"
    message = "Claim the conversation before you reply; only its advisor (or an admin) can act on it."


class TextTooLong(AppError):
    status_code = 422
    code = "text_too_long"
    message = f"At most {MAX_ADVISOR_TEXT} characters."


class EmptyText(AppError):
    status_code = 422
    code = "text_empty"
    message = "Write something first."


# Events after which places in the queue may have changed (someone joined, was claimed, closed or handed back).
QUEUE_EVENTS = ("queue_changed", "claimed", "closed", "handed_back")
# Key in a queue notice's data: the place it shows, so that a channel can bring the notice up to date.
QUEUE_NOTICE = "queue_position"
# Data keys of the notices around a contact request: channels with a native way to share a phone number offer it
# with the first and take it away with the second (Telegram's "share my phone number" keyboard).
CONTACT_OFFER = "contact_offer"
CONTACT_STORED = "contact_stored"


@dataclass(frozen=True)
class QueueStatus:
    position: int
    estimated_minutes: int | None


def _reason(reason: str) -> str:
    return reason if reason in HANDOFF_REASONS else "asked"


async def request_handoff(session: AsyncSession, conversation: Conversation, reason: str) -> QueueStatus:
    """Puts the conversation in the advisors' queue (idempotent while it waits) and says where it stands."""
    if conversation.state == ConversationState.BOT:
        conversation.state = ConversationState.PENDING
        conversation.handoff_reason = _reason(reason)
        conversation.handoff_requested_at = utcnow()
        record_event(session, InsightKind.HANDOFF_REQUESTED, conversation, reason=conversation.handoff_reason)
        await session.flush()
    return await queue_status(session, conversation)


async def queue_position(session: AsyncSession, conversation: Conversation) -> int:
    """1 for the conversation that has waited longest."""
    ahead = await session.scalar(
        select(func.count()).where(
            Conversation.state == ConversationState.PENDING,
            Conversation.handoff_requested_at < conversation.handoff_requested_at,
        )
    )
    return int(ahead or 0) + 1


async def queue_status(session: AsyncSession, conversation: Conversation) -> QueueStatus:
    position = await queue_position(session, conversation)
    typical = await typical_wait(session)
    return QueueStatus(position, None if typical is None else max(1, round(typical.total_seconds() / 60 * position)))


async def typical_wait(session: AsyncSession, sample: int = 50) -> timedelta | None:
    """Median time from request to claim over the last claims: an honest estimate, or none without data."""
    rows = (
        await session.execute(
            select(Conversation.handoff_requested_at, Conversation.claimed_at)
            .where(Conversation.claimed_at.is_not(None), Conversation.handoff_requested_at.is_not(None))
            .order_by(Conversation.claimed_at.desc())
            .limit(sample)
        )
    ).all()
    waits = [(claimed - requested).total_seconds() for requested, claimed in rows if claimed and requested]
    return timedelta(seconds=statistics.median(waits)) if waits else None


async def claim_and_announce(
    session: AsyncSession,
    conversation_id: str,
    advisor: Advisor,
    joined: Callable[[Conversation], str] | None = None,
) -> tuple[Conversation, Message | None]:
    """Atomic: one conditional UPDATE; of many simultaneous claims exactly one changes a row. The claim, its
    insight event and the notice `joined` writes for the user are one transaction; a second click by the same
    advisor changes nothing and announces nothing."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.state == ConversationState.PENDING)
        .values(state=ConversationState.HUMAN, advisor_id=advisor.id, claimed_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    conversation = await session.get(Conversation, conversation_id, populate_existing=True)
    if conversation is None:
        raise ConversationNotFound()
    if result.rowcount == 1:  # type: ignore[attr-defined]
        waited = (
            (conversation.claimed_at - conversation.handoff_requested_at).total_seconds()
            if (conversation.claimed_at and conversation.handoff_requested_at)
            else None
        )
        record_event(session, InsightKind.HANDOFF_OUTCOME, conversation, reason="claimed", wait_seconds=waited)
        notice = (
            outbound(session, conversation, joined(conversation), SenderKind.SYSTEM, conversation.language)
            if joined
            else None
        )
        await session.commit()
        return conversation, notice
    # Lost or repeated: the UPDATE changed no row; the session's end closes the transaction.
    if conversation.state == ConversationState.HUMAN and conversation.advisor_id != advisor.id:
        owner = await session.get(Advisor, conversation.advisor_id) if conversation.advisor_id else None
        if owner is None:
            raise AlreadyClaimed()
        raise AlreadyClaimed(f"{owner.name} has already taken this conversation.", name=owner.name)
    if conversation.state == ConversationState.HUMAN:
        return conversation, None  # a double click by the same advisor
    raise NotClaimable()


def ensure_owner(conversation: Conversation, advisor: Advisor) -> None:
    if conversation.state != ConversationState.HUMAN:
        raise NotYourConversation()
    if conversation.advisor_id != advisor.id and advisor.role != AdvisorRole.ADMIN:
        raise NotYourConversation()


def _checked(text: str) -> str:
    text = text.strip()
    if not text:
        raise EmptyText()
    if len(text) > MAX_ADVISOR_TEXT:
        raise TextTooLong(limit=MAX_ADVISOR_TEXT)
    return text


async def advisor_reply(
    session: AsyncSession,
    conversation: Conversation,
    advisor: Advisor,
    text: str,
    translation: SentTranslation | None = None,
) -> Message:
    """The advisor's words to the user. With a machine `translation` of them (edited or not), the user receives the
    translation with the original below it; the first such reply of a handoff is counted for the insights (which
    languages need advisors most)."""
    ensure_owner(conversation, advisor)
    text = _checked(text)
    data = None
    if translation is not None:
        _checked(translation.text)
        data = {"translation": {"original": text, "source": translation.source, "machine": True}}
        text = translation.delivered
        if not await _translated_since_claim(session, conversation):
            record_event(session, InsightKind.TRANSLATED_HANDOFF, conversation)
    message = outbound(
        session, conversation, text, SenderKind.ADVISOR, conversation.language, data, advisor_id=advisor.id
    )
    await session.commit()
    return message


async def _translated_since_claim(session: AsyncSession, conversation: Conversation) -> bool:
    query = select(InsightEvent.id).where(
        InsightEvent.kind == InsightKind.TRANSLATED_HANDOFF,
        InsightEvent.conversation_id == conversation.id,
        InsightEvent.created_at >= (conversation.claimed_at or conversation.created_at),
    )
    return await session.scalar(query.limit(1)) is not None


async def add_note(session: AsyncSession, conversation: Conversation, advisor: Advisor, text: str) -> Message:
    """A private note: stored with the conversation, never delivered to the user."""
    note = _note(session, conversation, advisor, text)
    await session.commit()
    return note


def _note(session: AsyncSession, conversation: Conversation, advisor: Advisor, text: str) -> Message:
    note = Message(
        conversation_id=conversation.id,
        direction=Direction.OUTBOUND,
        sender=SenderKind.ADVISOR,
        advisor_id=advisor.id,
        text=_checked(text),
        private=True,
        delivery_status=DeliveryStatus.DELIVERED,
    )
    session.add(note)
    return note


async def hand_back(
    session: AsyncSession, conversation: Conversation, advisor: Advisor, summary: str, notice: str
) -> Message:
    """The bot continues; the summary stays as a private note, the user gets `notice` — in one transaction."""
    ensure_owner(conversation, advisor)
    _note(session, conversation, advisor, summary)
    conversation.state = ConversationState.BOT
    conversation.advisor_id = None
    record_event(session, InsightKind.HANDOFF_OUTCOME, conversation, reason="handed_back")
    return await notify_user(session, conversation, notice)


async def close_conversation(
    session: AsyncSession, conversation: Conversation, advisor: Advisor, notice: str
) -> Message:
    if conversation.state == ConversationState.HUMAN:
        ensure_owner(conversation, advisor)
    conversation.state = ConversationState.CLOSED
    record_event(session, InsightKind.HANDOFF_OUTCOME, conversation, reason="closed")
    return await notify_user(session, conversation, notice)


async def notify_user(
    session: AsyncSession, conversation: Conversation, text: str, data: dict[str, Any] | None = None
) -> Message:
    """A system message to the user (advisor joined, bot continues, …); delivered like any reply."""
    message = outbound(session, conversation, text, SenderKind.SYSTEM, conversation.language, data)
    await session.commit()
    return message


async def waiting_queue(session: AsyncSession, languages: list[str] | None = None) -> list[Conversation]:
    query = select(Conversation).where(Conversation.state == ConversationState.PENDING)
    if languages:
        query = query.where(Conversation.language.in_(languages))
    return list((await session.scalars(query.order_by(Conversation.handoff_requested_at))).all())


def waiting_since(conversation: Conversation, now: datetime) -> timedelta:
    return now - (conversation.handoff_requested_at or now)


async def start_handoff(
    session: AsyncSession,
    conversation: Conversation,
    reason: str,
    catalog: Catalog,
    office_hours: OfficeHours,
    now: datetime,
    events: EventBus | None = None,
) -> Message:
    """Queue the conversation when advisors are there; otherwise say when they are back and offer a contact
    request instead — no queue that nobody will answer. Returns the notice stored for the user; `events` learn
    that the queue changed (the console's live queue, waiting users' places)."""
    language = conversation.language
    data = None
    if office_hours.is_open(now):
        status = await request_handoff(session, conversation, reason)
        text, data = queued_text(catalog, language, status), {QUEUE_NOTICE: status.position}
    else:
        record_event(session, InsightKind.HANDOFF_REQUESTED, conversation, reason=_reason(reason))
        record_event(session, InsightKind.HANDOFF_OUTCOME, conversation, reason="nobody_available")
        back = office_hours.next_opening(now)
        conversation.contact_offered_until = back or now + CONTACT_OFFER_WITHOUT_HOURS
        if back is None:
            text = catalog.text("office_closed_no_hours", language)
        else:
            local = back.astimezone(office_hours.timezone)
            when = f"{catalog.text(f'day_{DAYS[local.weekday()]}', language)} {local:%d.%m.} {local:%H:%M}"
            text = catalog.text("office_closed", language, when=when)
        data = {CONTACT_OFFER: True}
    notice = await notify_user(session, conversation, text, data)
    if events is not None:
        events.publish("queue_changed", conversation_id=conversation.id, handoff=_reason(reason))
    return notice


def queued_text(catalog: Catalog, language: str | None, status: QueueStatus) -> str:
    """The notice that the conversation waits: its place in the queue and, with claims to go by, the wait."""
    if status.estimated_minutes is None:
        return catalog.text("handoff_queued", language, position=status.position)
    return catalog.text("handoff_queued_estimate", language, position=status.position, minutes=status.estimated_minutes)


class InvalidContact(AppError):
    status_code = 422
    code = "contact_invalid"
    message = "Please give an e-mail address or a phone number."
    catalog_key = "error_contact_invalid"


class ConsentMissing(AppError):
    status_code = 422
    code = "consent_missing"
    message = "Please confirm that we may contact you."
    catalog_key = "error_consent_missing"


_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+")
_PHONE = re.compile(r"\+?[0-9 ()/.-]{6,32}")
# People write phone numbers from 0 or + ("0234 123456", "+49 176 …"); "12.03.2025" or "Auftrag 4711 0815" are not.
_PHONE_IN_TEXT = re.compile(r"(?<![\w+./-])(?:\+|\(?0)[0-9 ()/.-]{4,18}[0-9](?![\w@])")
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MIN_PHONE_DIGITS = 6


def is_contact(text: str) -> bool:
    """An e-mail address or a phone number (at least six digits), nothing else."""
    if _EMAIL.fullmatch(text):
        return True
    return bool(_PHONE.fullmatch(text)) and sum(c.isdigit() for c in text) >= MIN_PHONE_DIGITS


def contact_in(text: str) -> str | None:
    """The e-mail address or phone number a chat message gives ("you can reach me at +49 176 1234567")."""
    email = _EMAIL_IN_TEXT.search(text)
    if email:
        return email.group()
    for match in _PHONE_IN_TEXT.finditer(text):
        if is_contact(match.group()) and not _DATE.fullmatch(match.group()):
            return match.group().strip()
    return None


def awaits_contact(conversation: Conversation, now: datetime) -> bool:
    """Whether the bot has offered to take a contact and the offer stands (until advisors are back)."""
    until = conversation.contact_offered_until
    return until is not None and now < until


async def store_contact_request(
    session: AsyncSession, conversation: Conversation, contact: str, consent: bool, catalog: Catalog
) -> Message:
    contact = contact.strip()
    if not is_contact(contact):
        raise InvalidContact()
    if not consent:
        raise ConsentMissing()
    session.add(
        ContactRequest(conversation_id=conversation.id, contact=contact, consent=True, language=conversation.language)
    )
    conversation.contact_offered_until = None
    record_event(session, InsightKind.HANDOFF_OUTCOME, conversation, reason="contact_request")
    thanks = catalog.text("contact_request_thanks", conversation.language, contact=contact)  # a wrong guess shows
    return await notify_user(session, conversation, thanks, {CONTACT_STORED: True})
