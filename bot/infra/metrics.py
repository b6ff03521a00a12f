"""Prometheus metrics of one service instance, served at /metrics.

Each app has its own registry (several apps in one process, as in the tests, do not share counts). Latency is
measured per stage of a turn: `store` (the inbound message written), `engine` (the engine's reply to one message),
`turn` (from dispatch to the stored replies). The advisors' queue is read from the database when scraped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Seconds: a turn is tens of milliseconds when idle, seconds under load; the engine's timeout is 20 s.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.turns = Counter(
            "glueckauf_turns", "User messages answered by the bot", ["channel"], registry=self.registry
        )
        self.latency = Histogram(
            "glueckauf_stage_seconds",
            "Time spent per stage of a turn",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.engine_errors = Counter(
            "glueckauf_engine_errors", "Messages the engine did not answer (down or timed out)", registry=self.registry
        )
        self.handoffs = Counter(
            "glueckauf_handoffs", "Conversations handed to advisors, by reason", ["reason"], registry=self.registry
        )
        self.queue = Gauge(
            "glueckauf_advisor_queue",
            "Conversations waiting for an advisor (when scraped)",
            registry=self.registry,
        )

    def observe(self, event: dict[str, Any]) -> None:
        """An EventBus observer: a handoff started on this instance."""
        if event.get("handoff"):
            self.handoffs.labels(event["handoff"]).inc()

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.latency.labels(stage).observe(time.perf_counter() - started)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
