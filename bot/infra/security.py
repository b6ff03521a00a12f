"""Small guards that keep secrets secret and partners' files harmless: constant-time comparison of any text,
spreadsheet cells that cannot run a formula, log output without tokens, and the client's real address behind a
trusted proxy (for per-address limits)."""

from __future__ import annotations

import csv
import hmac
import logging
from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Loggers that write request URLs at INFO: httpx logs every Bot API URL, which contains the Telegram bot token.
URL_LOGGERS = ("httpx", "httpcore", "telegram.ext.Updater")


def same_secret(given: str | None, expected: str) -> bool:
    """Whether a secret sent by a client is the expected one, in constant time. Any text is fine: comparing str
    with non-ASCII characters directly raises TypeError (a 500 for a header such as 'X-CSRF-Token: ä')."""
    return hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: a user's '=HYPERLINK(…)' must not become a formula in a
    partner's Excel (OWASP: prefix such cells with an apostrophe). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class NoQueryStrings(logging.Filter):
    """Uvicorn's log lines without query strings: a token in a URL (a socket opened with `?token=`, a client
    calling with one) must not reach a log file. Uvicorn passes the path as an argument: (client, method, path,
    http version, status) in the access log, (client, path) for WebSocket lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.split("?", 1)[0] if isinstance(arg, str) and arg.startswith("/") else arg for arg in record.args
            )
        return True


def keep_secrets_out_of_logs() -> None:
    """Called once when the service starts, after uvicorn has configured its loggers."""
    for name in URL_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))
    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(NoQueryStrings())


class SpreadsheetSafeWriter:
    """csv.writer whose text cells are all `spreadsheet_safe`."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([spreadsheet_safe(cell) for cell in row])


def _trusted(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        return any(ip_address(address) in network for network in networks)
    except ValueError:
        return False


def client_address(connection: HTTPConnection, networks: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The address a request comes from. Behind a trusted reverse proxy: the last X-Forwarded-For hop that is not
    one of our proxies (anything left of it could be forged by the client); never the header otherwise."""
    peer = connection.client.host if connection.client else "unknown"
    if not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in connection.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


# Our pages load scripts and styles from this origin only (inline styles: the templates' <style> blocks); the
# console's settings come as a JSON block, not as inline script. /docs and /redoc load Swagger UI from a CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
NO_CSP_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """Headers on every HTTP response: no MIME sniffing, no referrer to other sites; on HTML pages a Content
    Security Policy that forbids inline script; HSTS when the service is public over https."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = not str(scope.get("path", "")).startswith(NO_CSP_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("referrer-policy", "strict-origin-when-cross-origin")
                if csp and headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)
                if self.hsts:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, with_headers)
