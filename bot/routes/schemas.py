"""Pydantic schemas of the chat API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.understanding.language import SUPPORTED_LANGUAGES

Audience = Literal["candidate", "employer"]
City = Literal["bochum", "herne", "witten", "hattingen"]
LanguageCode = Literal[SUPPORTED_LANGUAGES]  # type: ignore[valid-type]


class ConversationCreate(BaseModel):
    language: LanguageCode | None = Field(default=None, description="Explicit language; detected when omitted")
    language_hint: LanguageCode | None = Field(
        default=None,
        description="The site's or browser's language (the widget setting): used until the user chooses one or "
        "clearly writes in another",
    )
    city: City | None = None
    audience: Audience | None = None


# Something a person can see: not whitespace, no control or format character (conversations.clean_text drops those).
VISIBLE_CHARACTER = (
    r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\uf8ff]"
)


class MessageCreate(BaseModel):
    text: str = Field(
        description="The user's message: control characters are dropped, and something must be left",
        json_schema_extra={"pattern": VISIBLE_CHARACTER, "minLength": 1},
    )
    client_message_id: str | None = Field(
        default=None, max_length=64, description="Idempotency key: resending the same id stores nothing twice"
    )


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sender: str
    text: str
    language: str | None
    data: dict[str, Any] | None = None
    created_at: datetime


class ConversationOut(BaseModel):
    id: str
    token: str = Field(description="Keep it: it is the only key to this conversation")
    language: str | None
    state: str


class SendResult(BaseModel):
    message: MessageOut
    replies: list[MessageOut]
    language: str
    state: str


class MessageList(BaseModel):
    messages: list[MessageOut]
    language: str | None
    state: str


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_DESCRIPTIONS = {
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    409: "Someone else was faster (the conversation changed hands)",
    413: "Body too large",
    422: "Invalid request (the body is no valid JSON or breaks the schema)",
    429: "Too many requests",
    503: "Not available now (the machine translator is off, down or slow)",
}


def errors(*codes: int, html: bool = False, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for error statuses: every error has the same JSON body (ErrorResponse). `html`: for a
    route that answers HTML, whose media type FastAPI would otherwise give its errors too."""
    body: dict[str, Any] = {"model": ErrorResponse}
    if html:
        body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    return {code: {**body, "description": descriptions.get(f"e{code}", ERROR_DESCRIPTIONS[code])} for code in codes}


class HandoffCreate(BaseModel):
    reason: Literal["asked", "repeated_failure", "urgent"] = "asked"


class HandoffResult(BaseModel):
    state: str
    notice: MessageOut


# What the handler accepts, stated in the schema; the handler itself checks it and answers in the user's language.
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"
CONTACT_PATTERN = rf"^(?:{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}|\+?(?:[0-9][ ()/.-]?){{6,15}})$"


class ContactRequestCreate(BaseModel):
    contact: str = Field(
        max_length=254,
        description="E-mail address or phone number (at least six digits)",
        json_schema_extra={"pattern": CONTACT_PATTERN},
    )
    consent: bool = Field(
        description="The user agrees to be contacted; must be true", json_schema_extra={"const": True}
    )


class LanguageChoice(BaseModel):
    language: LanguageCode  # type: ignore[valid-type]


class FeedbackCreate(BaseModel):
    message_id: int = Field(ge=1, le=2**31 - 1, description="The bot answer being rated")
    helpful: bool
    comment: str | None = Field(default=None, max_length=1000, description="Optional; personal data is masked")


class FeedbackResult(BaseModel):
    message_id: int
    feedback: Literal["up", "down"]
    thanks: str
