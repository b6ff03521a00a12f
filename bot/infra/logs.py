"""Logging set-up of the service: plain text (default) or one JSON object per line (`LOG_FORMAT=json`), each line
with the id of the conversation being handled, and never a secret (security.keep_secrets_out_of_logs)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

from bot.infra.security import keep_secrets_out_of_logs

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

current_conversation: ContextVar[str | None] = ContextVar("current_conversation", default=None)


@contextlib.contextmanager
def about_conversation(conversation_id: str) -> Iterator[None]:
    """Log lines written inside (in this task and the tasks it starts) name the conversation."""
    token = current_conversation.set(conversation_id)
    try:
        yield
    finally:
        current_conversation.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        conversation = current_conversation.get()
        if conversation:
            entry["conversation_id"] = conversation
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: str) -> None:
    """Called once when the service starts, after uvicorn has configured its own loggers. With JSON, uvicorn's
    lines (access log included) go through the same formatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    if log_format == "json":
        for name in UVICORN_LOGGERS:
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.propagate = True
    keep_secrets_out_of_logs()
