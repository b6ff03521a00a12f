"""The advisor console: login, the queue, transcripts, claim, reply, notes, hand back, close, live updates."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from bot.console.auth import (
    ConsoleSession,
    LoginThrottle,
    NotAuthenticated,
    SessionCodec,
    check_csrf,
    require_role,
)
from bot.console.staff_language import StaffLang
from bot.console.templating import render_staff_page
from bot.domain import handoff, translation
from bot.domain.advisors import authenticate
from bot.domain.answering import compose_entry, entry_title
from bot.domain.dialogue import DialogueServices, TurnContext
from bot.domain.models import Advisor, AdvisorRole, ContactRequest, Conversation, ConversationState, Message, utcnow
from bot.infra.errors import (
    ContactRequestNotFound,
    ConversationNotFound,
    EntryNotFound,
    TranslationFailed,
    TranslationOff,
    UnknownLanguage,
)
from bot.infra.settings import Settings
from bot.infra.translate import TranslationUnavailable, Translator, translate_one
from bot.routes.deps import Session, get_bus, get_catalog, get_codec, get_services, get_settings, get_translator
from bot.routes.schemas import errors

# Every console operation needs a login (401) and the right role or CSRF token (403); bodies can be too large/invalid.
router = APIRouter(
    prefix="/console",
    tags=["console"],
    responses=errors(401, 403, 413, 422, e401="Not logged in", e403="Role, CSRF token or ownership does not allow it"),
)
CONVERSATION = errors(404, 409, e404="Unknown conversation")
SEARCH_RESULTS = 5
Translate = Annotated[Translator | None, Depends(get_translator)]


async def any_login(
    request: Request, session: Session, codec: Annotated[SessionCodec, Depends(get_codec)]
) -> tuple[Advisor, ConsoleSession]:
    """Whoever is logged in, whatever their role."""
    login = codec.read(request)
    advisor = await session.get(Advisor, login.advisor_id) if login else None
    if login is None or advisor is None or not login.valid_for(advisor):
        raise NotAuthenticated()
    return advisor, login


AnyLogin = Annotated[tuple[Advisor, ConsoleSession], Depends(any_login)]


async def staff_login(login: AnyLogin) -> tuple[Advisor, ConsoleSession]:
    """Advisors and admins: the queue and transcripts are theirs; partners see only anonymous insights."""
    require_role(login[0], AdvisorRole.ADVISOR, AdvisorRole.ADMIN)
    return login


Login = Annotated[tuple[Advisor, ConsoleSession], Depends(staff_login)]


async def acting_advisor(request: Request, login: Login) -> Advisor:
    """An advisor who may change something: logged in and sent the CSRF token."""
    advisor, console_session = login
    check_csrf(request, console_session)
    return advisor


Acting = Annotated[Advisor, Depends(acting_advisor)]


# ---------------------------------------------------------------- pages


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_page(request: Request, language: StaffLang, error: str | None = None) -> HTMLResponse:
    return render_staff_page(request, language, "console_login.html", {"error": error})


@router.post("/login", include_in_schema=False)
async def login(
    request: Request,
    session: Session,
    codec: Annotated[SessionCodec, Depends(get_codec)],
    language: StaffLang,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    throttle: LoginThrottle = request.app.state.login_throttle
    keys = (request.client.host if request.client else "?", email)
    await throttle.check(*keys)
    advisor = await authenticate(session, email, password)
    if advisor is None:
        await throttle.failed(*keys)
        # The same answer for an unknown e-mail and a wrong password.
        error = language.text("login_error_wrong_credentials")
        return render_staff_page(request, language, "console_login.html", {"error": error}, status_code=401)
    await throttle.succeeded(*keys)
    response = RedirectResponse("/console", status_code=303)
    codec.issue(response, advisor)
    language.remember(response)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(
    request: Request,
    session: Session,
    login: AnyLogin,
    codec: Annotated[SessionCodec, Depends(get_codec)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    check_csrf(request, login[1], csrf_token)
    advisor = login[0]
    advisor.session_generation += 1  # the cookie, if kept or copied, no longer opens anything
    await session.commit()
    response = RedirectResponse("/console/login", status_code=303)
    codec.clear(response)
    return response


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def console_page(
    request: Request,
    session: Session,
    codec: Annotated[SessionCodec, Depends(get_codec)],
    language: StaffLang,
    translator: Translate,
) -> Response:
    login = codec.read(request)
    advisor = await session.get(Advisor, login.advisor_id) if login else None
    if login is None or advisor is None or not login.valid_for(advisor):
        return language.remember(RedirectResponse("/console/login", status_code=303))  # expired or missing session
    if advisor.role == AdvisorRole.PARTNER:
        return language.remember(RedirectResponse("/console/insights", status_code=303))
    context = {
        "advisor": advisor,
        "csrf": login.csrf,
        "is_admin": advisor.role == AdvisorRole.ADMIN,
        "strings": language.strings("console_js_"),
        # With machine translation an advisor can take conversations in any language: the queue shows them all.
        "only_my_languages": translator is None,
    }
    return render_staff_page(request, language, "console.html", context)


# ---------------------------------------------------------------- API used by the console page


class TextBody(BaseModel):
    text: str = Field(max_length=handoff.MAX_ADVISOR_TEXT * 2)


def _summary(conversation: Conversation, first_question: str | None, now: datetime) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "state": conversation.state,
        "language": conversation.language,
        "city": conversation.city,
        "audience": conversation.audience,
        "channel": conversation.channel,
        "reason": conversation.handoff_reason,
        "advisor_id": conversation.advisor_id,
        "waiting_seconds": int(handoff.waiting_since(conversation, now).total_seconds()),
        "first_question": first_question,
    }


async def _first_question(session: AsyncSession, conversation_id: str) -> str | None:
    query = (
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.sender == "user")
        .order_by(Message.id)
        .limit(1)
    )
    text: str | None = await session.scalar(query)
    return text


@router.get("/api/queue", summary="Waiting conversations, the advisor's own, and (admin) all open ones")
async def queue(
    session: Session,
    login: Login,
    languages: Annotated[str | None, Query(description="Comma-separated language codes")] = None,
) -> dict[str, Any]:
    advisor, _ = login
    wanted = [code for code in (languages or "").split(",") if code] or None
    now = utcnow()
    waiting = await handoff.waiting_queue(session, wanted)
    mine_query = select(Conversation).where(Conversation.state == ConversationState.HUMAN)
    if advisor.role != AdvisorRole.ADMIN:
        mine_query = mine_query.where(Conversation.advisor_id == advisor.id)
    active = list((await session.scalars(mine_query.order_by(Conversation.claimed_at))).all())
    return {
        "waiting": [_summary(c, await _first_question(session, c.id), now) for c in waiting],
        "active": [_summary(c, await _first_question(session, c.id), now) for c in active],
        "advisor": {"id": advisor.id, "name": advisor.name, "role": advisor.role, "languages": advisor.languages},
    }


async def _conversation(session: AsyncSession, conversation_id: str) -> Conversation:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound()
    return conversation


def _may_read(advisor: Advisor, conversation: Conversation) -> None:
    """Advisors see the queue and their own conversations; admins see everything."""
    if advisor.role == AdvisorRole.ADMIN or conversation.state == ConversationState.PENDING:
        return
    if conversation.advisor_id != advisor.id:
        require_role(advisor, AdvisorRole.ADMIN)


@router.get(
    "/api/conversations/{conversation_id}",
    responses=CONVERSATION,
    summary="Full transcript, notes and knowledge entries used; with machine translation where it is set up",
)
async def transcript(
    conversation_id: str,
    session: Session,
    login: Login,
    translator: Translate,
    settings: Annotated[Settings, Depends(get_settings)],
    translate_to: Annotated[
        str | None, Query(max_length=8, description="The advisor's language for translations (the console's)")
    ] = None,
) -> dict[str, Any]:
    advisor, _ = login
    conversation = await _conversation(session, conversation_id)
    _may_read(advisor, conversation)
    messages = (
        await session.scalars(select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id))
    ).all()
    target = translation.advisor_target(advisor.languages, translate_to, settings.default_language)
    translated = translation.TranscriptTranslation({}, False)
    if translator is not None:
        translated = await translation.translate_transcript(
            session, translator, conversation, messages, advisor.languages, target
        )
    return {
        "conversation": _summary(conversation, await _first_question(session, conversation_id), utcnow()),
        "translation": {
            "on": translator is not None,
            "target": target,
            "unavailable": translated.unavailable,
            # The advisor cannot write in the user's language: the console offers to translate replies.
            "replies": translator is not None
            and translation.needs_translation(conversation.language, advisor.languages),
        },
        "messages": [
            {
                "id": m.id,
                "sender": m.sender,
                "text": m.text,
                "language": m.language or conversation.language,
                "translation": translated.texts.get(m.id),
                "private": m.private,
                "created_at": m.created_at.isoformat(),
                "knowledge": (m.data or {}).get("knowledge"),
            }
            for m in messages
        ],
    }


@router.post(
    "/api/conversations/{conversation_id}/claim",
    responses=CONVERSATION,
    summary="Take the conversation (409 if someone was faster)",
)
async def claim(conversation_id: str, session: Session, advisor: Acting, request: Request) -> dict[str, Any]:
    catalog = get_catalog(request)
    conversation, notice = await handoff.claim_and_announce(
        session,
        conversation_id,
        advisor,
        lambda claimed: catalog.text("advisor_joined", claimed.language, name=advisor.name),
    )
    if notice is not None:
        await request.app.state.delivery.deliver(conversation, notice)
        get_bus(request).publish("claimed", conversation_id=conversation_id, advisor=advisor.name)
    return {"id": conversation.id, "state": conversation.state, "advisor": advisor.name}


class ReplyBody(TextBody):
    translation: str | None = Field(
        default=None,
        max_length=handoff.MAX_ADVISOR_TEXT * 2,
        description="The machine translation of `text` into the user's language, as the advisor reviewed it: the "
        "user receives it with `text` below, marked as machine translation",
    )
    source: str | None = Field(default=None, max_length=8, description="The language `text` is written in")


class TranslationRequest(TextBody):
    source: str = Field(max_length=8, description="The language `text` is written in (the advisor's)")


@router.post(
    "/api/conversations/{conversation_id}/reply",
    responses=CONVERSATION,
    summary="Reply to the user (delivered to their channel), machine-translated if the advisor chose so",
)
async def reply(
    conversation_id: str, body: ReplyBody, session: Session, advisor: Acting, request: Request
) -> dict[str, Any]:
    conversation = await _conversation(session, conversation_id)
    sent = None
    if body.translation is not None:
        catalog = get_catalog(request)
        if not body.source or not catalog.supports(body.source):
            raise UnknownLanguage()
        sent = translation.sent_translation(body.text, body.translation, body.source, catalog, conversation.language)
    message = await handoff.advisor_reply(session, conversation, advisor, body.text, sent)
    await request.app.state.delivery.deliver(conversation, message)
    get_bus(request).publish("message", conversation_id=conversation_id)
    return {"id": message.id}


@router.post(
    "/api/conversations/{conversation_id}/translation",
    responses={**CONVERSATION, **errors(503)},
    summary="Machine translation of a reply into the user's language, for the advisor to review before sending",
)
async def translate_reply(
    conversation_id: str, body: TranslationRequest, session: Session, login: Login, translator: Translate
) -> dict[str, Any]:
    advisor, _ = login
    conversation = await _conversation(session, conversation_id)
    _may_read(advisor, conversation)
    if translator is None:
        raise TranslationOff()
    target = conversation.language or body.source
    try:
        text = await translate_one(translator, body.text, body.source, target)
    except TranslationUnavailable:
        raise TranslationFailed() from None
    return {"text": text, "source": body.source, "target": target}


@router.get("/api/knowledge", summary="Knowledge entries matching a search, titled in the advisor's language")
async def search_knowledge(
    login: Login,
    services: Annotated[DialogueServices, Depends(get_services)],
    q: Annotated[str, Query(min_length=1, max_length=300)],
    language: Annotated[str, Query(max_length=8)] = "de",
    audience: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, Any]]:
    result = await run_in_threadpool(services.knowledge.search, q, audience=audience, limit=SEARCH_RESULTS)
    return [
        {"id": match.entry.id, "title": entry_title(match.entry, language), "score": round(match.score, 3)}
        for match in result.matches
    ]


@router.get(
    "/api/conversations/{conversation_id}/knowledge/{entry_id}",
    responses={**CONVERSATION, **errors(404, e404="Unknown conversation or entry")},
    summary="An entry's curated answer in the user's language, for the city, with its sources: to insert as a reply",
)
async def knowledge_answer(
    conversation_id: str,
    entry_id: str,
    session: Session,
    login: Login,
    services: Annotated[DialogueServices, Depends(get_services)],
) -> dict[str, Any]:
    advisor, _ = login
    conversation = await _conversation(session, conversation_id)
    _may_read(advisor, conversation)
    entry = services.knowledge.kb.entries.get(entry_id)
    if entry is None:
        raise EntryNotFound()
    language = conversation.language or services.default_language
    turn = TurnContext(conversation.id, language, conversation.city, conversation.audience, conversation.channel)
    city = conversation.city if conversation.city and entry.serves(conversation.city) else None
    return {"id": entry.id, "language": language, "text": compose_entry(services, entry, turn, city)}


@router.post(
    "/api/conversations/{conversation_id}/notes",
    responses=CONVERSATION,
    summary="A private note, never shown to the user",
)
async def note(
    conversation_id: str, body: TextBody, session: Session, advisor: Acting, request: Request
) -> dict[str, Any]:
    conversation = await _conversation(session, conversation_id)
    _may_read(advisor, conversation)
    message = await handoff.add_note(session, conversation, advisor, body.text)
    get_bus(request).publish("message", conversation_id=conversation_id)
    return {"id": message.id}


@router.post(
    "/api/conversations/{conversation_id}/hand-back",
    responses=CONVERSATION,
    summary="The bot continues; the summary is kept",
)
async def hand_back(
    conversation_id: str, body: TextBody, session: Session, advisor: Acting, request: Request
) -> dict[str, Any]:
    conversation = await _conversation(session, conversation_id)
    notice = get_catalog(request).text("bot_continues", conversation.language)
    message = await handoff.hand_back(session, conversation, advisor, body.text, notice)
    await request.app.state.delivery.deliver(conversation, message)
    get_bus(request).publish("handed_back", conversation_id=conversation_id)
    return {"id": conversation.id, "state": conversation.state}


@router.post("/api/conversations/{conversation_id}/close", responses=CONVERSATION, summary="End the conversation")
async def close(conversation_id: str, session: Session, advisor: Acting, request: Request) -> dict[str, Any]:
    conversation = await _conversation(session, conversation_id)
    _may_read(advisor, conversation)
    notice = get_catalog(request).text("conversation_closed", conversation.language)
    message = await handoff.close_conversation(session, conversation, advisor, notice)
    await request.app.state.delivery.deliver(conversation, message)
    get_bus(request).publish("closed", conversation_id=conversation_id)
    return {"id": conversation.id, "state": conversation.state}


@router.get("/api/contact-requests", summary="Contact requests left outside office hours (admin)")
async def contact_requests(session: Session, login: Login) -> list[dict[str, Any]]:
    advisor, _ = login
    require_role(advisor, AdvisorRole.ADMIN)
    rows = (await session.scalars(select(ContactRequest).order_by(ContactRequest.id.desc()).limit(200))).all()
    return [
        {
            "id": r.id,
            "conversation_id": r.conversation_id,
            "contact": r.contact,
            "language": r.language,
            "created_at": r.created_at.isoformat(),
            "handled": r.handled,
        }
        for r in rows
    ]


@router.post(
    "/api/contact-requests/{request_id}/handled",
    responses=errors(404),
    summary="Mark a contact request as answered (admin)",
)
async def contact_request_handled(
    request_id: int, session: Session, advisor: Acting, request: Request
) -> dict[str, Any]:
    require_role(advisor, AdvisorRole.ADMIN)
    contact_request = await session.get(ContactRequest, request_id)
    if contact_request is None:
        raise ContactRequestNotFound()
    contact_request.handled = True
    await session.commit()
    get_bus(request).publish("contact_request", conversation_id=contact_request.conversation_id)
    return {"id": contact_request.id, "handled": True}


@router.get(
    "/api/events",
    summary="Live updates (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An endless event stream"}},
)
async def events(request: Request, login: Login) -> StreamingResponse:
    bus = get_bus(request)

    async def stream() -> AsyncIterator[str]:
        async with bus.subscribe() as queue:
            yield "event: hello\ndata: {}\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=15)
                    yield f"event: {event['kind']}\ndata: {json.dumps(event)}\n\n"
                except TimeoutError:
                    yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
