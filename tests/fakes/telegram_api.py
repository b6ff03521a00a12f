"""A local fake of the Telegram Bot API, so python-telegram-bot runs unchanged without the internet.

Serves http://127.0.0.1:<port>/bot<token>/<method>; records every call; can answer 429 with retry_after.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import BackgroundServer

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Glückauf", "username": "glueckauf_test_bot"}


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.message_ids: dict[int, int] = {}  # id(params of a call) -> message_id the fake answered with
        self.updates: list[dict[str, Any]] = []
        self.flood_next: dict[str, int] = {}  # method -> how many calls get a 429 first
        self.delay: dict[str, float] = {}  # method -> seconds each call takes (a slow network)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"])])
        self._http = BackgroundServer(app)

    def start(self) -> str:
        return self._http.start() + "/bot"

    def stop(self) -> None:
        self._http.stop()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def message_id(self, params: dict[str, Any]) -> int:
        """The message_id the fake gave the message that a recorded call (from sent()) created or edited."""
        return self.message_ids[id(params)]

    async def _handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params = await _params(request)
        with self._lock:
            if self.flood_next.get(method, 0) > 0:
                self.flood_next[method] -= 1
                self.calls.append((f"{method}:429", params))
                return JSONResponse(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status_code=429,
                )
            self.calls.append((method, params))
        await asyncio.sleep(self.delay.get(method, 0.0))
        result = self._result(method, params)
        if isinstance(result, dict) and "message_id" in result:
            self.message_ids[id(params)] = result["message_id"]
        return JSONResponse({"ok": True, "result": result})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            with self._lock:
                pending, self.updates = self.updates, []
            return pending
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument"):
            chat_id = int(params.get("chat_id") or 0)
            return {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True


async def _params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        return dict(json.loads(body or b"{}"))
    form = await request.form()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, UploadFile):  # sendDocument: the file's name and text
            params[key] = {"filename": value.filename, "content": (await value.read()).decode("utf-8")}
            continue
        try:
            params[key] = json.loads(str(value))
        except ValueError:
            params[key] = str(value)
    return params
