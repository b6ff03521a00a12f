"""POST /telegram/webhook: updates from Telegram, accepted only with the secret token set at setWebhook."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request

from bot.infra.errors import AppError
from bot.infra.security import same_secret
from bot.routes.schemas import errors

router = APIRouter(tags=["telegram"])


class TelegramOff(AppError):
    status_code = 404
    code = "telegram_off"
    message = "Telegram is not configured (TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_URL)."


class TelegramSecretInvalid(AppError):
    status_code = 403
    code = "telegram_secret_invalid"
    message = "Wrong or missing X-Telegram-Bot-Api-Secret-Token."


@router.post(
    "/telegram/webhook",
    summary="Telegram updates (webhook mode)",
    responses=errors(403, 404, 413, 422, e403="Wrong or missing secret token", e404="Telegram webhook mode is off"),
)
async def telegram_webhook(
    request: Request,
    update: Annotated[dict[str, Any], Body()],
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> dict[str, bool]:
    channel = request.app.state.telegram
    if channel is None or not channel.webhook_url:
        raise TelegramOff()
    if not same_secret(secret, channel.webhook_secret):
        raise TelegramSecretInvalid()
    await channel.process_webhook(update)
    return {"ok": True}
