"""Per-key sliding-window rate limits (per conversation for chat messages)."""

from __future__ import annotations

from bot.errors import AppError
from bot.sliding_window import MemoryWindows, SlidingWindows


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many messages at once. Please wait a moment."
    catalog_key = "error_rate_limited"


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, windows: SlidingWindows | None = None) -> None:
        self.limit = limit
        self.window = window_seconds
        self._windows = windows or MemoryWindows()

    async def hit(self, key: str) -> None:
        if not await self._windows.hit_unless_full(f"messages:{key}", self.limit, self.window):
            raise RateLimited()
