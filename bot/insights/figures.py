"""The partners' figures, aggregated in SQL (SQLite and PostgreSQL); groups of fewer than five conversations
are suppressed so that nobody can be recognised."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Executable, and_, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.models import InsightEvent, InsightKind

MIN_GROUP = 5
QUESTION_KINDS = (InsightKind.ANSWERED, InsightKind.UNANSWERED)
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Filters:
    start: datetime
    end: datetime
    city: str | None = None
    audience: str | None = None
    language: str | None = None
    channel: str | None = None

    def clauses(self, *kinds: InsightKind) -> list[ColumnElement[bool]]:
        event = InsightEvent
        clauses = [event.kind.in_(kinds), event.created_at >= self.start, event.created_at < self.end]
        for name in ("city", "audience", "language", "channel"):
            value = getattr(self, name)
            if value:
                clauses.append(getattr(event, name) == value)
        return clauses

    @property
    def days(self) -> int:
        return max(1, (self.end - self.start).days)


@dataclass(frozen=True)
class Suppressed:
    """Rows shown, and how many groups were hidden because fewer than MIN_GROUP conversations make them up."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0


def _conversations() -> ColumnElement[int]:
    return func.count(distinct(InsightEvent.conversation_id))


async def _grouped(session: AsyncSession, query: Executable) -> Suppressed:
    rows = [dict(row._mapping) for row in (await session.execute(query)).all()]
    shown = [row for row in rows if row["conversations"] >= MIN_GROUP]
    return Suppressed(shown, len(rows) - len(shown))


async def questions_by_topic_and_city(session: AsyncSession, filters: Filters) -> Suppressed:
    topic = func.coalesce(InsightEvent.topic, UNKNOWN).label("topic")
    city = func.coalesce(InsightEvent.city, UNKNOWN).label("city")
    query = (
        select(topic, city, func.count().label("questions"), _conversations().label("conversations"))
        .where(*filters.clauses(*QUESTION_KINDS))
        .group_by(topic, city)
        .order_by(func.count().desc())
    )
    return await _grouped(session, query)


async def unanswered_by_topic(session: AsyncSession, filters: Filters) -> Suppressed:
    """Per topic (the nearest entry's topic for near misses), how many questions stayed unanswered."""
    topic = func.coalesce(InsightEvent.topic, UNKNOWN).label("topic")
    unanswered = func.sum(case((InsightEvent.kind == InsightKind.UNANSWERED, 1), else_=0))
    query = (
        select(
            topic,
            func.count().label("questions"),
            unanswered.label("unanswered"),
            _conversations().label("conversations"),
        )
        .where(*filters.clauses(*QUESTION_KINDS))
        .group_by(topic)
    )
    result = await _grouped(session, query)
    for row in result.rows:
        row["rate"] = row["unanswered"] / row["questions"]
    result.rows.sort(key=lambda row: (-row["rate"], -row["questions"]))
    return result


async def _counted_by(
    session: AsyncSession, filters: Filters, kind: InsightKind, column: Any, name: str, counted: str
) -> Suppressed:
    """Events of one kind counted per value of `column` (shown as `name`, "unknown" when empty), largest first."""
    value = func.coalesce(column, UNKNOWN).label(name)
    query = (
        select(value, func.count().label(counted), _conversations().label("conversations"))
        .where(*filters.clauses(kind))
        .group_by(value)
        .order_by(func.count().desc())
    )
    return await _grouped(session, query)


async def handoff_reasons(session: AsyncSession, filters: Filters) -> Suppressed:
    return await _counted_by(session, filters, InsightKind.HANDOFF_REQUESTED, InsightEvent.reason, "reason", "handoffs")


async def handoff_outcomes(session: AsyncSession, filters: Filters) -> Suppressed:
    return await _counted_by(session, filters, InsightKind.HANDOFF_OUTCOME, InsightEvent.reason, "outcome", "count")


async def translated_handoffs(session: AsyncSession, filters: Filters) -> Suppressed:
    """Per user language, handoffs in which the advisor wrote through machine translation: where advisors who speak
    the language are needed most."""
    kind = InsightKind.TRANSLATED_HANDOFF
    return await _counted_by(session, filters, kind, InsightEvent.language, "language", "handoffs")


async def waiting_times(session: AsyncSession, filters: Filters) -> dict[str, float | int | None]:
    """Minutes from request until an advisor claims: median and 90th percentile (nearest rank), in SQL."""
    where = [*filters.clauses(InsightKind.HANDOFF_OUTCOME), InsightEvent.reason == "claimed"]
    where.append(InsightEvent.wait_seconds.is_not(None))
    count, conversations = (await session.execute(select(func.count(), _conversations()).where(*where))).one()
    if count == 0 or conversations < MIN_GROUP:
        return {"claims": count, "median_minutes": None, "p90_minutes": None}

    async def percentile(share: float) -> float:
        rank = max(0, -(-int(share * 100) * count // 100) - 1)  # nearest rank, 0-based
        query = select(InsightEvent.wait_seconds).where(*where).order_by(InsightEvent.wait_seconds)
        value = await session.scalar(query.offset(rank).limit(1))
        return round(float(value or 0) / 60, 1)

    return {"claims": count, "median_minutes": await percentile(0.5), "p90_minutes": await percentile(0.9)}


def _bucket(session: AsyncSession, monthly: bool) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", InsightEvent.created_at), "YYYY-MM" if monthly else "YYYY-MM-DD")
    return func.strftime("%Y-%m" if monthly else "%Y-%m-%d", InsightEvent.created_at)


async def languages_over_time(session: AsyncSession, filters: Filters) -> Suppressed:
    """Questions per language per day (per month for ranges over 92 days)."""
    period = _bucket(session, monthly=filters.days > 92).label("period")
    language = func.coalesce(InsightEvent.language, UNKNOWN).label("language")
    query = (
        select(period, language, func.count().label("questions"), _conversations().label("conversations"))
        .where(*filters.clauses(*QUESTION_KINDS))
        .group_by(period, language)
        .order_by(period, language)
    )
    return await _grouped(session, query)


async def thumbs_down_by_entry(session: AsyncSession, filters: Filters) -> Suppressed:
    down = func.sum(case((InsightEvent.rating < 0, 1), else_=0))
    query = (
        select(
            InsightEvent.entry_id.label("entry_id"),
            func.count().label("ratings"),
            down.label("down"),
            _conversations().label("conversations"),
        )
        .where(*filters.clauses(InsightKind.FEEDBACK), InsightEvent.entry_id.is_not(None))
        .group_by(InsightEvent.entry_id)
    )
    result = await _grouped(session, query)
    for row in result.rows:
        row["rate"] = row["down"] / row["ratings"]
    result.rows.sort(key=lambda row: (-row["rate"], -row["ratings"]))
    return result


async def barriers(session: AsyncSession, filters: Filters, per_city: int = 3) -> dict[str, list[dict[str, Any]]]:
    """Per city, the topics where people most often stay without an answer or need a person."""
    topic = func.coalesce(InsightEvent.topic, UNKNOWN).label("topic")
    city = func.coalesce(InsightEvent.city, UNKNOWN).label("city")
    unanswered = func.sum(case((InsightEvent.kind == InsightKind.UNANSWERED, 1), else_=0))
    handoffs = func.sum(case((InsightEvent.kind == InsightKind.HANDOFF_REQUESTED, 1), else_=0))
    # Conversations handed over, not handoff events: a conversation asking twice, or asking for a person without a
    # question in this topic, once made more handoffs than questions ("243 %").
    handed_over = func.count(
        distinct(case((InsightEvent.kind == InsightKind.HANDOFF_REQUESTED, InsightEvent.conversation_id)))
    )
    kinds = (*QUESTION_KINDS, InsightKind.HANDOFF_REQUESTED)
    query = (
        select(
            city,
            topic,
            func.sum(case((InsightEvent.kind.in_(QUESTION_KINDS), 1), else_=0)).label("questions"),
            unanswered.label("unanswered"),
            handoffs.label("handoffs"),
            handed_over.label("handed_over"),
            _conversations().label("conversations"),
        )
        .where(*filters.clauses(*kinds))
        .group_by(city, topic)
    )
    result = await _grouped(session, query)
    by_city: dict[str, list[dict[str, Any]]] = {}
    for row in result.rows:
        asked = max(row["questions"], 1)
        row["unanswered_rate"] = row["unanswered"] / asked
        row["handoff_rate"] = row["handed_over"] / max(row["conversations"], 1)  # a share of conversations: ≤ 100 %
        row["score"] = max(row["unanswered_rate"], row["handoff_rate"])
        by_city.setdefault(row["city"], []).append(row)
    return {
        name: sorted(rows, key=lambda r: (-r["score"], -r["questions"]))[:per_city]
        for name, rows in sorted(by_city.items())
    }


async def unanswered_questions(session: AsyncSession, filters: Filters, limit: int = 3000) -> list[dict[str, Any]]:
    """The most recent unanswered (already scrubbed) questions, for clustering."""
    query = (
        select(InsightEvent.question, InsightEvent.language, InsightEvent.conversation_id, InsightEvent.reason)
        .where(*filters.clauses(InsightKind.UNANSWERED), InsightEvent.question.is_not(None))
        .order_by(InsightEvent.created_at.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in (await session.execute(query)).all()]


async def totals(session: AsyncSession, filters: Filters) -> dict[str, int] | None:
    """Headline counts, or None when fewer than MIN_GROUP conversations match the filters."""
    kind = InsightEvent.kind
    query = select(
        func.count(distinct(InsightEvent.conversation_id)).label("conversations"),
        func.sum(case((kind.in_(QUESTION_KINDS), 1), else_=0)).label("questions"),
        func.sum(case((kind == InsightKind.UNANSWERED, 1), else_=0)).label("unanswered"),
        func.sum(case((kind == InsightKind.HANDOFF_REQUESTED, 1), else_=0)).label("handoffs"),
    ).where(and_(*filters.clauses(*InsightKind)))
    row = (await session.execute(query)).one()
    counts = {key: int(value or 0) for key, value in row._mapping.items()}
    return counts if counts["conversations"] >= MIN_GROUP else None


def month_range(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following
