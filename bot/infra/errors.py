"""Errors users can act on, each with its HTTP status and catalog key; mapped to JSON in one place (app.py)."""

from __future__ import annotations


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."
    catalog_key: str | None = None

    def __init__(self, message: str | None = None, **values: object) -> None:
        super().__init__(message or self.message)
        self.detail = message or self.message
        self.values = values


class ConversationNotFound(AppError):
    status_code = 404
    code = "conversation_not_found"
    message = "There is no conversation with this id."


class ContactRequestNotFound(AppError):
    status_code = 404
    code = "contact_request_not_found"
    message = "There is no contact request with this id."


class MissingToken(AppError):
    status_code = 401
    code = "token_missing"
    message = "Send the conversation token as 'Authorization: Bearer <token>'."


class InvalidToken(AppError):
    status_code = 403
    code = "token_invalid"
    message = "This token does not belong to this conversation."


class EmptyMessage(AppError):
    status_code = 422
    code = "message_empty"
    message = "The message has no text."
    catalog_key = "error_empty_message"


class MessageTooLong(AppError):
    status_code = 413
    code = "message_too_long"
    message = "The message is too long."
    catalog_key = "error_message_too_long"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"
    message = "The request body is too large."


class MetricsForbidden(AppError):
    status_code = 403
    code = "metrics_forbidden"
    message = "Metrics need METRICS_TOKEN as a bearer token, or a request from this machine."


class TranslationOff(AppError):
    status_code = 503
    code = "translation_off"
    message = "Machine translation is not set up (TRANSLATE_URL)."


class TranslationFailed(AppError):
    status_code = 503
    code = "translation_unavailable"
    message = "The translator did not answer in time; send the original or try again."


class EntryNotFound(AppError):
    status_code = 404
    code = "entry_not_found"
    message = "There is no knowledge entry with this id."


class UnknownLanguage(AppError):
    status_code = 422
    code = "language_unknown"
    message = "Say which of the supported languages the text is written in."
