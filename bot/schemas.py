"""Pydantic schemas of the chat API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.language import SUPPORTED_LANGUAGES

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


class MessageCreate(BaseModel):
    text: str = Field(description="The user's message")
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


class HandoffCreate(BaseModel):
    reason: Literal["asked", "repeated_failure", "urgent"] = "asked"


class HandoffResult(BaseModel):
    state: str
    notice: MessageOut


class ContactRequestCreate(BaseModel):
    contact: str = Field(max_length=254, description="E-mail address or phone number")
    consent: bool = Field(description="The user agrees to be contacted; must be true")


class LanguageChoice(BaseModel):
    language: LanguageCode  # type: ignore[valid-type]


class FeedbackCreate(BaseModel):
    message_id: int = Field(description="The bot answer being rated")
    helpful: bool
    comment: str | None = Field(default=None, max_length=1000, description="Optional; personal data is masked")


class FeedbackResult(BaseModel):
    message_id: int
    feedback: Literal["up", "down"]
    thanks: str
