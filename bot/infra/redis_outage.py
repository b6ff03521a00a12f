"""Whether Redis is reachable, as each user of it last saw it: logged once when it goes and once when it is back.

While it is down, callers skip Redis and try it again every few seconds only. A refused connection fails at once,
but an address that drops packets (a partitioned network, a host gone without a reset) costs the connect timeout
on every call: two seconds more for every message without the pause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

RETRY_SECONDS = 5.0


class RedisOutage:
    def __init__(
        self,
        log: logging.Logger,
        meanwhile: str,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`meanwhile`: what this part of the service does while Redis is unreachable, for the log."""
        self._log = log
        self._meanwhile = meanwhile
        self._retry = retry_seconds
        self._clock = clock
        self._failed_at: float | None = None

    @property
    def down(self) -> bool:
        return self._failed_at is not None

    def skip(self) -> bool:
        """True while Redis failed less than `retry_seconds` ago: the caller does without it this time."""
        return self._failed_at is not None and self._clock() - self._failed_at < self._retry

    def failed(self, exc: BaseException) -> None:
        if self._failed_at is None:
            self._log.warning("redis unreachable (%s); %s until it is back", exc, self._meanwhile)
        self._failed_at = self._clock()

    def succeeded(self) -> None:
        if self._failed_at is not None:
            self._log.info("redis reachable again")
        self._failed_at = None
