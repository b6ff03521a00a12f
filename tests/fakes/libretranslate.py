"""A local fake of a LibreTranslate server with its real request and response format (POST /translate with `q` a
string or a list, `source`, `target`, `format`, `api_key`; GET /languages), so the translator adapter runs unchanged.

"Translation" is deterministic and visible: `[ar→de] <text>`, or a phrase a test gave it (so a browser shows real
Arabic). It records every request, can require an API key, answer with an error status, or take longer than the
client waits.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import BackgroundServer

LANGUAGES = ("ar", "de", "en", "es", "fa", "fr", "pl", "ro", "ru", "tr", "uk")


def fake_translation(text: str, source: str, target: str) -> str:
    return f"[{source}→{target}] {text}"


class FakeLibreTranslate:
    def __init__(self, api_key: str = "") -> None:
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None  # answer every /translate with this status
        self.delay = 0.0  # seconds before answering
        self.phrases: dict[tuple[str, str, str], str] = {}  # (text, source, target) -> its translation
        self._lock = threading.Lock()
        app = Starlette(
            routes=[
                Route("/translate", self._translate, methods=["POST"]),
                Route("/languages", self._languages, methods=["GET"]),
            ]
        )
        self._http = BackgroundServer(app)
        self.url = ""

    def start(self) -> str:
        self.url = self._http.start()
        return self.url

    def stop(self) -> None:
        self._http.stop()

    def texts(self) -> list[str]:
        """Every text sent for translation, in order."""
        with self._lock:
            found: list[str] = []
            for body in self.requests:
                found += body["q"] if isinstance(body["q"], list) else [body["q"]]
            return found

    async def _translate(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
        await asyncio.sleep(self.delay)
        if self.fail_with is not None:
            return JSONResponse({"error": "Slowdown: fake failure"}, status_code=self.fail_with)
        if self.api_key and body.get("api_key") != self.api_key:
            return JSONResponse({"error": "Invalid API key"}, status_code=403)
        source, target, q = body.get("source"), body.get("target"), body.get("q")
        if source not in (*LANGUAGES, "auto") or target not in LANGUAGES:
            return JSONResponse({"error": f"{source} or {target} is not supported"}, status_code=400)
        if isinstance(q, list):
            return JSONResponse({"translatedText": [self._translated(t, source, target) for t in q]})
        return JSONResponse({"translatedText": self._translated(q, source, target)})

    def _translated(self, text: str, source: str, target: str) -> str:
        return self.phrases.get((text, source, target)) or fake_translation(text, source, target)

    async def _languages(self, request: Request) -> JSONResponse:
        return JSONResponse(
            [{"code": code, "name": code, "targets": [t for t in LANGUAGES if t != code]} for code in LANGUAGES]
        )
