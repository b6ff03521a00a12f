"""What routes take from the running app, as FastAPI dependencies: one place for every `app.state` lookup, so a
route module never imports another route module for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from rasa_sdk.executor import ActionExecutor
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.console_auth import SessionCodec
from bot.dialogue import DialogueServices
from bot.engine_client import EngineClient
from bot.events import EventBus
from bot.i18n import Catalog
from bot.router import MessageRouter
from bot.settings import Settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_router(request: Request) -> MessageRouter:
    message_router: MessageRouter = request.app.state.router
    return message_router


def get_engine_client(request: Request) -> EngineClient:
    client: EngineClient = request.app.state.engine_client
    return client


def get_database(request: Request) -> AsyncEngine:
    database: AsyncEngine = request.app.state.database
    return database


def get_executor(request: Request) -> ActionExecutor:
    executor: ActionExecutor = request.app.state.executor
    return executor


def get_codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.session_codec
    return codec


def get_bus(request: Request) -> EventBus:
    bus: EventBus = request.app.state.events
    return bus


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_services(request: Request) -> DialogueServices:
    services: DialogueServices = request.app.state.dialogue
    return services


Session = Annotated[AsyncSession, Depends(get_session)]
