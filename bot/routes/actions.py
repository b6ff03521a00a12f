"""POST /webhook: the Rasa action-server endpoint (`action_endpoint` in endpoints.yml points here)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException

from bot.infra.errors import AppError
from bot.infra.security import same_secret
from bot.routes.deps import get_executor
from bot.routes.schemas import errors

router = APIRouter(tags=["engine"])


class EngineTokenInvalid(AppError):
    status_code = 403
    code = "engine_token_invalid"
    message = "Only the engine may run actions."


def check_engine_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """The engine sends its token as `Authorization: Bearer …` (endpoints.yml): a header, so that no access log
    records it, as it would a `?token=` in the URL."""
    expected: str = request.app.state.settings.action_endpoint_token
    scheme, _, token = (authorization or "").partition(" ")
    if expected and not (scheme.lower() == "bearer" and same_secret(token.strip(), expected)):
        raise EngineTokenInvalid()


class ActionError(BaseModel):
    """Rasa's action-server protocol: what the engine expects when an action cannot run."""

    error: str
    action_name: str


@router.post(
    "/webhook",
    summary="Run a custom action (called by the Rasa engine)",
    responses={
        **errors(403, 413, 422, e403="Wrong or missing engine token"),
        400: {"model": ActionError, "description": "The action rejected the call"},
        404: {"model": ActionError, "description": "No such action"},
        449: {"model": ActionError, "description": "The engine must send its domain"},
    },
)
async def run_action(
    action_call: Annotated[dict[str, Any], Body()],
    executor: Annotated[ActionExecutor, Depends(get_executor)],
    _: Annotated[None, Depends(check_engine_token)],
) -> JSONResponse:
    try:
        result = await executor.run(action_call)  # type: ignore[arg-type]
    except ActionNotFoundException as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=404)
    except ActionExecutionRejection as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=400)
    except ActionMissingDomainException as exc:
        # The protocol's "send me the full domain" answer.
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=449)
    return JSONResponse(result.model_dump() if result else None)
