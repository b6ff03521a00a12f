"""Liveness and readiness, public (load balancers call them), so they name no internal address and no error text;
Prometheus metrics for the operator only."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.models import Conversation, ConversationState
from bot.infra.engine_client import EngineClient, EngineUnavailable
from bot.infra.errors import MetricsForbidden
from bot.infra.events import RedisRelay
from bot.infra.metrics import Metrics
from bot.infra.security import client_address, same_secret
from bot.routes.deps import get_database, get_engine_client

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: database and engine reachable", responses={503: {"description": "Not ready"}})
async def ready(
    request: Request,
    database: Annotated[AsyncEngine, Depends(get_database)],
    engine: Annotated[EngineClient, Depends(get_engine_client)],
) -> JSONResponse:
    checks: dict[str, dict[str, Any]] = {}
    try:
        async with database.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "backend": database.dialect.name}
    except Exception as exc:  # any driver error means "not ready", reported, not raised
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        status = await engine.status()
        checks["engine"] = {"ok": bool(status.get("model_id")), "model_id": status.get("model_id")}
        if "engines" in status:  # several: ready while one answers, each shown (in order, without its address)
            checks["engine"]["engines"] = [{"ok": engine["ok"]} for engine in status["engines"]]
    except EngineUnavailable as exc:  # the reason, with the engine's internal address, goes to the log only
        logger.warning("readiness: %s", exc)
        checks["engine"] = {"ok": False, "error": "unavailable"}
    ok = all(check["ok"] for check in checks.values())
    relay: RedisRelay | None = request.app.state.relay
    if relay is not None:  # reported, not required: without Redis this instance still serves its own clients
        checks["redis"] = {"ok": relay.subscribed.is_set(), "required": False}
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)


LOOPBACK = {"127.0.0.1", "::1"}


@router.get(
    "/metrics",
    summary="Prometheus metrics (bearer METRICS_TOKEN; without one, from this machine only)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, 403: {"description": "Not allowed"}},
)
async def metrics(request: Request, database: Annotated[AsyncEngine, Depends(get_database)]) -> Response:
    token: str = request.app.state.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        allowed = same_secret(given, token)
    else:
        allowed = client_address(request, request.app.state.trusted_proxies) in LOOPBACK
    if not allowed:
        raise MetricsForbidden()
    collected: Metrics = request.app.state.router.metrics
    async with database.connect() as connection:
        waiting = select(func.count()).where(Conversation.state == ConversationState.PENDING)
        collected.queue.set((await connection.execute(waiting)).scalar_one())
    return Response(collected.exposition(), media_type=CONTENT_TYPE_LATEST)
