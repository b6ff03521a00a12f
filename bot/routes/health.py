"""Liveness and readiness. Public (load balancers call them), so they name no internal address and no error text."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.engine_client import EngineClient, EngineUnavailable
from bot.events import RedisRelay

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)


def get_engine_client(request: Request) -> EngineClient:
    client: EngineClient = request.app.state.engine_client
    return client


def get_database(request: Request) -> AsyncEngine:
    database: AsyncEngine = request.app.state.database
    return database


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
