"""HTTP client for the Rasa engine's REST channel and status endpoint: one engine, or several sharing their trackers.

With several engines (ENGINE_URL lists them, comma-separated) each conversation goes to the same engine while it is
up (chosen by its id: the load is spread, the engine's caches stay warm) and to the next one when that engine
cannot be reached. Only a refused or timed-out connection moves on: the request then never reached the engine, so
the turn cannot run twice. The engines must keep their trackers in one store (`ENGINE_TRACKER_STORE_URL`), or the
next engine would not know the conversation.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)


class EngineUnavailable(Exception):
    """No engine answered (down, starting, timed out or replied with an error)."""


@dataclass(frozen=True)
class EngineReply:
    text: str
    data: dict[str, Any] = field(default_factory=dict)


def engine_urls(value: str) -> list[str]:
    """ENGINE_URL: one base URL or several, comma-separated."""
    return [url.strip().rstrip("/") for url in value.split(",") if url.strip()]


def engine_order(urls: list[str], sender_id: str) -> list[str]:
    """The engines in the order this conversation tries them: always the same first one while it is up."""
    start = zlib.crc32(sender_id.encode()) % len(urls)
    return urls[start:] + urls[:start]


DEFAULT_CONCURRENCY = 4


class EngineClient:
    """`concurrency`: turns sent to one engine at once; more wait here, in order. Rasa interleaves every turn it is
    sent at each await, so without a limit each turn's latency grows with the number in flight until turns time
    out, are retried and keep the engine overloaded (make bench-load at 100 users)."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        urls = engine_urls(base_url)
        if not urls:
            raise ValueError("ENGINE_URL is empty: give the base URL of at least one Rasa engine")
        self._engines = {url: httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport) for url in urls}
        self._slots = {url: asyncio.Semaphore(concurrency) for url in urls}

    async def aclose(self) -> None:
        for http in self._engines.values():
            await http.aclose()

    def order(self, sender_id: str) -> list[str]:
        return engine_order(list(self._engines), sender_id)

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[EngineReply]:
        payload = {"sender": sender_id, "message": text, "metadata": metadata}
        unreachable = []
        for url in self.order(sender_id):
            try:
                async with self._slots[url]:
                    response = await self._engines[url].post("/webhooks/rest/webhook", json=payload)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # never reached it: the next one may answer
                unreachable.append(f"{url}: {str(exc) or type(exc).__name__}")
                continue
            except httpx.HTTPError as exc:  # it may have run the turn: no other engine runs it again
                raise EngineUnavailable(str(exc) or type(exc).__name__) from exc
            try:
                response.raise_for_status()
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise EngineUnavailable(str(exc) or type(exc).__name__) from exc
            if not isinstance(body, list):
                raise EngineUnavailable(f"unexpected engine reply: {body!r:.200}")
            return [_reply_from(item) for item in body if isinstance(item, dict)]
        raise EngineUnavailable("; ".join(unreachable))

    async def forget(self, sender_id: str) -> None:
        """Every engine replaces the conversation's tracker by an empty one (erasure; Rasa has no delete). An engine
        that is down has lost its in-memory trackers anyway; a failure is logged, not raised."""
        for url, http in self._engines.items():
            try:
                response = await http.put(f"/conversations/{quote(sender_id, safe='')}/tracker/events", json=[])
                response.raise_for_status()
            except httpx.HTTPError as exc:
                log.warning("erasure: engine %s kept the tracker of a conversation: %s", url, exc)

    async def status(self) -> dict[str, Any]:
        """The first answering engine's /status (model file and id), and with several engines `engines`: each one's
        URL and whether it answers. Raises EngineUnavailable when none can."""
        results = await asyncio.gather(*(self._status(url) for url in self._engines), return_exceptions=True)
        answering = [result for result in results if isinstance(result, dict)]
        if not answering:
            raise EngineUnavailable("; ".join(str(result) for result in results))
        status = dict(answering[0])
        if len(self._engines) > 1:
            status["engines"] = [
                {"url": url, "ok": isinstance(result, dict)} for url, result in zip(self._engines, results, strict=True)
            ]
        return status

    async def _status(self, url: str) -> dict[str, Any]:
        try:
            response = await self._engines[url].get("/status", timeout=3.0)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise EngineUnavailable(f"{url}: {str(exc) or type(exc).__name__}") from exc
        return body if isinstance(body, dict) else {}


def _reply_from(item: dict[str, Any]) -> EngineReply:
    data = {k: v for k, v in item.items() if k not in ("recipient_id", "text") and v is not None}
    return EngineReply(text=str(item.get("text") or ""), data=data)
