"""Advisor sessions: signed, expiring cookies with a CSRF token; login throttling without user enumeration."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.domain.models import Advisor, AdvisorRole
from bot.infra.errors import AppError
from bot.infra.security import same_secret
from bot.infra.sliding_window import MemoryWindows, SlidingWindows

COOKIE = "glueckauf_console"


class NotAuthenticated(AppError):
    status_code = 401
    code = "login_required"
    message = "Please log in."


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message = "Your role may not do this."


class CsrfFailed(AppError):
    status_code = 403
    code = "csrf_failed"
    message = "The form has expired; reload the page and try again."


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_attempts"
    message = "Too many login attempts. Please wait a few minutes."


@dataclass(frozen=True)
class ConsoleSession:
    advisor_id: int
    csrf: str
    generation: int = 0  # the advisor's session_generation when it was issued

    def valid_for(self, advisor: Advisor | None) -> bool:
        """Still valid: the advisor exists, is active and has not logged out (anywhere) since."""
        return advisor is not None and advisor.active and advisor.session_generation == self.generation


class SessionCodec:
    def __init__(self, secret: str, max_age_seconds: float, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="console-session")
        self.max_age = int(max_age_seconds)
        self.secure = secure

    def issue(self, response: Response, advisor: Advisor) -> ConsoleSession:
        session = ConsoleSession(advisor.id, secrets.token_urlsafe(24), advisor.session_generation)
        token = self._serializer.dumps({"a": session.advisor_id, "c": session.csrf, "g": session.generation})
        response.set_cookie(
            COOKIE, token, max_age=self.max_age, httponly=True, samesite="strict", secure=self.secure, path="/"
        )
        return session

    def read(self, request: Request) -> ConsoleSession | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        try:
            data: dict[str, Any] = self._serializer.loads(token, max_age=self.max_age)
        except BadSignature:  # also raised for expired sessions
            return None
        return ConsoleSession(int(data["a"]), str(data["c"]), int(data.get("g", 0)))

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/")


def require_role(advisor: Advisor, *roles: AdvisorRole) -> None:
    if advisor.role not in roles:
        raise Forbidden()


def check_csrf(request: Request, session: ConsoleSession, form_token: str | None = None) -> None:
    sent = request.headers.get("x-csrf-token") or form_token or ""
    if not same_secret(sent, session.csrf):
        raise CsrfFailed()


class LoginThrottle:
    """At most `limit` failed logins for one e-mail address from one client address, and `ADDRESS_FACTOR` times as
    many from one client address (an office's advisors behind one NAT), in a sliding 15-minute window (shared by
    all instances when the windows are in Redis). Never per e-mail address alone: a stranger who types an advisor's
    e-mail with wrong passwords must not lock that advisor out."""

    WINDOW = 15 * 60
    ADDRESS_FACTOR = 4

    def __init__(self, limit: int, windows: SlidingWindows | None = None) -> None:
        self.limit = limit
        self._windows = windows or MemoryWindows()

    def _keys(self, address: str, email: str) -> tuple[tuple[str, int], ...]:
        return (
            (f"login:ip:{address}", self.limit * self.ADDRESS_FACTOR),
            (f"login:ip-email:{address}:{email.strip().casefold()}", self.limit),
        )

    async def check(self, address: str, email: str) -> None:
        for key, limit in self._keys(address, email):
            if await self._windows.count(key, self.WINDOW) >= limit:
                raise TooManyAttempts()

    async def failed(self, address: str, email: str) -> None:
        for key, _ in self._keys(address, email):
            await self._windows.add(key, self.WINDOW)

    async def succeeded(self, address: str, email: str) -> None:
        """Clears this e-mail's failures from this address; the address's count of other e-mails' failures stays."""
        await self._windows.clear(self._keys(address, email)[1][0])
