"""Everything the partners' dashboard and report show, gathered once per request."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from bot.infra.security import SpreadsheetSafeWriter
from bot.insights import figures
from bot.insights.clusters import cluster_questions
from bot.insights.figures import Filters
from bot.knowledge.base import WARN_AFTER_DAYS, KnowledgeBase
from engine.embedding import Embedder

STALE_SOON_DAYS = WARN_AFTER_DAYS - 30  # list entries a month before the validator starts warning


@dataclass(frozen=True)
class Insights:
    filters: Filters
    totals: dict[str, int] | None
    topics_by_city: figures.Suppressed
    unanswered_by_topic: figures.Suppressed
    handoff_reasons: figures.Suppressed
    handoff_outcomes: figures.Suppressed
    translated_handoffs: figures.Suppressed
    waiting: dict[str, float | int | None]
    languages_over_time: figures.Suppressed
    thumbs_down: figures.Suppressed
    barriers: dict[str, list[dict[str, Any]]]
    clusters: list[dict[str, Any]]
    hidden_clusters: int
    stale_entries: list[dict[str, Any]]


async def collect(
    session: AsyncSession, filters: Filters, kb: KnowledgeBase, embedder: Embedder, today: date
) -> Insights:
    unanswered = await figures.unanswered_questions(session, filters)
    clusters, hidden = await run_in_threadpool(cluster_questions, unanswered, embedder)
    return Insights(
        filters=filters,
        totals=await figures.totals(session, filters),
        topics_by_city=await figures.questions_by_topic_and_city(session, filters),
        unanswered_by_topic=await figures.unanswered_by_topic(session, filters),
        handoff_reasons=await figures.handoff_reasons(session, filters),
        handoff_outcomes=await figures.handoff_outcomes(session, filters),
        translated_handoffs=await figures.translated_handoffs(session, filters),
        waiting=await figures.waiting_times(session, filters),
        languages_over_time=await figures.languages_over_time(session, filters),
        thumbs_down=await figures.thumbs_down_by_entry(session, filters),
        barriers=await figures.barriers(session, filters),
        clusters=clusters,
        hidden_clusters=hidden,
        stale_entries=stale_entries(kb, today),
    )


def stale_entries(kb: KnowledgeBase, today: date) -> list[dict[str, Any]]:
    """Entries whose last check is getting old, oldest first: the editors' other to-do list."""
    rows = [
        {
            "entry_id": entry.id,
            "last_verified": entry.last_verified.isoformat(),
            "days": (today - entry.last_verified).days,
        }
        for entry in kb.entries.values()
        if (today - entry.last_verified).days >= STALE_SOON_DAYS
    ]
    return sorted(rows, key=lambda row: -row["days"])


def as_csv(insights: Insights) -> str:
    """One long table (section, dimensions, value) that spreadsheet tools pivot easily."""
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out)
    writer.writerow(["section", "dimension_1", "dimension_2", "measure", "value"])
    f = insights.filters
    writer.writerow(["range", f.start.date().isoformat(), f.end.date().isoformat(), "filters", _filters(f)])
    for key, value in (insights.totals or {}).items():
        writer.writerow(["totals", "", "", key, value])
    for row in insights.topics_by_city.rows:
        writer.writerow(["questions_by_topic_and_city", row["topic"], row["city"], "questions", row["questions"]])
    for row in insights.unanswered_by_topic.rows:
        writer.writerow(["unanswered_by_topic", row["topic"], "", "rate", f"{row['rate']:.3f}"])
    for row in insights.handoff_reasons.rows:
        writer.writerow(["handoff_reasons", row["reason"], "", "handoffs", row["handoffs"]])
    for row in insights.handoff_outcomes.rows:
        writer.writerow(["handoff_outcomes", row["outcome"], "", "count", row["count"]])
    for row in insights.translated_handoffs.rows:
        writer.writerow(["translated_handoffs", row["language"], "", "handoffs", row["handoffs"]])
    for key in ("median_minutes", "p90_minutes", "claims"):
        writer.writerow(["waiting_until_claimed", "", "", key, insights.waiting.get(key)])
    for row in insights.languages_over_time.rows:
        writer.writerow(["languages_over_time", row["period"], row["language"], "questions", row["questions"]])
    for row in insights.thumbs_down.rows:
        writer.writerow(["thumbs_down_by_entry", row["entry_id"], "", "rate", f"{row['rate']:.3f}"])
    for city, rows in insights.barriers.items():
        for row in rows:
            writer.writerow(["barriers", city, row["topic"], "score", f"{row['score']:.3f}"])
    for cluster in insights.clusters:
        writer.writerow(
            [
                "unanswered_clusters",
                cluster["example"],
                " ".join(cluster["languages"]),
                "questions",
                cluster["questions"],
            ]
        )
    for row in insights.stale_entries:
        writer.writerow(["stale_entries", row["entry_id"], row["last_verified"], "days", row["days"]])
    return out.getvalue()


def _filters(filters: Filters) -> str:
    chosen = {k: v for k, v in asdict(filters).items() if k not in ("start", "end") and v}
    return " ".join(f"{k}={v}" for k, v in chosen.items()) or "none"
