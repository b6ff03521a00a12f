"""Per-key sliding-window rate limits: per conversation for chat messages, per client address for the rest."""

from __future__ import annotations

from dataclasses import dataclass

from bot.infra.errors import AppError
from bot.infra.settings import Settings
from bot.infra.sliding_window import MemoryWindows, SlidingWindows


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many messages at once. Please wait a moment."
    catalog_key = "error_rate_limited"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"
    message = "Too many requests from your network. Please try again in a few minutes."
    catalog_key = "error_too_many_requests"


class RateLimiter:
    """`limit` hits per key in a sliding window; `name` keeps the limits apart in the shared windows."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        windows: SlidingWindows | None = None,
        name: str = "messages",
        error: type[AppError] = RateLimited,
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.name = name
        self.error = error
        self._windows = windows or MemoryWindows()

    async def hit(self, key: str) -> None:
        if not await self._windows.hit_unless_full(f"{self.name}:{key}", self.limit, self.window):
            raise self.error()


@dataclass
class ClientLimits:
    """What one client address may do per hour, whatever the conversation: start conversations, ask for an advisor
    or leave a contact request, rate answers. Without them the per-conversation limit is multiplied at will."""

    conversations: RateLimiter
    advisor_requests: RateLimiter
    feedback: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings, windows: SlidingWindows) -> ClientLimits:
        def per_hour(limit: int, name: str) -> RateLimiter:
            return RateLimiter(limit, 3600, windows, name, TooManyRequests)

        return cls(
            per_hour(settings.conversations_per_hour, "client-conversations"),
            per_hour(settings.advisor_requests_per_hour, "client-advisor-requests"),
            per_hour(settings.feedback_per_hour, "client-feedback"),
        )
