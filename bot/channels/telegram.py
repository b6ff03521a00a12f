"""Telegram for candidates (python-telegram-bot 22): webhook in production, polling locally, off without a token.

Every update is stored once (update ids are remembered, Telegram resends until acknowledged), then routed like any
other message; replies and advisor messages go out through the delivery interface, with Telegram's flood limits
(429 retry_after) and network errors retried, never dropped. While a user waits for an advisor, the one queue notice
they got is edited in place when their place in the queue changes (a new message per change would be noise).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.domain import conversations
from bot.domain.dialogue import city_name
from bot.domain.feedback import NotRateable, rate_answer
from bot.domain.handoff import (
    CONTACT_OFFER,
    CONTACT_STORED,
    QUEUE_EVENTS,
    QUEUE_NOTICE,
    queue_status,
    queued_text,
    start_handoff,
)
from bot.domain.models import (
    Conversation,
    ConversationState,
    DeliveryStatus,
    Direction,
    Message,
    ProcessedUpdate,
    SenderKind,
    utcnow,
)
from bot.domain.office_hours import OfficeHours
from bot.domain.privacy import Eraser, export_data
from bot.domain.router import MessageRouter
from bot.infra.events import EventBus
from bot.infra.i18n import Catalog
from bot.infra.rate_limit import RateLimited, RateLimiter
from bot.knowledge.schema import CITY_IDS
from bot.understanding.language import LanguageDetector

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_LENGTH = 4096
SEND_ATTEMPTS = 5
_URL = re.compile(r"https?://[^\s<>\"]+")
SENT_ID = "telegram_message_id"  # key in a stored message's data: the id Telegram gave the (last part of the) message


Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def split_message(text: str, limit: int = MAX_LENGTH) -> list[str]:
    """Pieces of at most `limit` characters, cut at paragraph, then line, then word boundaries."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or max(window.rfind(" "), 0) or limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def to_html(text: str) -> str:
    """Escapes everything, then turns bare URLs into links: safe HTML for parse_mode=HTML."""
    escaped = html.escape(text, quote=False)
    return _URL.sub(lambda m: f'<a href="{html.escape(m.group(0))}">{m.group(0)}</a>', escaped)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        webhook_url: str | None,
        webhook_secret: str,
        sessions: async_sessionmaker[AsyncSession],
        router: MessageRouter,
        catalog: Catalog,
        detector: Callable[[], LanguageDetector],
        office_hours: OfficeHours,
        default_language: str,
        eraser: Eraser,
        retention_days: int = 180,
        limiter: RateLimiter | None = None,
        events: EventBus | None = None,
        retry_base_seconds: float = 1.0,
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self._sessions = sessions
        self._router = router
        self._catalog = catalog
        self._detector = detector
        self._office_hours = office_hours
        self._default_language = default_language
        self._retry_base = retry_base_seconds
        self._events = events
        self._eraser = eraser
        self._retention_days = retention_days
        self._limiter = limiter
        self._queue_follower: asyncio.Task[None] | None = None
        builder = Application.builder().token(token).base_url(base_url)
        if webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self._register_handlers()

    # ------------------------------------------------------------ life cycle

    async def start(self) -> None:
        await self.application.initialize()
        if self.webhook_url:
            await self.application.bot.set_webhook(
                self.webhook_url, secret_token=self.webhook_secret, allowed_updates=Update.ALL_TYPES
            )
        elif self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await self.application.start()
        if self._events is not None:
            self._queue_follower = asyncio.create_task(self._follow_queue(self._events))

    async def stop(self) -> None:
        if self._queue_follower is not None:
            self._queue_follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._queue_follower
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def process_webhook(self, data: dict[str, Any]) -> None:
        await self.application.process_update(Update.de_json(data, self.application.bot))

    # ------------------------------------------------------------ handlers

    def _register_handlers(self) -> None:
        app = self.application
        app.add_handler(TypeHandler(Update, self._once), group=-1)
        private = filters.ChatType.PRIVATE
        for name, handler in (
            ("start", self._on_start),
            ("language", self._on_language),
            ("city", self._on_city),
            ("human", self._on_human),
            ("privacy", self._on_privacy),
            ("export", self._on_export),
            ("delete", self._on_delete),
            ("help", self._on_help),
        ):
            app.add_handler(CommandHandler(name, handler, filters=private))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & filters.CONTACT, self._on_contact))
        app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.TEXT, self._on_media))
        app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, self._on_group))
        # Edited messages match no handler: the original was answered already.

    async def _once(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Remember the update id before handling it; a resent update stops here."""
        async with self._sessions() as session:
            session.add(ProcessedUpdate(channel=CHANNEL, update_id=str(update.update_id)))
            try:
                await session.commit()
            except IntegrityError:
                log.info("telegram update %s already handled", update.update_id)
                raise ApplicationHandlerStop from None

    async def _conversation(self, update: Update) -> Conversation:
        chat = update.effective_chat
        user = update.effective_user
        assert chat is not None
        hint = (user.language_code or "")[:2] if user else ""
        async with self._sessions() as session:
            found = await session.scalar(
                select(Conversation).where(Conversation.channel == CHANNEL, Conversation.external_id == str(chat.id))
            )
            if found is not None:
                return found
            conversation, _ = await conversations.start_conversation(session, channel=CHANNEL)
            conversation.external_id = str(chat.id)
            # Telegram's language_code is a channel hint: used until the user chooses or writes otherwise.
            conversation.language = hint if self._catalog.supports(hint) else None
            try:
                await session.commit()
            except IntegrityError:  # two first messages at once
                await session.rollback()
                return await self._conversation(update)
            return conversation

    def _language(self, conversation: Conversation) -> str:
        return conversation.language or self._default_language

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        conversation = await self._conversation(update)
        greeting = self._catalog.text("greeting", self._language(conversation))
        await self._reply(
            conversation,
            f"{greeting}\n\n{self._catalog.text('choose_language', self._language(conversation))}",
            self._language_keyboard(conversation),
        )

    async def _on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        conversation = await self._conversation(update)
        await self._reply(
            conversation,
            self._catalog.text("choose_language", self._language(conversation)),
            self._language_keyboard(conversation),
        )

    def _language_keyboard(self, conversation: Conversation) -> InlineKeyboardMarkup:
        rows, row = [], []
        for code, info in self._catalog.languages.items():
            mark = "✓ " if code == conversation.language else ""
            row.append(InlineKeyboardButton(f"{mark}{info.name}", callback_data=f"lang:{code}"))
            if len(row) == 3:
                rows.append(row)
                row = []
        return InlineKeyboardMarkup([*rows, row] if row else rows)

    async def _on_city(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        conversation = await self._conversation(update)
        language = self._language(conversation)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(city_name(self._catalog, cid, language), callback_data=f"city:{cid}")
                    for cid in CITY_IDS
                ]
            ]
        )
        await self._reply(conversation, self._catalog.text("ask_city", language), keyboard)

    async def _on_human(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        conversation = await self._conversation(update)
        async with self._sessions() as session:
            conversation = await session.merge(conversation)
            notice = await start_handoff(
                session, conversation, "asked", self._catalog, self._office_hours, utcnow(), self._events
            )
        await self.send(conversation, notice)

    async def _on_privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        conversation = await self._conversation(update)
        notice = self._catalog.text("privacy_notice", self._language(conversation), days=self._retention_days)
        await self._reply(conversation, notice)

    async def _on_export(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Everything stored about the chat, as a JSON file (the widget's and the API's GET …/data)."""
        conversation = await self._conversation(update)
        async with self._sessions() as session:
            data = await export_data(session, await session.merge(conversation))
        document = InputFile(
            json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"), filename="glueckauf-data.json"
        )
        caption = self._catalog.text("telegram_export_caption", self._language(conversation))
        await self._with_retries(
            functools.partial(
                self.application.bot.send_document, int(conversation.external_id or 0), document, caption=caption
            )
        )

    async def _on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        conversation = await self._conversation(update)
        await self._reply(conversation, self._catalog.text("telegram_help", self._language(conversation)))

    async def _on_delete(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        conversation = await self._conversation(update)
        language = self._language(conversation)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(self._catalog.text("button_yes", language), callback_data="delete:yes"),
                    InlineKeyboardButton(self._catalog.text("button_no", language), callback_data="delete:no"),
                ]
            ]
        )
        await self._reply(conversation, self._catalog.text("telegram_delete_confirm", language), keyboard)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        data = query.data or ""
        conversation = await self._conversation(update)
        if query.message is not None:
            await query.edit_message_reply_markup(reply_markup=None)  # a button works once
        kind, _, value = data.partition(":")
        if kind == "lang" and self._catalog.supports(value):
            await self._update(conversation, language=value, language_explicit=True)
            await self._reply(conversation, self._catalog.text("language_set", value))
        elif kind == "city" and value in CITY_IDS:
            await self._update(conversation, city=value)
            language = self._language(conversation)
            await self._reply(
                conversation,
                self._catalog.text("city_set", language, city=city_name(self._catalog, value, language)),
            )
        elif kind == "delete":
            await self._delete(conversation, confirmed=value == "yes")
        elif kind == "rate":
            await self._rate(conversation, value)
        elif data.startswith("/"):
            await self._handle_text(update, conversation, data)  # a button the bot sent: its payload is the answer

    async def _rate(self, conversation: Conversation, value: str) -> None:
        message_id, _, helpful = value.partition(":")
        if not message_id.isdigit():
            return
        async with self._sessions() as session:
            stored = await session.get(Conversation, conversation.id)
            assert stored is not None
            try:
                await rate_answer(session, stored, int(message_id), helpful == "1", None)
            except NotRateable:
                return  # a stale button of a deleted conversation: nothing to rate
        await self._reply(conversation, self._catalog.text("feedback_thanks", self._language(conversation)))

    async def _update(self, conversation: Conversation, **fields: Any) -> None:
        async with self._sessions() as session:
            stored = await session.get(Conversation, conversation.id)
            assert stored is not None
            for key, value in fields.items():
                setattr(stored, key, value)
                setattr(conversation, key, value)
            await session.commit()

    async def _delete(self, conversation: Conversation, *, confirmed: bool) -> None:
        language = self._language(conversation)
        if not confirmed:
            await self._reply(conversation, self._catalog.text("telegram_delete_cancelled", language))
            return
        async with self._sessions() as session:
            await self._eraser.erase(session, [conversation.id])
        await self._send_text(conversation.external_id or "", self._catalog.text("telegram_deleted", language))

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        conversation = await self._conversation(update)
        await self._handle_text(update, conversation, update.effective_message.text or "")

    async def _handle_text(self, update: Update, conversation: Conversation, text: str) -> None:
        try:
            text = conversations.clean_text(text, MAX_LENGTH)
        except Exception:  # empty after cleaning: nothing to answer
            return
        if self._limiter is not None:
            try:  # the chat API's per-conversation limit; a flooding chat is told, not answered message by message
                await self._limiter.hit(conversation.id)
            except RateLimited:
                await self._reply(conversation, self._catalog.text("error_rate_limited", self._language(conversation)))
                return
        async with self._sessions() as session:
            stored = await session.get(Conversation, conversation.id)
            assert stored is not None
            with self._router.metrics.timed("store"):
                await conversations.store_user_message(
                    session,
                    stored,
                    text,
                    detector=self._detector(),
                    default_language=self._default_language,
                    client_message_id=f"tg:{update.update_id}",
                )
        await self._with_retries(
            functools.partial(
                self.application.bot.send_chat_action, int(conversation.external_id or 0), ChatAction.TYPING
            )
        )
        await self._router.dispatch(conversation.id)  # replies reach the user through send()

    async def _on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The "share my phone number" button: the user's own number, taken like a number they typed (a contact
        request while the offer stands). Someone else's contact card is not theirs to give."""
        message, sender = update.effective_message, update.effective_user
        contact = message.contact if message else None
        if contact is None or sender is None or contact.user_id != sender.id:
            await self._on_media(update, context)
            return
        number = contact.phone_number if contact.phone_number.startswith("+") else f"+{contact.phone_number}"
        await self._handle_text(update, await self._conversation(update), number)

    async def _on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        conversation = await self._conversation(update)
        await self._reply(conversation, self._catalog.text("telegram_text_only", self._language(conversation)))

    async def _on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text and message.text.startswith("/"):
            hint = (update.effective_user.language_code or "")[:2] if update.effective_user else ""
            language = hint if self._catalog.supports(hint) else self._default_language
            await self._send_text(str(message.chat_id), self._catalog.text("telegram_group_note", language))

    # ------------------------------------------------------------ sending

    async def _reply(self, conversation: Conversation, text: str, keyboard: Markup | None = None) -> None:
        await self._send_text(conversation.external_id or "", text, keyboard)

    async def send(self, conversation: Conversation, message: Message) -> None:
        """The delivery interface: bot replies, advisor messages and notices; marks the message delivered."""
        if message.private or not conversation.external_id:
            return
        buttons = (message.data or {}).get("buttons") or []
        rows = [[InlineKeyboardButton(b["title"], callback_data=b["payload"][:64])] for b in buttons]
        if (message.data or {}).get("rateable"):
            language = self._language(conversation)
            rows.append(
                [
                    InlineKeyboardButton(
                        f"👍 {self._catalog.text('feedback_helpful', language)}", callback_data=f"rate:{message.id}:1"
                    ),
                    InlineKeyboardButton(
                        f"👎 {self._catalog.text('feedback_not_helpful', language)}",
                        callback_data=f"rate:{message.id}:0",
                    ),
                ]
            )
        keyboard: Markup | None = InlineKeyboardMarkup(rows) if rows else None
        if (message.data or {}).get(CONTACT_OFFER):  # outside office hours: one tap shares the user's own number
            share = KeyboardButton(
                self._catalog.text("button_share_phone", self._language(conversation)), request_contact=True
            )
            keyboard = ReplyKeyboardMarkup([[share]], one_time_keyboard=True, resize_keyboard=True)
        elif (message.data or {}).get(CONTACT_STORED):
            keyboard = ReplyKeyboardRemove()
        sent_id = await self._send_text(conversation.external_id, message.text, keyboard)
        async with self._sessions() as session:
            stored = await session.get(Message, message.id)
            if stored is not None:
                stored.delivery_status = DeliveryStatus.DELIVERED
                if stored.data and QUEUE_NOTICE in stored.data and sent_id is not None:
                    stored.data = {**stored.data, SENT_ID: sent_id}  # a new dict: JSON columns track assignment
                await session.commit()

    async def _send_text(self, chat_id: str, text: str, keyboard: Markup | None = None) -> int | None:
        """Sends in pieces; returns Telegram's id of the last piece."""
        pieces = split_message(text) or [""]
        sent: Any = None
        for index, piece in enumerate(pieces):
            markup = keyboard if index == len(pieces) - 1 else None
            sent = await self._with_retries(
                functools.partial(
                    self.application.bot.send_message,
                    int(chat_id),
                    to_html(piece),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            )
        return getattr(sent, "message_id", None)

    # ------------------------------------------------------------ live queue notices

    async def _follow_queue(self, events: EventBus) -> None:
        """Refreshes waiting users' queue notices after events that move the queue; a burst of events, one pass."""
        async with events.subscribe() as queue:
            while True:
                kinds = {(await queue.get()).get("kind")}
                while not queue.empty():
                    kinds.add(queue.get_nowait().get("kind"))
                if kinds.isdisjoint(QUEUE_EVENTS):
                    continue
                try:
                    await self.refresh_queue_notices()
                except Exception:  # a failed pass must not end the follower; the next event tries again
                    log.exception("telegram: refreshing queue notices failed")

    async def refresh_queue_notices(self) -> None:
        """Edits the queue notice of every waiting Telegram user whose place changed."""
        async with self._sessions() as session:
            waiting = (
                await session.scalars(
                    select(Conversation).where(
                        Conversation.channel == CHANNEL, Conversation.state == ConversationState.PENDING
                    )
                )
            ).all()
            for conversation in waiting:
                notice = await self._queue_notice(session, conversation)
                if notice is None or notice.data is None:
                    continue
                status = await queue_status(session, conversation)
                if status.position == notice.data.get(QUEUE_NOTICE):
                    continue
                text = queued_text(self._catalog, conversation.language, status)
                try:
                    await self._with_retries(
                        functools.partial(
                            self.application.bot.edit_message_text,
                            to_html(text),
                            chat_id=int(conversation.external_id or 0),
                            message_id=int(notice.data[SENT_ID]),
                            parse_mode=ParseMode.HTML,
                            link_preview_options=LinkPreviewOptions(is_disabled=True),
                        )
                    )
                except BadRequest as exc:  # the user deleted the notice, or it already says this
                    log.info("telegram: queue notice of %s not edited: %s", conversation.id, exc.message)
                notice.data = {**notice.data, QUEUE_NOTICE: status.position}
            await session.commit()

    @staticmethod
    async def _queue_notice(session: AsyncSession, conversation: Conversation) -> Message | None:
        """The latest delivered queue notice of this wait (the newest system message that carries one)."""
        recent = await session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation.id,
                Message.direction == Direction.OUTBOUND,
                Message.sender == SenderKind.SYSTEM,
                Message.created_at >= conversation.handoff_requested_at,
            )
            .order_by(Message.id.desc())
            .limit(10)
        )
        for message in recent:
            if message.data and SENT_ID in message.data:
                return message
        return None

    async def _with_retries(self, call: Callable[[], Awaitable[Any]]) -> Any:
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await call()
            except RetryAfter as exc:
                if attempt == SEND_ATTEMPTS:
                    raise
                await asyncio.sleep(_seconds(exc._retry_after))
            except NetworkError:
                if attempt == SEND_ATTEMPTS:
                    raise
                await asyncio.sleep(self._retry_base * 2 ** (attempt - 1))
        return None
