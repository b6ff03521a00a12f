"""What routes take from the running app, as FastAPI dependencies: one place for every `app.state` lookup, so a
route module never imports another route module for them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar, cast

from fastapi import Depends, Request
from rasa_sdk.executor import ActionExecutor
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.console.auth import SessionCodec
from bot.domain.dialogue import DialogueServices
from bot.domain.router import MessageRouter
from bot.infra.engine_client import EngineClient
from bot.infra.events import EventBus
from bot.infra.i18n import Catalog
from bot.infra.settings import Settings
from bot.infra.translate import Translator

T = TypeVar("T")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


def _state(name: str, kind: type[T]) -> Callable[[Request], T]:
    """A dependency returning `app.state.<name>` (set up once by create_app)."""

    def get(request: Request) -> T:
        return cast(T, getattr(request.app.state, name))

    get.__name__ = f"get_{name}"
    return get


get_settings = _state("settings", Settings)
get_router = _state("router", MessageRouter)
get_engine_client = _state("engine_client", EngineClient)
get_database = _state("database", AsyncEngine)
get_executor = _state("executor", ActionExecutor)
get_codec = _state("session_codec", SessionCodec)
get_bus = _state("events", EventBus)
get_catalog = _state("catalog", Catalog)
get_services = _state("dialogue", DialogueServices)


def get_translator(request: Request) -> Translator | None:
    """The machine translator, or None when TRANSLATE_URL is not set."""
    return cast(Translator | None, request.app.state.translator)


Session = Annotated[AsyncSession, Depends(get_session)]
