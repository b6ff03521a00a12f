"""The application factory: wires settings, database, engine client, action server and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.action_server import create_executor
from bot.channels import api, widget
from bot.channels.telegram import TelegramChannel
from bot.channels.widget import FRAMES_PER_MESSAGE
from bot.console.auth import LoginThrottle, NotAuthenticated, SessionCodec
from bot.console.staff_language import staff_error_message
from bot.domain.delivery import Delivery
from bot.domain.dialogue import DialogueServices
from bot.domain.office_hours import OfficeHours
from bot.domain.privacy import Eraser, purge_regularly
from bot.domain.router import MessageRouter
from bot.infra.db import create_database_engine, create_session_factory
from bot.infra.dispatch_lock import DispatchLocks
from bot.infra.engine_client import EngineClient
from bot.infra.errors import AppError, PayloadTooLarge
from bot.infra.events import EventBus, RedisRelay
from bot.infra.i18n import Catalog, catalog_for
from bot.infra.logs import configure_logging
from bot.infra.metrics import Metrics
from bot.infra.rate_limit import ClientLimits, RateLimiter
from bot.infra.security import SecurityHeaders
from bot.infra.settings import Settings
from bot.infra.sliding_window import MemoryWindows, RedisWindows, SlidingWindows
from bot.infra.translate import translator_from_settings
from bot.knowledge.base import load_knowledge
from bot.knowledge.index import KnowledgeIndex, load_uncovered
from bot.knowledge.offices import OfficeRecognizer
from bot.routes import actions, console, health, insights, knowledge, telegram
from bot.understanding.language import LanguageDetector
from bot.understanding.places import PlaceRecognizer
from bot.understanding.signals import MessageSignals, SignalClassifier
from engine.embedding import shared_embedder

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, engine_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Builds the app; `engine_transport` lets tests stand in for the engine's HTTP endpoint. What needs no I/O is
    set up here; the database, the engine client, the dialogue services and the channels start in the lifespan."""
    settings = settings or Settings()
    app = FastAPI(
        title="Glückauf",
        summary="Multilingual advice bot for Bochum, Herne, Witten and Hattingen",
        version="0.1.0",
        lifespan=_lifespan(settings, engine_transport),
    )
    _shared_state(app, settings)
    _add_middleware(app, settings)
    for module in (health, api, actions, knowledge, console, insights, telegram, widget):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    _add_error_handlers(app)
    return app


def _shared_state(app: FastAPI, settings: Settings) -> None:
    """Catalogs, events, metrics, limits and locks: one per app, shared by requests (and, through Redis, by
    instances)."""
    state = app.state
    state.settings = settings
    state.catalog = catalog_for(settings.knowledge_dir / "ui")
    state.staff_catalog = catalog_for(settings.knowledge_dir / "ui" / "staff")
    state.events = EventBus()
    state.metrics = Metrics()
    state.events.observe(state.metrics.observe)
    state.redis = shared_redis(settings.redis_url)
    windows: SlidingWindows = MemoryWindows()
    if state.redis is not None:
        windows = RedisWindows(state.redis, f"{settings.redis_namespace}:window:")
    state.office_hours = OfficeHours(settings.office_hours)
    # Held while a conversation is dispatched or its queued replies are sent again: by one instance at a time.
    hold_seconds = max(120.0, 6 * settings.engine_timeout_seconds)
    state.dispatch_locks = DispatchLocks(state.redis, f"{settings.redis_namespace}:dispatch:", hold_seconds)
    state.delivery = Delivery(state.events, state.dispatch_locks)
    state.session_codec = SessionCodec(
        settings.signing_key(), settings.console_session_hours * 3600, settings.public_url.startswith("https")
    )
    state.login_throttle = LoginThrottle(settings.login_attempts_per_15_minutes, windows)
    state.rate_limiter = RateLimiter(settings.messages_per_minute, 60, windows)
    state.client_limits = ClientLimits.from_settings(settings, windows)
    state.frame_limiter = RateLimiter(settings.messages_per_minute * FRAMES_PER_MESSAGE, 60, windows, "frames")
    state.open_sockets = Counter()  # per conversation, on this instance
    state.trusted_proxies = settings.proxy_networks()


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, hsts=settings.public_url.startswith("https://"))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins(),
        allow_methods=["GET", "POST", "PUT", "DELETE"],  # DELETE: "Delete my data" from an employer's site
        allow_headers=["authorization", "content-type"],
    )


def _lifespan(
    settings: Settings, engine_transport: httpx.AsyncBaseTransport | None
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state
        database = create_database_engine(settings.database_url)
        state.database = database
        state.sessions = create_session_factory(database)
        state.engine_client = EngineClient(
            settings.engine_url, settings.engine_timeout_seconds, engine_transport, settings.engine_concurrency
        )
        state.eraser = Eraser(state.engine_client, settings.engine_tracker_store_url)
        state.router = MessageRouter(
            state.sessions,
            state.engine_client,
            state.catalog,
            settings.default_language,
            state.office_hours,
            state.events,
            state.delivery,
            locks=state.dispatch_locks,
            metrics=state.metrics,
        )
        services = await run_in_threadpool(build_dialogue_services, settings, state.catalog)
        state.language_detector = LanguageDetector(settings.nlu_dir, ignore_words=services.places.names)
        state.dialogue = services
        state.executor = create_executor(services)
        state.telegram = await _start_telegram(app, settings)
        state.translator = translator_from_settings(
            settings.translate_url, settings.translate_api_key, settings.translate_timeout_seconds
        )
        state.relay = (
            RedisRelay(state.events, state.redis, f"{settings.redis_namespace}:events")
            if state.redis is not None
            else None
        )
        if state.relay is not None:
            await state.relay.start()
        background = [
            asyncio.create_task(state.router.run_retry_loop(settings.engine_retry_interval_seconds)),
            asyncio.create_task(purge_regularly(state.sessions, state.eraser, settings.retention_days)),
        ]
        if state.telegram is not None:  # replies stored by instances without Telegram are sent from here
            background.append(asyncio.create_task(state.delivery.push_for_other_instances(state.sessions)))
        try:
            yield
        finally:
            if state.relay is not None:
                await state.relay.stop()
            if state.telegram is not None:
                await state.telegram.stop()
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await state.router.finish()  # before the engine client and the database close under it
            await state.engine_client.aclose()
            if state.translator is not None:
                await state.translator.aclose()
            await database.dispose()
            if state.redis is not None:
                await state.redis.aclose()

    return lifespan


async def _start_telegram(app: FastAPI, settings: Settings) -> TelegramChannel | None:
    if not settings.telegram_token:
        return None
    state = app.state
    channel = TelegramChannel(
        token=settings.telegram_token,
        base_url=settings.telegram_api_url,
        webhook_url=settings.telegram_webhook_url or None,
        webhook_secret=settings.telegram_secret(),
        sessions=state.sessions,
        router=state.router,
        catalog=state.catalog,
        detector=lambda: state.language_detector,
        office_hours=state.office_hours,
        default_language=settings.default_language,
        events=state.events,
        eraser=state.eraser,
        retention_days=settings.retention_days,
        limiter=state.rate_limiter,
    )
    state.delivery.register("telegram", channel)
    await channel.start()
    log.info("telegram: %s mode", "webhook" if settings.telegram_webhook_url else "polling")
    return channel


def _add_error_handlers(app: FastAPI) -> None:
    """Every error as one JSON body ({"error": {"code", "message"}}), in the user's or the advisor's language."""

    @app.exception_handler(NotAuthenticated)
    async def login_required(request: Request, exc: NotAuthenticated) -> Response:
        if "text/html" in request.headers.get("accept", "") and request.method == "GET":
            return RedirectResponse("/console/login", status_code=303)
        return error_response(exc.status_code, exc.code, staff_error_message(request, exc) or exc.detail)

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        message = exc.detail
        language = getattr(request.state, "language", None)
        if request.url.path.startswith("/console"):
            message = staff_error_message(request, exc) or message
        elif exc.catalog_key and language:
            message = request.app.state.catalog.text(exc.catalog_key, language, **exc.values)
        return error_response(exc.status_code, exc.code, message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body that is no JSON at all: invalid like any other bad body
            return error_response(422, "invalid_request", "The request body is not valid JSON.")
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        response = error_response(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only those of the first route that matched
            allow = allowed_methods(request.app, request.url.path, response.headers.get("allow", ""))
            response.headers["Allow"] = ", ".join(allow)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}" for e in exc.errors()
        )
        return error_response(422, "invalid_request", problems or "The request body is not valid JSON.")


def build_dialogue_services(settings: Settings, catalog: Catalog) -> DialogueServices:
    """Loads knowledge and models once at start-up (seconds), never per request."""
    kb, problems = load_knowledge(settings.knowledge_dir)
    for problem in problems:
        log.warning("knowledge: %s (left out)", problem)
    places = PlaceRecognizer(settings.knowledge_dir / "places.yml")
    i18n = settings.knowledge_dir / "i18n"
    uncovered = load_uncovered(i18n / "uncovered.yml")
    embedder, cache = shared_embedder(), settings.cache_dir / "embeddings"
    index = KnowledgeIndex(kb, embedder, cache, uncovered, places.without_places)
    questions = [q for entry in kb.entries.values() for variants in entry.questions.values() for q in variants]
    learned = SignalClassifier(i18n / "signals", questions + uncovered, embedder, cache, places.without_places)
    return DialogueServices(
        catalog=catalog,
        default_language=settings.default_language,
        knowledge=index,
        places=places,
        signals=MessageSignals(i18n, learned),
        offices=OfficeRecognizer(i18n / "offices.yml"),
        public_url=settings.public_url,
    )


def shared_redis(url: str, timeout: float = 2.0) -> Redis | None:
    """The client for state shared between instances; connects on first use, not here. Everything it holds has a
    fallback, so a call gives up after one timeout: redis-py's default of ten retries with back-off made one call to
    a silent Redis wait about a minute. A closed connection (Redis restarted) is retried once, at once."""
    if not url:
        return None
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    return Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        health_check_interval=30,
        retry=Retry(NoBackoff(), retries=1, supported_errors=(RedisConnectionError,)),
    )


def allowed_methods(app: FastAPI, path: str, matched: str) -> list[str]:
    """Every method the schema lists for `path`, with those Starlette named for the route that matched."""
    methods = {method.strip() for method in matched.split(",") if method.strip()}
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)), path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


def error_response(status_code: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status_code)


class BodySizeLimit:
    """Answers 413 (JSON) to bodies above the limit before any of it is parsed or stored."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            # Chunked bodies declare no length: count while reading; the AppError handler answers 413.
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise PayloadTooLarge(f"The request body is larger than {self.max_bytes} bytes.")
            return message

        await self.app(scope, limited_receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLarge(f"The request body is larger than {self.max_bytes} bytes.")
        await error_response(error.status_code, error.code, error.detail)(scope, receive, send)


def app_from_environment() -> FastAPI:
    """Entry point for `uvicorn --factory bot.app:app_from_environment`."""
    settings = Settings()
    if problems := settings.production_problems():
        sys.exit("refusing to start in production mode:\n" + "\n".join(f"  {p}" for p in problems))
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
