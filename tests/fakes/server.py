"""An ASGI app served by uvicorn on a free port of 127.0.0.1, in a thread of its own: the local fakes of outside
services (Telegram's Bot API, LibreTranslate) that the code under test talks to over real HTTP."""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.types import ASGIApp


class BackgroundServer:
    def __init__(self, app: ASGIApp) -> None:
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> str:
        """Starts serving; returns the base URL."""
        self._thread.start()
        while not self._server.started:
            time.sleep(0.02)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
