"""Whether Redis is reachable, as each user of it last saw it: logged once when it goes and once when it is back."""

from __future__ import annotations

import logging


class RedisOutage:
    def __init__(self, log: logging.Logger, meanwhile: str) -> None:
        """`meanwhile`: what this part of the service does while Redis is unreachable, for the log."""
        self._log = log
        self._meanwhile = meanwhile
        self.down = False

    def failed(self, exc: BaseException) -> None:
        if not self.down:
            self._log.warning("redis unreachable (%s); %s until it is back", exc, self._meanwhile)
        self.down = True

    def succeeded(self) -> None:
        if self.down:
            self._log.info("redis reachable again")
        self.down = False
