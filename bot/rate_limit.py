"""Per-key sliding-window rate limits (per conversation for chat messages)."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from bot.errors import AppError


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many messages at once. Please wait a moment."
    catalog_key = "error_rate_limited"


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, key: str) -> None:
        now = time.monotonic()
        hits = self._hits[key]
        while hits and hits[0] < now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise RateLimited()
        hits.append(now)
