"""HTTP client for the Rasa engine's REST channel and status endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class EngineUnavailable(Exception):
    """The engine did not answer (down, starting, timed out or replied with an error)."""


@dataclass(frozen=True)
class EngineReply:
    text: str
    data: dict[str, Any] = field(default_factory=dict)


class EngineClient:
    def __init__(self, base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[EngineReply]:
        payload = {"sender": sender_id, "message": text, "metadata": metadata}
        try:
            response = await self._http.post("/webhooks/rest/webhook", json=payload)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise EngineUnavailable(str(exc) or type(exc).__name__) from exc
        if not isinstance(body, list):
            raise EngineUnavailable(f"unexpected engine reply: {body!r:.200}")
        return [_reply_from(item) for item in body if isinstance(item, dict)]

    async def status(self) -> dict[str, Any]:
        """The engine's /status (model file and id); raises EngineUnavailable when it cannot answer."""
        try:
            response = await self._http.get("/status", timeout=3.0)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise EngineUnavailable(str(exc) or type(exc).__name__) from exc
        return body if isinstance(body, dict) else {}


def _reply_from(item: dict[str, Any]) -> EngineReply:
    data = {k: v for k, v in item.items() if k not in ("recipient_id", "text") and v is not None}
    return EngineReply(text=str(item.get("text") or ""), data=data)
