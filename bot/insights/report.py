"""Turns the gathered insights into what people read: template context with charts, JSON, and the PDF report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from bot.infra.pdf import PdfDocument
from bot.insights.charts import bar_chart, line_chart
from bot.insights.dashboard import Insights

Text = Callable[..., str]  # a staff catalog lookup in the reader's language: text(key, **values)
CHARTS = (
    "topics_by_city",
    "unanswered",
    "handoff_reasons",
    "handoff_outcomes",
    "translated_handoffs",
    "languages",
    "thumbs_down",
)


def reason_label(reason: str, text: Text) -> str:
    """Handoff reasons and outcomes in words; an unknown one (e.g. "unknown") as it is."""
    try:
        return text(f"insights_reason_{reason}")
    except KeyError:
        return reason


def topic_label(topic: str, text: Text) -> str:
    """A topic by its title in the reader's language ("unknown": "ohne Thema"); a topic without one by its id."""
    try:
        return text(f"insights_topic_{topic.replace('-', '_')}")
    except KeyError:
        return topic


def city_label(city: str, text: Text) -> str:
    """A city by its name; events without a city as "ohne Stadt" / "no city"."""
    try:
        return text(f"insights_city_{city}")
    except KeyError:
        return city.title()


def percentage(value: float, text: Text) -> str:
    return text("insights_percent", value=f"{value * 100:.0f}")


def charts(insights: Insights, text: Text) -> dict[str, Any]:
    def title(key: str) -> str:
        return text(f"insights_chart_{key}")

    def empty(key: str) -> str:
        return text("insights_chart_empty", title=title(key))

    def bars(key: str, rows: list[tuple[str, float]], *, percent: bool = False) -> Any:
        return bar_chart(title(key), rows, empty=empty(key), percent=percent)

    series: dict[str, dict[str, float]] = {}
    for row in insights.languages_over_time.rows:
        series.setdefault(row["language"], {})[row["period"]] = row["questions"]
    return {
        "topics_by_city": bars(
            "topics_by_city",
            [
                (f"{topic_label(r['topic'], text)} · {city_label(r['city'], text)}", r["questions"])
                for r in insights.topics_by_city.rows[:20]
            ],
        ),
        "unanswered": bars(
            "unanswered",
            [(topic_label(r["topic"], text), r["rate"]) for r in insights.unanswered_by_topic.rows],
            percent=True,
        ),
        "handoff_reasons": bars(
            "handoff_reasons",
            [(reason_label(r["reason"], text), r["handoffs"]) for r in insights.handoff_reasons.rows],
        ),
        "handoff_outcomes": bars(
            "handoff_outcomes",
            [(reason_label(r["outcome"], text), r["count"]) for r in insights.handoff_outcomes.rows],
        ),
        "translated_handoffs": bars(
            "translated_handoffs", [(r["language"], r["handoffs"]) for r in insights.translated_handoffs.rows]
        ),
        "languages": line_chart(
            title("languages"), series, empty=empty("languages"), total=text("insights_chart_total")
        ),
        "thumbs_down": bars(
            "thumbs_down", [(r["entry_id"], r["rate"]) for r in insights.thumbs_down.rows], percent=True
        ),
    }


def context(insights: Insights, text: Text) -> dict[str, Any]:
    return {
        "insights": insights,
        "charts": charts(insights, text),
        "chart_keys": CHARTS,
        "topic_label": lambda topic: topic_label(topic, text),
        "city_label": lambda city: city_label(city, text),
    }


def as_json(insights: Insights) -> dict[str, Any]:
    data = asdict(insights)
    data["filters"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data["filters"].items()}
    return data


def as_pdf(insights: Insights, month: str, text: Text) -> bytes:
    pdf = PdfDocument(text("insights_report_title", month=month))
    pdf.write(text("insights_report_heading", month=month), 16, 3)
    pdf.write(text("insights_report_intro"), 9, 4)
    totals = insights.totals
    pdf.write(text("insights_pdf_totals", **totals) if totals else text("insights_pdf_too_few"), 10, 4)
    pdf.write(text("insights_pdf_barriers"), 12)
    for city, rows in insights.barriers.items():
        lines = [
            text(
                "insights_pdf_barrier",
                topic=topic_label(r["topic"], text),
                unanswered=percentage(r["unanswered_rate"], text),
                handed_off=percentage(r["handoff_rate"], text),
                questions=r["questions"],
            )
            for r in rows
        ]
        pdf.write(f"{city_label(city, text)}\n" + "\n".join(lines), 9, 3)

    def rate(name: str, value: float, total: int) -> str:
        return text("insights_pdf_rate", name=name, rate=percentage(value, text), total=total)

    waiting = insights.waiting
    sections = [
        (
            text("insights_chart_topics_by_city"),
            [
                f"{topic_label(r['topic'], text)} · {city_label(r['city'], text)}: {r['questions']}"
                for r in insights.topics_by_city.rows
            ],
        ),
        (
            text("insights_chart_unanswered"),
            [rate(topic_label(r["topic"], text), r["rate"], r["questions"]) for r in insights.unanswered_by_topic.rows],
        ),
        (
            text("insights_chart_handoff_reasons"),
            [f"{reason_label(r['reason'], text)}: {r['handoffs']}" for r in insights.handoff_reasons.rows],
        ),
        (
            text("insights_chart_handoff_outcomes"),
            [f"{reason_label(r['outcome'], text)}: {r['count']}" for r in insights.handoff_outcomes.rows],
        ),
        (
            text("insights_chart_translated_handoffs"),
            [f"{r['language']}: {r['handoffs']}" for r in insights.translated_handoffs.rows],
        ),
        (
            text("insights_pdf_waiting"),
            [
                text(
                    "insights_pdf_waiting_figures",
                    median=waiting["median_minutes"],
                    p90=waiting["p90_minutes"],
                    claims=waiting["claims"],
                )
            ],
        ),
        (
            text("insights_pdf_clusters"),
            [f"{c['questions']}× {c['example']} ({', '.join(c['languages'])})" for c in insights.clusters[:15]],
        ),
        (
            text("insights_chart_thumbs_down"),
            [rate(r["entry_id"], r["rate"], r["ratings"]) for r in insights.thumbs_down.rows],
        ),
        (
            text("insights_pdf_stale"),
            [
                text("insights_pdf_stale_entry", entry=r["entry_id"], date=r["last_verified"])
                for r in insights.stale_entries
            ],
        ),
    ]
    for title, lines in sections:
        pdf.write(title, 12)
        pdf.write("\n".join(lines) if lines else text("insights_pdf_no_data"), 9, 3)
    return pdf.output()
