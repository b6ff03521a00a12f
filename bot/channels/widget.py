"""The employer website widget: the script, its UI strings, the live WebSocket, and the demo page."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse
from starlette.websockets import WebSocketState

from bot.console.templating import templates
from bot.domain import conversations
from bot.domain.answering import checklist_links
from bot.domain.handoff import QUEUE_EVENTS, queue_position
from bot.domain.models import Conversation, ConversationState
from bot.infra.errors import AppError, ConversationNotFound, PayloadTooLarge
from bot.infra.i18n import Catalog
from bot.infra.rate_limit import RateLimited, RateLimiter
from bot.routes.schemas import LanguageCode, MessageOut, errors

router = APIRouter(tags=["widget"])
WIDGET_JS = Path(__file__).resolve().parent.parent / "static" / "widget.js"
WIDGET_KEYS = (
    "widget_title",
    "widget_open",
    "widget_close",
    "widget_placeholder",
    "widget_send",
    "widget_language",
    "widget_human",
    "widget_checklist",
    "widget_reconnecting",
    "widget_offline",
    "widget_audience_question",
    "widget_candidate",
    "widget_employer",
    "widget_log_label",
    "widget_privacy",
    "widget_delete_data",
    "widget_delete_confirm",
    "widget_data_deleted",
    "feedback_helpful",
    "feedback_not_helpful",
    "greeting",
    "greeting_employer",
)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def demo_page(request: Request) -> HTMLResponse:
    """An example employer website with the widget embedded — the first page a newcomer sees."""
    return templates.TemplateResponse(request, "demo.html", {"base": str(request.base_url).rstrip("/")})


@router.get(
    "/privacy",
    response_class=HTMLResponse,
    summary="The privacy notice, in the language asked for",
    responses=errors(422, html=True),
)
async def privacy_page(request: Request, lang: LanguageCode = "de") -> HTMLResponse:  # type: ignore[valid-type,assignment]
    catalog: Catalog = request.app.state.catalog
    days = request.app.state.settings.retention_days
    context = {
        "language": lang,
        "direction": catalog.languages[lang].direction,
        "title": catalog.text("privacy_title", lang),
        "notice": catalog.text("privacy_notice", lang, days=days),
        "languages": [(code, info.name) for code, info in catalog.languages.items()],
    }
    return templates.TemplateResponse(request, "privacy.html", context)


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> FileResponse:
    return FileResponse(WIDGET_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/api/ui/{language}", summary="The widget's UI strings and the supported languages")
async def ui_strings(request: Request, language: LanguageCode) -> dict[str, Any]:  # type: ignore[valid-type]
    catalog: Catalog = request.app.state.catalog
    info = catalog.languages[language]
    return {
        "language": language,
        "direction": info.direction,
        "strings": {key: catalog.text(key, language) for key in WIDGET_KEYS},
        "languages": [{"code": c, "name": i.name, "direction": i.direction} for c, i in catalog.languages.items()],
        # The employers' "digital folder", offered beside the chat when the widget talks to employers.
        "checklists": [
            {"id": c.id, "html": checklist_links("", c.id, language, None)[0]}  # the widget adds its origin
            for c in request.app.state.dialogue.knowledge.kb.checklists.values()
        ],
    }


class _Closed(Exception):
    pass


SOCKETS_PER_CONVERSATION = 4  # a few tabs; more is somebody trying to exhaust the service
FRAMES_PER_MESSAGE = 3  # frames allowed per minute for each chat message allowed (resume, retries)
RESUME_MESSAGES = 100  # a reconnecting socket gets at most the newest 100 it has not seen
AUTH_SECONDS = 10.0  # a socket without a token in its URL must send {"type": "auth", "token": …} within this


async def _first_frame_token(websocket: WebSocket, max_bytes: int) -> str | None:
    """The token from the first frame, so that it never appears in a URL (and in a proxy's access log)."""
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), AUTH_SECONDS)
        frame = json.loads(raw) if len(raw) <= max_bytes else {}
    except (TimeoutError, ValueError, WebSocketDisconnect):
        return None
    return str(frame.get("token") or "") if isinstance(frame, dict) and frame.get("type") == "auth" else None


@router.websocket("/ws/conversations/{conversation_id}")
async def conversation_socket(
    websocket: WebSocket, conversation_id: str, token: Annotated[str | None, Query()] = None
) -> None:
    """Client frames: first {"type": "auth", "token": …} (or `?token=` in the URL, which logs may keep), then
    {"type": "resume", "after": id} and {"type": "message", "id": client id, "text": …}; at most
    FRAMES_PER_MESSAGE × MESSAGES_PER_MINUTE frames a minute and MAX_BODY_BYTES each, or the socket is closed.
    Server frames: {"type": "ack", "id", "message"}, {"type": "message", "message"}, {"type": "error", …} and,
    while the conversation waits for an advisor, {"type": "queue", "position", "text"} whenever its place changes
    (position null once it no longer waits)."""
    app = websocket.app
    settings = app.state.settings
    if not settings.origin_allowed(websocket.headers.get("origin")):
        await websocket.close(code=4403, reason="origin not allowed")
        return
    if token is None:  # the widget: accepted, then the token in the first frame
        await websocket.accept()
        token = await _first_frame_token(websocket, settings.max_body_bytes)
    async with app.state.sessions() as session:
        try:
            conversation = await conversations.get_authorised_conversation(session, conversation_id, token)
        except (ConversationNotFound, AppError):
            await websocket.close(code=4401, reason="unknown conversation or wrong token")
            return
    open_sockets: Counter[str] = app.state.open_sockets
    if open_sockets[conversation_id] >= SOCKETS_PER_CONVERSATION:
        await websocket.close(code=4429, reason="too many connections for this conversation")
        return
    if websocket.client_state != WebSocketState.CONNECTED:
        await websocket.accept()
    open_sockets[conversation_id] += 1
    try:
        await _SocketSession(websocket, conversation).serve()
    finally:
        open_sockets[conversation_id] -= 1
        if open_sockets[conversation_id] <= 0:
            del open_sockets[conversation_id]


class _SocketSession:
    """One open widget socket: three tasks — the bus listener wakes the pusher, the pusher sends new messages and
    queue places, the reader handles the client's frames — until one of them ends (disconnect, limit, error)."""

    def __init__(self, websocket: WebSocket, conversation: Conversation) -> None:
        self.websocket = websocket
        self.app = websocket.app
        self.conversation = conversation
        self.last = 0  # the last message id sent
        self.position: int | None = None  # the queue place shown
        self.own = False  # whether this conversation's own messages may have changed
        self.wake = asyncio.Event()

    async def serve(self) -> None:
        tasks = [asyncio.create_task(t()) for t in (self.listen_to_bus, self.pusher, self.reader)]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, _Closed, WebSocketDisconnect, RuntimeError):
                    await task

    async def push_new(self) -> None:
        async with self.app.state.sessions() as session:
            messages = await conversations.list_messages(session, self.conversation.id, self.last, RESUME_MESSAGES)
            await conversations.mark_delivered(session, messages)
        for message in messages:
            await self.websocket.send_json({"type": "message", "message": _out(message)})
            self.last = max(self.last, message.id)

    async def push_queue_position(self) -> None:
        async with self.app.state.sessions() as session:
            stored = await session.get(Conversation, self.conversation.id)
            waiting = stored is not None and stored.state == ConversationState.PENDING
            position = await queue_position(session, stored) if waiting and stored is not None else None
        if position == self.position:
            return
        self.position = position
        catalog: Catalog = self.app.state.catalog
        language = stored.language if stored is not None and stored.language else self.default_language
        text = catalog.text("queue_position", language, position=position) if position else ""
        await self.websocket.send_json({"type": "queue", "position": position, "text": text})

    async def listen_to_bus(self) -> None:
        async with self.app.state.events.subscribe() as queue:
            while True:
                event = await queue.get()
                if event.get("conversation_id") == self.conversation.id:
                    self.own = True
                    self.wake.set()
                elif event.get("kind") in QUEUE_EVENTS and self.position is not None:
                    self.wake.set()  # another conversation leaving the queue moves this waiting one up

    async def pusher(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.own:
                self.own = False
                await self.push_new()
            await self.push_queue_position()

    async def refuse(self, error: AppError, close_code: int) -> None:
        await self.send_error(None, error)
        await self.websocket.close(code=close_code)
        raise _Closed()

    async def reader(self) -> None:
        frames: RateLimiter = self.app.state.frame_limiter
        max_bytes = self.app.state.settings.max_body_bytes
        while True:
            try:
                raw = await self.websocket.receive_text()
            except WebSocketDisconnect:
                raise _Closed() from None
            try:  # every frame counts, before any work on it
                await frames.hit(self.conversation.id)
            except RateLimited as exc:
                await self.refuse(exc, 1008)
            if len(raw) > max_bytes:
                await self.refuse(PayloadTooLarge(f"A frame may have at most {max_bytes} bytes."), 1009)
            try:
                frame = json.loads(raw)
            except ValueError:
                await self.websocket.send_json({"type": "error", "code": "invalid_frame"})
                continue
            if frame.get("type") == "resume":
                self.last = int(frame.get("after") or 0)
                self.own = True
                self.wake.set()
            elif frame.get("type") == "message":
                await self.handle_message(frame)

    async def handle_message(self, frame: dict[str, Any]) -> None:
        state = self.app.state
        client_id = str(frame.get("id") or "")[:64] or None
        try:
            async with state.sessions() as session:
                stored = await session.get(Conversation, self.conversation.id)
                if stored is None:
                    raise ConversationNotFound()
                text = conversations.clean_text(str(frame.get("text") or ""), state.settings.max_message_chars)
                await state.rate_limiter.hit(self.conversation.id)
                with state.router.metrics.timed("store"):
                    message = await conversations.store_user_message(
                        session,
                        stored,
                        text,
                        detector=state.language_detector,
                        default_language=self.default_language,
                        client_message_id=client_id,
                    )
                language = stored.language
        except AppError as exc:
            await self.send_error(client_id, exc)
            return
        ack = {"type": "ack", "id": client_id, "message": _out(message), "language": language}
        await self.websocket.send_json(ack)
        state.router.dispatch_soon(self.conversation.id)  # replies come via the bus

    async def send_error(self, client_id: str | None, error: AppError) -> None:
        catalog: Catalog = self.app.state.catalog
        language = self.conversation.language or self.default_language
        text = catalog.text(error.catalog_key, language, **error.values) if error.catalog_key else error.detail
        await self.websocket.send_json({"type": "error", "id": client_id, "code": error.code, "message": text})

    @property
    def default_language(self) -> str:
        language: str = self.app.state.settings.default_language
        return language


def _out(message: Any) -> dict[str, Any]:
    return MessageOut.model_validate(message).model_dump(mode="json")
