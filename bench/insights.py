"""Dashboard queries on one million insight events in PostgreSQL: seeds them once, times each figure.

    make bench-insights                      # uses postgresql://127.0.0.1:5432/test, schema bench_insights
    BENCH_DATABASE_URL=postgresql://… make bench-insights
    BENCH_EVENTS=200000 make bench-insights  # fewer events

Prints a table: median and 95th percentile per query over the default 30-day range and over a whole year, with
the 300 ms budget from the issue."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.report import percentile, table
from bot.infra.db import create_database_engine, create_session_factory, sync_url, upgrade_database
from bot.insights import figures
from bot.insights.figures import Filters

BUDGET_MS = 300
SCHEMA = "bench_insights"
END = datetime(2026, 11, 25, tzinfo=UTC)

# Generated in SQL: fast, and the distribution is the same on every run.
SEED_SQL = """
INSERT INTO conversations (id, channel, language, language_explicit, city, audience, state, token_hash,
                           created_at, updated_at)
SELECT 'c' || g, CASE WHEN g % 3 = 0 THEN 'telegram' ELSE 'web' END,
       (ARRAY['de','en','tr','ar','uk','ru','es','fr','pl','ro','fa'])[1 + g % 11], false,
       (ARRAY['bochum','herne','witten','hattingen'])[1 + g % 4],
       CASE WHEN g % 5 = 0 THEN 'employer' ELSE 'candidate' END, 'bot', 'x', now(), now()
FROM generate_series(1, :conversations) AS g;

INSERT INTO insight_events (kind, conversation_id, channel, language, city, audience, topic, entry_id, confidence,
                            reason, question, wait_seconds, rating, created_at)
SELECT kinds.kind, 'c' || c, CASE WHEN c % 3 = 0 THEN 'telegram' ELSE 'web' END,
       (ARRAY['de','en','tr','ar','uk','ru','es','fr','pl','ro','fa'])[1 + c % 11],
       (ARRAY['bochum','herne','witten','hattingen'])[1 + c % 4],
       CASE WHEN c % 5 = 0 THEN 'employer' ELSE 'candidate' END,
       (ARRAY['registration','residence','housing','recognition','jobs','childcare','school','skilled-immigration'])
           [1 + g % 8],
       'entry-' || (g % 40),
       0.7 + (g % 30) / 100.0,
       CASE kinds.kind WHEN 'unanswered' THEN 'not_sure' WHEN 'handoff_requested' THEN 'asked'
                       WHEN 'handoff_outcome' THEN 'claimed' END,
       CASE WHEN kinds.kind = 'unanswered' THEN 'question number ' || (g % 500) END,
       CASE WHEN kinds.kind = 'handoff_outcome' THEN (g % 1800) END,
       CASE WHEN kinds.kind = 'feedback' THEN CASE WHEN g % 4 = 0 THEN -1 ELSE 1 END END,
       :end - ((g::bigint * 525600 / :events) * interval '1 minute')
FROM generate_series(1, :events) AS g
CROSS JOIN LATERAL (SELECT 1 + (g::bigint * 7919) % :conversations AS c) AS pick
CROSS JOIN LATERAL (
    SELECT CASE WHEN g % 20 < 13 THEN 'answered' WHEN g % 20 < 17 THEN 'unanswered'
                WHEN g % 20 = 17 THEN 'handoff_requested' WHEN g % 20 = 18 THEN 'handoff_outcome'
                ELSE 'feedback' END AS kind
) AS kinds;
ANALYZE insight_events;
"""

QUERIES: dict[str, Callable[[AsyncSession, Filters], Awaitable[Any]]] = {
    "totals": figures.totals,
    "questions by topic × city": figures.questions_by_topic_and_city,
    "unanswered rate by topic": figures.unanswered_by_topic,
    "handoff reasons": figures.handoff_reasons,
    "handoff outcomes": figures.handoff_outcomes,
    "waiting time median/p90": figures.waiting_times,
    "languages over time": figures.languages_over_time,
    "👎 rate by entry": figures.thumbs_down_by_entry,
    "barriers per city": figures.barriers,
    "unanswered questions (clusters input)": figures.unanswered_questions,
}


def seed(url: str, events: int) -> None:
    engine = create_engine(sync_url(url))
    with engine.begin() as db:
        db.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        db.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    scoped = f"{url}?options=-csearch_path%3D{SCHEMA}"
    upgrade_database(scoped)
    engine = create_engine(sync_url(scoped))
    started = time.perf_counter()
    with engine.begin() as db:
        for statement in filter(str.strip, SEED_SQL.split(";")):
            db.execute(text(statement), {"events": events, "conversations": max(1000, events // 20), "end": END})
    engine.dispose()
    print(f"seeded {events:,} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)


async def measure(url: str, runs: int) -> list[list[object]]:
    engine = create_database_engine(f"{url}?options=-csearch_path%3D{SCHEMA}")
    sessions = create_session_factory(engine)
    ranges = {
        "30 days": Filters(start=END - timedelta(days=30), end=END),
        "365 days": Filters(start=END - timedelta(days=365), end=END),
        "30 days, Herne, uk": Filters(start=END - timedelta(days=30), end=END, city="herne", language="uk"),
    }
    rows: list[list[object]] = []
    async with sessions() as session:
        for name, query in QUERIES.items():
            for label, filters in ranges.items():
                timings = []
                for _ in range(runs):
                    started = time.perf_counter()
                    await query(session, filters)
                    timings.append((time.perf_counter() - started) * 1000)
                median, p95 = statistics.median(timings), percentile(timings, 95)
                verdict = "ok" if p95 <= BUDGET_MS else "OVER"
                rows.append([name, label, round(median, 1), round(p95, 1), f"{BUDGET_MS}", verdict])
    await engine.dispose()
    return rows


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    events = int(os.environ.get("BENCH_EVENTS", "1000000"))
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    print(f"insights benchmark: {events:,} events, {runs} runs per query, {url.split('@')[-1]}")
    seed(url, events)
    rows = asyncio.run(measure(url, runs))
    print(table(["query", "range", "median ms", "p95 ms", "budget ms", ""], rows))
    return 0 if all(row[-1] == "ok" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
