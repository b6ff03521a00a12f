"""Routes stored user messages: to the engine while the bot owns the conversation, never during a handoff.

Inbound messages stay `queued` until the engine has answered them, in order; when the engine is down the user gets
one "one moment, please" and a background loop delivers the backlog once the engine is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.conversations import UNREADABLE, outbound
from bot.domain.delivery import Delivery
from bot.domain.dialogue import read_control
from bot.domain.handoff import awaits_contact, contact_in, start_handoff, store_contact_request
from bot.domain.insight_events import record_turn
from bot.domain.models import Conversation, ConversationState, DeliveryStatus, Direction, Message, SenderKind, utcnow
from bot.domain.office_hours import OfficeHours
from bot.infra.dispatch_lock import DispatchBusy, DispatchLocks
from bot.infra.engine_client import EngineClient, EngineReply, EngineUnavailable
from bot.infra.events import EventBus
from bot.infra.i18n import Catalog
from bot.infra.logs import about_conversation
from bot.infra.metrics import Metrics
from bot.understanding.text import unshouted

log = logging.getLogger(__name__)


class MessageRouter:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        engine: EngineClient,
        catalog: Catalog,
        default_language: str,
        office_hours: OfficeHours,
        events: EventBus,
        delivery: Delivery,
        clock: Callable[[], datetime] = utcnow,
        locks: DispatchLocks | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._engine = engine
        self._catalog = catalog
        self._default_language = default_language
        self._office_hours = office_hours
        self._events = events
        self._delivery = delivery
        self._clock = clock
        self._locks = locks or DispatchLocks()
        self._metrics = metrics or Metrics()
        self._in_background: set[asyncio.Task[list[Message]]] = set()

    @property
    def metrics(self) -> Metrics:
        return self._metrics

    def dispatch_soon(self, conversation_id: str) -> None:
        """Dispatches without waiting (the widget: replies reach the socket through the bus). The task is kept until
        it ends, and `finish` waits for it before the database goes away."""
        task = asyncio.create_task(self.dispatch(conversation_id))
        self._in_background.add(task)
        task.add_done_callback(self._in_background.discard)

    async def finish(self, timeout: float = 10.0) -> None:
        """At shutdown: lets running dispatches end (their messages are stored), then cancels what is left; what they
        had not sent to the engine stays queued and is retried on the next start."""
        if not self._in_background:
            return
        running = set(self._in_background)
        _, pending = await asyncio.wait(running, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def dispatch(self, conversation_id: str) -> list[Message]:
        """Send the conversation's queued user messages to the engine; store the replies and hand them to the
        conversation's channel (push channels send them now, the web chat returns or pulls them)."""
        try:
            async with self._locks.hold(conversation_id):
                with about_conversation(conversation_id), self._metrics.timed("turn"):
                    conversation, replies = await self._dispatch(conversation_id)
                for reply in replies:
                    if conversation is not None:
                        await self._delivery.deliver(conversation, reply)
                return replies
        except DispatchBusy:  # the other instance answers; its replies reach the user through the event bus
            log.warning("conversation %s is being dispatched elsewhere; its messages stay queued", conversation_id)
            return []

    async def _dispatch(self, conversation_id: str) -> tuple[Conversation | None, list[Message]]:
        """The conversation's queued messages, oldest first, each in its own short transactions: what to do with it
        is decided and stored before the engine is asked; no database session stays open while the engine thinks."""
        replies: list[Message] = []
        conversation: Conversation | None = None
        while True:
            async with self._sessions() as session:
                conversation = await session.get(Conversation, conversation_id)
                if conversation is None:
                    return None, replies
                if conversation.state != ConversationState.BOT:
                    await self._leave_to_advisors(session, conversation)
                    return conversation, replies
                queued = await _queued_inbound(session, conversation_id)
                if not queued:
                    return conversation, replies
                inbound = queued[0]
                answered_here = await self._answer_without_engine(session, conversation, inbound)
                if answered_here is not None:
                    replies.append(answered_here)
                    await session.commit()
                    continue
                question = unshouted(inbound.text, inbound.language or conversation.language)
                metadata = _metadata(conversation, self._office_hours.is_open(self._clock()))
            try:
                with self._metrics.timed("engine"):
                    answers = await self._engine.send(conversation_id, question, metadata)
            except EngineUnavailable as exc:
                self._metrics.engine_errors.inc()
                log.warning("engine unavailable for %s: %s", conversation_id, exc)
                replies += await self._engine_failed(inbound.id)
                return conversation, replies
            stored, turn_replies, handed_off = await self._store_turn(conversation_id, inbound.id, answers)
            conversation = stored or conversation
            replies += turn_replies
            if handed_off:  # a human owns what the user writes next
                return conversation, replies

    async def _leave_to_advisors(self, session: AsyncSession, conversation: Conversation) -> None:
        """A human owns the conversation (or it waits for one): its messages are for the advisors, not the engine —
        not even later, after the hand-back."""
        for inbound in await _queued_inbound(session, conversation.id):
            inbound.delivery_status = DeliveryStatus.DELIVERED
        await session.commit()
        self._events.publish("message", conversation_id=conversation.id)

    async def _answer_without_engine(
        self, session: AsyncSession, conversation: Conversation, inbound: Message
    ) -> Message | None:
        """Messages the service answers itself: a contact left after the offer, a language we do not speak, text
        nobody can read. None: the message is a question for the engine."""
        contact = contact_in(inbound.text) if awaits_contact(conversation, self._clock()) else None
        if contact:  # the reply to "leave your e-mail address or phone number": a contact request, not a question
            inbound.delivery_status = DeliveryStatus.DELIVERED
            stored = await store_contact_request(session, conversation, contact, True, self._catalog)
            self._events.publish("contact_request", conversation_id=conversation.id)
            return stored
        if inbound.language and inbound.language not in self._catalog.languages:
            # A language we do not speak: say so in English and German, list ours; no guessing.
            inbound.delivery_status = DeliveryStatus.DELIVERED
            names = ", ".join(info.name for info in self._catalog.languages.values())
            text = "\n\n".join(
                self._catalog.text("unsupported_language", lang, languages=names) for lang in ("en", "de")
            )
            return outbound(session, conversation, text, SenderKind.SYSTEM, "en")
        if (inbound.data or {}).get(UNREADABLE):
            # "asdfghjkl": the classifier would give it an intent ("thanks!"); say what the bot is for.
            inbound.delivery_status = DeliveryStatus.DELIVERED
            return self._system_reply(session, conversation, "how_can_i_help")
        return None

    async def _engine_failed(self, inbound_id: int) -> list[Message]:
        """The message stays queued for the retry loop; the user hears "one moment" once, not on every retry."""
        async with self._sessions() as session:
            inbound = await session.get(Message, inbound_id)
            conversation = await session.get(Conversation, inbound.conversation_id) if inbound else None
            if inbound is None or conversation is None:
                return []
            inbound.attempts += 1
            notice = [self._system_reply(session, conversation, "engine_unavailable")] if inbound.attempts == 1 else []
            await session.commit()
            return notice

    async def _store_turn(
        self, conversation_id: str, inbound_id: int, answers: list[EngineReply]
    ) -> tuple[Conversation | None, list[Message], bool]:
        """The engine's answers to one message, stored in one transaction with what they change (language, city,
        insight); then the handoff, if the turn asked for one. Returns the conversation, the replies and whether the
        conversation went to the advisors."""
        async with self._sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            inbound = await session.get(Message, inbound_id)
            if conversation is None or inbound is None:  # erased while the engine answered
                return None, [], False
            inbound.delivery_status = DeliveryStatus.DELIVERED
            self._metrics.turns.labels(conversation.channel).inc()
            handoff_reason: str | None = None
            annotation: dict[str, Any] = {}
            replies: list[Message] = []
            for answer in answers:
                control = read_control(answer.data, set(self._catalog.languages))
                if control:
                    self._apply_update(conversation, control)
                    handoff_reason = control.get("handoff") or handoff_reason
                    annotation = control.get("knowledge") or {}
                    if control.get("insight"):
                        record_turn(session, conversation, control["insight"], inbound.text)
                if not answer.text:
                    continue
                data = {k: v for k, v in answer.data.items() if k != "custom"}
                if annotation:  # Rasa splits an answer at blank lines: every part belongs to the entry
                    data["knowledge"] = annotation
                replies.append(
                    outbound(session, conversation, answer.text, SenderKind.BOT, conversation.language, data)
                )
            _mark_rateable(replies)
            await session.commit()
            if not handoff_reason:
                return conversation, replies, False
            notice = await start_handoff(
                session,
                conversation,
                handoff_reason,
                self._catalog,
                self._office_hours,
                self._clock(),
                self._events,
            )
            return conversation, [*replies, notice], True

    @staticmethod
    def _apply_update(conversation: Conversation, control: dict[str, Any]) -> None:
        if "language" in control:
            conversation.language = control["language"]
            conversation.language_explicit = True
        if "city" in control:
            conversation.city = control["city"]

    def _system_reply(self, session: AsyncSession, conversation: Conversation, key: str) -> Message:
        language = conversation.language or self._default_language
        return outbound(session, conversation, self._catalog.text(key, language), SenderKind.SYSTEM, language)

    async def retry_queued(self) -> int:
        """Dispatch every bot-owned conversation with a backlog; returns how many replies were produced."""
        async with self._sessions() as session:
            query = (
                select(Message.conversation_id)
                .join(Conversation)
                .where(
                    Message.direction == Direction.INBOUND,
                    Message.delivery_status == DeliveryStatus.QUEUED,
                    Conversation.state == ConversationState.BOT,
                )
                .distinct()
            )
            conversation_ids = list((await session.scalars(query)).all())
        produced = 0
        for conversation_id in conversation_ids:
            produced += len(await self.dispatch(conversation_id))
        return produced

    async def run_retry_loop(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.retry_queued()
                await self._delivery.redeliver_queued(self._sessions)
            except Exception:  # a database restart must not end the loop
                log.exception("retrying queued messages failed; trying again in %.0f s", interval)


async def _queued_inbound(session: AsyncSession, conversation_id: str) -> list[Message]:
    query = (
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.INBOUND,
            Message.delivery_status == DeliveryStatus.QUEUED,
        )
        .order_by(Message.id)
    )
    return list((await session.scalars(query)).all())


# Who writes on a channel unless they say otherwise: candidates chat on Telegram, employers say so in the widget.
CHANNEL_AUDIENCE = {"telegram": "candidate"}


def _metadata(conversation: Conversation, advisors_available: bool) -> dict[str, Any]:
    default_audience = CHANNEL_AUDIENCE.get(conversation.channel or "") if not conversation.audience else None
    return {
        "advisors_available": advisors_available,
        "conversation_id": conversation.id,
        "language": conversation.language,
        "city": conversation.city,
        "audience": conversation.audience or default_audience,
        "audience_is_default": default_audience is not None,
        "channel": conversation.channel,
    }


def _mark_rateable(replies: list[Message]) -> None:
    """The last part of each knowledge answer carries the 👍/👎 buttons (one rating per answer, not per part)."""
    for position, reply in enumerate(replies):
        following = replies[position + 1] if position + 1 < len(replies) else None
        knowledge = (reply.data or {}).get("knowledge")
        if knowledge and (following is None or (following.data or {}).get("knowledge") != knowledge):
            reply.data = {**(reply.data or {}), "rateable": True}
