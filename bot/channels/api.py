"""The channel-neutral chat API: start a conversation, send a message, read the history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, status

from bot.domain import conversations
from bot.domain.feedback import rate_answer
from bot.domain.handoff import start_handoff, store_contact_request
from bot.domain.models import Conversation, utcnow
from bot.domain.privacy import export_data
from bot.domain.router import MessageRouter
from bot.infra.logs import current_conversation
from bot.infra.rate_limit import ClientLimits
from bot.infra.security import client_address
from bot.infra.settings import Settings
from bot.routes.deps import Session, get_router, get_settings
from bot.routes.schemas import (
    ContactRequestCreate,
    ConversationCreate,
    ConversationOut,
    FeedbackCreate,
    FeedbackResult,
    HandoffCreate,
    HandoffResult,
    LanguageChoice,
    MessageCreate,
    MessageList,
    MessageOut,
    SendResult,
    errors,
)

# What the chat API answers besides success, in the schema (every error has the same JSON body): any call can be
# too large, invalid or too frequent; calls on a conversation also need its token.
ERRORS = errors(413, 422, 429)
CONVERSATION_ERRORS = errors(
    401,
    403,
    404,
    e401="No conversation token",
    e403="The token belongs to another conversation",
    e404="Unknown conversation",
)
router = APIRouter(prefix="/api/conversations", tags=["chat"], responses=ERRORS)


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


def per_client(kind: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency counting the request against the client address's hourly limit of `kind` (ClientLimits)."""

    async def count(request: Request) -> None:
        limits: ClientLimits = request.app.state.client_limits
        await getattr(limits, kind).hit(client_address(request, request.app.state.trusted_proxies))

    return count


async def authorised_conversation(
    request: Request,
    conversation_id: str,
    session: Session,
    token: Annotated[str | None, Depends(bearer_token)],
) -> Conversation:
    conversation = await conversations.get_authorised_conversation(session, conversation_id, token)
    request.state.language = conversation.language  # error messages in the user's language
    current_conversation.set(conversation.id)  # log lines of this request name it (the request's own context)
    return conversation


Authorised = Annotated[Conversation, Depends(authorised_conversation)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Start a conversation")
async def start(
    body: ConversationCreate,
    session: Session,
    settings: Annotated[Settings, Depends(get_settings)],
    _: Annotated[None, Depends(per_client("conversations"))],
) -> ConversationOut:
    conversation, token = await conversations.start_conversation(
        session,
        channel="web",
        language=body.language,
        language_hint=body.language_hint,
        city=body.city,
        audience=body.audience,
    )
    return ConversationOut(id=conversation.id, token=token, language=conversation.language, state=conversation.state)


@router.post(
    "/{conversation_id}/messages", responses=CONVERSATION_ERRORS, summary="Send a message; returns the replies"
)
async def send(
    request: Request,
    body: MessageCreate,
    session: Session,
    conversation: Authorised,
    settings: Annotated[Settings, Depends(get_settings)],
    message_router: Annotated[MessageRouter, Depends(get_router)],
) -> SendResult:
    text = conversations.clean_text(body.text, settings.max_message_chars)
    await request.app.state.rate_limiter.hit(conversation.id)
    with message_router.metrics.timed("store"):
        message = await conversations.store_user_message(
            session,
            conversation,
            text,
            detector=request.app.state.language_detector,
            default_language=settings.default_language,
            client_message_id=body.client_message_id,
        )
    await message_router.dispatch(conversation.id)
    # Everything after the user's message: the replies just produced plus any produced by an earlier retry.
    replies = [m for m in await conversations.list_messages(session, conversation.id, message.id) if m.sender != "user"]
    await conversations.mark_delivered(session, replies)
    await session.refresh(conversation)
    return SendResult(
        message=MessageOut.model_validate(message),
        replies=[MessageOut.model_validate(m) for m in replies],
        language=conversation.language or settings.default_language,
        state=conversation.state,
    )


@router.get(
    "/{conversation_id}/messages", responses=CONVERSATION_ERRORS, summary="The conversation's messages after a given id"
)
async def history(
    session: Session,
    conversation: Authorised,
    after: Annotated[int, Query(ge=0, description="Only messages with a larger id")] = 0,
) -> MessageList:
    messages = await conversations.list_messages(session, conversation.id, after)
    await conversations.mark_delivered(session, messages)
    return MessageList(
        messages=[MessageOut.model_validate(m) for m in messages],
        language=conversation.language,
        state=conversation.state,
    )


@router.post(
    "/{conversation_id}/handoff",
    responses=CONVERSATION_ERRORS,
    summary="Ask for an advisor (widget button, Telegram /human)",
)
async def ask_for_advisor(
    request: Request,
    session: Session,
    conversation: Authorised,
    _: Annotated[None, Depends(per_client("advisor_requests"))],
    body: HandoffCreate | None = None,
) -> HandoffResult:
    notice = await start_handoff(
        session,
        conversation,
        body.reason if body else "asked",
        request.app.state.catalog,
        request.app.state.office_hours,
        utcnow(),
        request.app.state.events,
    )
    await conversations.mark_delivered(session, [notice])
    return HandoffResult(state=conversation.state, notice=MessageOut.model_validate(notice))


@router.post(
    "/{conversation_id}/contact-request",
    responses=CONVERSATION_ERRORS,
    status_code=status.HTTP_201_CREATED,
    summary="Leave an e-mail address or phone number outside office hours (explicit consent)",
)
async def leave_contact(
    request: Request,
    body: ContactRequestCreate,
    session: Session,
    conversation: Authorised,
    _: Annotated[None, Depends(per_client("advisor_requests"))],
) -> MessageOut:
    notice = await store_contact_request(session, conversation, body.contact, body.consent, request.app.state.catalog)
    request.app.state.events.publish("contact_request", conversation_id=conversation.id)
    await conversations.mark_delivered(session, [notice])
    return MessageOut.model_validate(notice)


@router.put(
    "/{conversation_id}/language",
    responses=CONVERSATION_ERRORS,
    summary="Choose the conversation language (widget switcher)",
)
async def choose_language(
    body: LanguageChoice,
    session: Session,
    conversation: Authorised,
) -> MessageList:
    conversation.language = body.language
    conversation.language_explicit = True
    await session.commit()
    return MessageList(messages=[], language=conversation.language, state=conversation.state)


@router.get(
    "/{conversation_id}/data",
    responses=CONVERSATION_ERRORS,
    summary="Export everything stored about the conversation (JSON)",
)
async def export_conversation(session: Session, conversation: Authorised) -> dict[str, Any]:
    return await export_data(session, conversation)


@router.delete(
    "/{conversation_id}/data",
    responses=CONVERSATION_ERRORS,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase the conversation: messages, contact requests, the engine's tracker, texts kept for insights",
)
async def erase_conversation(request: Request, session: Session, conversation: Authorised) -> None:
    await request.app.state.eraser.erase(session, [conversation.id])
    request.app.state.events.publish("closed", conversation_id=conversation.id)  # gone from the console's lists


@router.post(
    "/{conversation_id}/feedback",
    responses=CONVERSATION_ERRORS,
    summary="Rate a knowledge answer 👍/👎 (the latest rating counts)",
)
async def give_feedback(
    request: Request,
    body: FeedbackCreate,
    session: Session,
    conversation: Authorised,
    _: Annotated[None, Depends(per_client("feedback"))],
) -> FeedbackResult:
    await rate_answer(session, conversation, body.message_id, body.helpful, body.comment)
    thanks = request.app.state.catalog.text("feedback_thanks", conversation.language)
    return FeedbackResult(message_id=body.message_id, feedback="up" if body.helpful else "down", thanks=thanks)
