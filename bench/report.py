"""Small helpers shared by the benchmarks: percentiles and a plain-text table."""

from __future__ import annotations

from collections.abc import Sequence

from bot.infra.tables import table

__all__ = ["percentile", "table"]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
