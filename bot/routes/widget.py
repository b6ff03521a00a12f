"""The employer website widget: the script, its UI strings, the live WebSocket, and the demo page."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse

from bot import conversations
from bot.answering import checklist_links
from bot.errors import AppError, ConversationNotFound
from bot.handoff import QUEUE_EVENTS, queue_position
from bot.i18n import Catalog
from bot.models import Conversation, ConversationState
from bot.schemas import LanguageCode, MessageOut
from bot.templating import templates

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
    "feedback_helpful",
    "feedback_not_helpful",
    "greeting",
    "greeting_employer",
)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def demo_page(request: Request) -> HTMLResponse:
    """An example employer website with the widget embedded — the first page a newcomer sees."""
    return templates.TemplateResponse(request, "demo.html", {"base": str(request.base_url).rstrip("/")})


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


@router.websocket("/ws/conversations/{conversation_id}")
async def conversation_socket(
    websocket: WebSocket, conversation_id: str, token: Annotated[str | None, Query()] = None
) -> None:
    """Client frames: {"type": "resume", "after": id} and {"type": "message", "id": client id, "text": …}.
    Server frames: {"type": "ack", "id", "message"}, {"type": "message", "message"}, {"type": "error", …} and,
    while the conversation waits for an advisor, {"type": "queue", "position", "text"} whenever its place changes
    (position null once it no longer waits)."""
    app = websocket.app
    if not app.state.settings.origin_allowed(websocket.headers.get("origin")):
        await websocket.close(code=4403, reason="origin not allowed")
        return
    async with app.state.sessions() as session:
        try:
            conversation = await conversations.get_authorised_conversation(session, conversation_id, token)
        except (ConversationNotFound, AppError):
            await websocket.close(code=4401, reason="unknown conversation or wrong token")
            return
    await websocket.accept()
    # Last message id sent, queue place shown, and whether this conversation's own messages may have changed.
    state: dict[str, Any] = {"last": 0, "position": None, "own": False}
    wake = asyncio.Event()

    async def push_new() -> None:
        async with app.state.sessions() as session:
            messages = await conversations.list_messages(session, conversation_id, state["last"])
            await conversations.mark_delivered(session, messages)
        for message in messages:
            await websocket.send_json({"type": "message", "message": _out(message)})
            state["last"] = max(state["last"], message.id)

    async def push_queue_position() -> None:
        async with app.state.sessions() as session:
            stored = await session.get(Conversation, conversation_id)
            waiting = stored is not None and stored.state == ConversationState.PENDING
            position = await queue_position(session, stored) if waiting and stored is not None else None
        if position == state["position"]:
            return
        state["position"] = position
        catalog: Catalog = app.state.catalog
        language = stored.language if stored is not None and stored.language else app.state.settings.default_language
        text = catalog.text("queue_position", language, position=position) if position else ""
        await websocket.send_json({"type": "queue", "position": position, "text": text})

    async def listen_to_bus() -> None:
        async with app.state.events.subscribe() as queue:
            while True:
                event = await queue.get()
                if event.get("conversation_id") == conversation_id:
                    state["own"] = True
                    wake.set()
                elif event.get("kind") in QUEUE_EVENTS and state["position"] is not None:
                    wake.set()  # another conversation leaving the queue moves this waiting one up

    async def pusher() -> None:
        while True:
            await wake.wait()
            wake.clear()
            if state["own"]:
                state["own"] = False
                await push_new()
            await push_queue_position()

    async def reader() -> None:
        while True:
            try:
                frame = json.loads(await websocket.receive_text())
            except WebSocketDisconnect:
                raise _Closed() from None
            except ValueError:
                await websocket.send_json({"type": "error", "code": "invalid_frame"})
                continue
            if frame.get("type") == "resume":
                state["last"] = int(frame.get("after") or 0)
                state["own"] = True
                wake.set()
            elif frame.get("type") == "message":
                await handle_message(frame)

    async def handle_message(frame: dict[str, Any]) -> None:
        client_id = str(frame.get("id") or "")[:64] or None
        try:
            async with app.state.sessions() as session:
                stored = await session.get(Conversation, conversation_id)
                if stored is None:
                    raise ConversationNotFound()
                text = conversations.clean_text(str(frame.get("text") or ""), app.state.settings.max_message_chars)
                await app.state.rate_limiter.hit(conversation_id)
                message = await conversations.store_user_message(
                    session,
                    stored,
                    text,
                    detector=app.state.language_detector,
                    default_language=app.state.settings.default_language,
                    client_message_id=client_id,
                )
                language = stored.language
        except AppError as exc:
            catalog: Catalog = app.state.catalog
            text = (
                catalog.text(exc.catalog_key, language_of(conversation), **exc.values)
                if exc.catalog_key
                else exc.detail
            )
            await websocket.send_json({"type": "error", "id": client_id, "code": exc.code, "message": text})
            return
        await websocket.send_json({"type": "ack", "id": client_id, "message": _out(message), "language": language})
        app.state.router.dispatch_soon(conversation_id)  # replies come via the bus

    def language_of(conv: Conversation) -> str:
        return conv.language or app.state.settings.default_language

    tasks = [asyncio.create_task(t()) for t in (listen_to_bus, pusher, reader)]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, _Closed, WebSocketDisconnect, RuntimeError):
                await task


def _out(message: Any) -> dict[str, Any]:
    return MessageOut.model_validate(message).model_dump(mode="json")
