"""Turns the gathered insights into what people read: template context with charts, JSON, and the PDF report."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.insights.charts import bar_chart, line_chart
from bot.insights.dashboard import Insights
from bot.pdf import PdfDocument

REASON_LABELS = {
    "asked": "asked for a person",
    "repeated_failure": "bot failed twice",
    "urgent": "urgent",
    "claimed": "claimed by an advisor",
    "handed_back": "handed back to the bot",
    "closed": "closed",
    "nobody_available": "nobody available (outside office hours)",
    "contact_request": "contact request left",
}


def charts(insights: Insights) -> dict[str, Any]:
    series: dict[str, dict[str, float]] = {}
    for row in insights.languages_over_time.rows:
        series.setdefault(row["language"], {})[row["period"]] = row["questions"]
    return {
        "topics_by_city": bar_chart(
            "Questions per topic and city",
            [(f"{r['topic']} · {r['city']}", r["questions"]) for r in insights.topics_by_city.rows[:20]],
        ),
        "unanswered": bar_chart(
            "Unanswered rate per topic",
            [(r["topic"], r["rate"]) for r in insights.unanswered_by_topic.rows],
            percent=True,
        ),
        "handoff_reasons": bar_chart(
            "Handoff reasons",
            [(REASON_LABELS.get(r["reason"], r["reason"]), r["handoffs"]) for r in insights.handoff_reasons.rows],
        ),
        "handoff_outcomes": bar_chart(
            "Handoff outcomes",
            [(REASON_LABELS.get(r["outcome"], r["outcome"]), r["count"]) for r in insights.handoff_outcomes.rows],
        ),
        "languages": line_chart("Questions per language over time", series),
        "thumbs_down": bar_chart(
            "Thumbs-down rate per knowledge entry",
            [(r["entry_id"], r["rate"]) for r in insights.thumbs_down.rows],
            percent=True,
        ),
    }


def context(insights: Insights) -> dict[str, Any]:
    return {"insights": insights, "charts": charts(insights), "labels": REASON_LABELS}


def as_json(insights: Insights) -> dict[str, Any]:
    data = asdict(insights)
    data["filters"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data["filters"].items()}
    return data


def as_pdf(insights: Insights, month: str) -> bytes:
    pdf = PdfDocument(f"Glückauf – report {month}")
    pdf.write(f"Glückauf – monthly report {month}", 16, 3)
    pdf.write(
        "Anonymous figures from the advice bot for Bochum, Herne, Witten and Hattingen. "
        "Groups of fewer than five conversations are not shown.",
        9,
        4,
    )
    totals = insights.totals
    if totals:
        pdf.write(
            f"Conversations: {totals['conversations']} · questions: {totals['questions']} · "
            f"unanswered: {totals['unanswered']} · handoffs: {totals['handoffs']}",
            10,
            4,
        )
    else:
        pdf.write("Too few conversations this month to show figures.", 10, 4)
    pdf.write("Barriers: where people most often stay without an answer or need a person", 12)
    for city, rows in insights.barriers.items():
        lines = [
            f"{r['topic']}: {r['unanswered_rate']:.0%} unanswered, {r['handoff_rate']:.0%} handed off "
            f"({r['questions']} questions)"
            for r in rows
        ]
        pdf.write(f"{city.title()}\n" + "\n".join(lines), 9, 3)
    sections = [
        (
            "Questions per topic and city",
            [f"{r['topic']} · {r['city']}: {r['questions']}" for r in insights.topics_by_city.rows],
        ),
        (
            "Unanswered rate per topic",
            [f"{r['topic']}: {r['rate']:.0%} of {r['questions']}" for r in insights.unanswered_by_topic.rows],
        ),
        (
            "Handoff reasons",
            [f"{REASON_LABELS.get(r['reason'], r['reason'])}: {r['handoffs']}" for r in insights.handoff_reasons.rows],
        ),
        (
            "Handoff outcomes",
            [f"{REASON_LABELS.get(r['outcome'], r['outcome'])}: {r['count']}" for r in insights.handoff_outcomes.rows],
        ),
        (
            "Waiting until an advisor claims",
            [
                f"median {insights.waiting['median_minutes']} min, "
                f"90th percentile {insights.waiting['p90_minutes']} min ({insights.waiting['claims']} claims)"
            ],
        ),
        (
            "Unanswered questions, grouped",
            [f"{c['questions']}× {c['example']} ({', '.join(c['languages'])})" for c in insights.clusters[:15]],
        ),
        (
            "Thumbs-down rate per entry",
            [f"{r['entry_id']}: {r['rate']:.0%} of {r['ratings']}" for r in insights.thumbs_down.rows],
        ),
        (
            "Entries to re-check",
            [f"{r['entry_id']}: last checked {r['last_verified']}" for r in insights.stale_entries],
        ),
    ]
    for title, lines in sections:
        pdf.write(title, 12)
        pdf.write("\n".join(lines) if lines else "– no data –", 9, 3)
    return pdf.output()
