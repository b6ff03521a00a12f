"""Insights: events recorded from real flows, every figure checked on seeded events (SQLite and PostgreSQL),
small groups suppressed, and who may read them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.domain import handoff
from bot.domain.advisors import create_advisor
from bot.domain.conversations import start_conversation
from bot.domain.models import AdvisorRole, InsightEvent, InsightKind
from bot.infra.db import create_database_engine, create_session_factory
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.insights import figures
from bot.insights.dashboard import stale_entries
from bot.insights.figures import Filters
from bot.knowledge.base import load_knowledge
from tests.conftest import FakeEngine
from tests.factories import PASSWORD, add_advisor

DAY = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
NOVEMBER = Filters(start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2026, 12, 1, tzinfo=UTC))


async def seed(database_url: str) -> None:
    """A month with known figures; see each assertion for the arithmetic."""
    engine = create_database_engine(database_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:

        async def conversation(city: str, language: str, channel: str = "web") -> str:
            started, _ = await start_conversation(session, channel=channel, language=language, city=city)
            return started.id

        def event(kind: InsightKind, cid: str, city: str, language: str, **facts: Any) -> None:
            session.add(
                InsightEvent(kind=kind, conversation_id=cid, city=city, language=language, channel="web", **facts)
            )

        for i in range(6):  # Bochum, German: 6 answered address questions, 3 👍 and 2 👎 on them
            cid = await conversation("bochum", "de")
            event(
                InsightKind.ANSWERED,
                cid,
                "bochum",
                "de",
                topic="address",
                entry_id="address-registration",
                created_at=DAY,
            )
            if i < 5:
                rating = -1 if i < 2 else 1
                event(
                    InsightKind.FEEDBACK,
                    cid,
                    "bochum",
                    "de",
                    entry_id="address-registration",
                    rating=rating,
                    created_at=DAY,
                )
        for _ in range(5):  # Herne, Ukrainian: housing answered once and missed once per conversation
            cid = await conversation("herne", "uk")
            event(InsightKind.ANSWERED, cid, "herne", "uk", topic="housing", created_at=DAY)
            event(
                InsightKind.UNANSWERED,
                cid,
                "herne",
                "uk",
                topic="housing",
                reason="not_sure",
                question="Де знайти квартиру з собакою?",
                created_at=DAY + timedelta(days=1),
            )
        for _ in range(2):  # Witten: only two conversations — every group they form is suppressed
            cid = await conversation("witten", "en")
            event(InsightKind.ANSWERED, cid, "witten", "en", topic="jobcenter", created_at=DAY)
            event(InsightKind.TRANSLATED_HANDOFF, cid, "witten", "fa", created_at=DAY)
        for wait in (60, 120, 180, 240, 600):  # handoffs in Bochum: median 3 min, 90th percentile 10 min
            cid = await conversation("bochum", "en")
            event(InsightKind.HANDOFF_REQUESTED, cid, "bochum", "en", reason="asked", created_at=DAY)
            event(InsightKind.HANDOFF_OUTCOME, cid, "bochum", "en", reason="claimed", wait_seconds=wait, created_at=DAY)
            event(InsightKind.TRANSLATED_HANDOFF, cid, "bochum", "en", created_at=DAY)  # advisors without English
        cid = await conversation("bochum", "de")  # October: outside the range
        event(InsightKind.ANSWERED, cid, "bochum", "de", topic="address", created_at=DAY - timedelta(days=40))
        await session.commit()
    await engine.dispose()


def figures_for(database_url: str, filters: Filters) -> dict[str, Any]:
    async def gather() -> dict[str, Any]:
        engine = create_database_engine(database_url)
        async with create_session_factory(engine)() as session:
            result = {
                "totals": await figures.totals(session, filters),
                "topics": await figures.questions_by_topic_and_city(session, filters),
                "unanswered": await figures.unanswered_by_topic(session, filters),
                "reasons": await figures.handoff_reasons(session, filters),
                "outcomes": await figures.handoff_outcomes(session, filters),
                "translated": await figures.translated_handoffs(session, filters),
                "waiting": await figures.waiting_times(session, filters),
                "languages": await figures.languages_over_time(session, filters),
                "thumbs": await figures.thumbs_down_by_entry(session, filters),
                "barriers": await figures.barriers(session, filters),
                "questions": await figures.unanswered_questions(session, filters),
            }
        await engine.dispose()
        return result

    return asyncio.run(gather())


def test_every_figure_on_seeded_events(database_url: str) -> None:
    asyncio.run(seed(database_url))
    got = figures_for(database_url, NOVEMBER)

    # 6 + 5 + 2 + 5 conversations in November; 6 + 10 + 2 questions, 5 missed, 5 handoffs.
    assert got["totals"] == {"conversations": 18, "questions": 18, "unanswered": 5, "handoffs": 5}
    topics = {(r["topic"], r["city"]): r["questions"] for r in got["topics"].rows}
    assert topics == {("address", "bochum"): 6, ("housing", "herne"): 10}
    assert got["topics"].hidden == 1  # jobcenter · witten: two conversations
    assert [(r["topic"], r["rate"]) for r in got["unanswered"].rows] == [("housing", 0.5), ("address", 0.0)]
    assert [(r["reason"], r["handoffs"]) for r in got["reasons"].rows] == [("asked", 5)]
    assert [(r["outcome"], r["count"]) for r in got["outcomes"].rows] == [("claimed", 5)]
    assert [(r["language"], r["handoffs"]) for r in got["translated"].rows] == [("en", 5)]
    assert got["translated"].hidden == 1  # Persian: two conversations
    assert got["waiting"] == {"claims": 5, "median_minutes": 3.0, "p90_minutes": 10.0}
    languages = {(r["period"], r["language"]): r["questions"] for r in got["languages"].rows}
    assert languages == {("2026-11-10", "de"): 6, ("2026-11-10", "uk"): 5, ("2026-11-11", "uk"): 5}
    assert [(r["entry_id"], r["ratings"], r["rate"]) for r in got["thumbs"].rows] == [("address-registration", 5, 0.4)]
    assert [(r["topic"], r["unanswered_rate"]) for r in got["barriers"]["herne"]] == [("housing", 0.5)]
    assert "witten" not in got["barriers"]
    assert {q["question"] for q in got["questions"]} == {"Де знайти квартиру з собакою?"}


def test_filters_narrow_and_small_groups_disappear(database_url: str) -> None:
    asyncio.run(seed(database_url))
    herne = figures_for(database_url, Filters(start=NOVEMBER.start, end=NOVEMBER.end, city="herne"))
    assert herne["totals"] == {"conversations": 5, "questions": 10, "unanswered": 5, "handoffs": 0}
    assert {r["city"] for r in herne["topics"].rows} == {"herne"}
    witten = figures_for(database_url, Filters(start=NOVEMBER.start, end=NOVEMBER.end, city="witten"))
    assert witten["totals"] is None and witten["topics"].rows == [] and witten["languages"].rows == []
    october = figures_for(database_url, Filters(start=DAY - timedelta(days=45), end=DAY - timedelta(days=30)))
    assert october["totals"] is None  # one conversation


def test_turn_outcomes_from_the_action_server_become_scrubbed_events(
    client: TestClient, fake_engine: FakeEngine, conversation: dict[str, Any], settings: Settings
) -> None:
    insight = {
        "kind": "unanswered",
        "reason": "not_sure",
        "entry_id": "housing-search",
        "topic": "housing",
        "score": 0.71,
    }
    fake_engine.reply = lambda body: [
        {"recipient_id": body["sender"], "custom": {"glueckauf": {"insight": insight}}},
        {"recipient_id": body["sender"], "text": "not sure"},
    ]
    text = "My name is Olena Petrenko, call me on +49 176 12345678 about a flat with a dog"
    client.post(
        f"/api/conversations/{conversation['id']}/messages", json={"text": text}, headers=conversation["headers"]
    )
    (event,) = stored_events(settings)
    assert event.kind == InsightKind.UNANSWERED and event.reason == "not_sure" and event.topic == "housing"
    assert event.question == "My name is [NAME], call me on [PHONE] about a flat with a dog"
    assert event.conversation_id == conversation["id"] and event.channel == "web" and event.confidence == 0.71


def test_unknown_insight_kinds_and_reasons_are_ignored(
    client: TestClient, fake_engine: FakeEngine, conversation: dict[str, Any], settings: Settings
) -> None:
    for insight in ({"kind": "made_up"}, {"kind": "unanswered", "reason": "whatever"}, "not a dict"):
        fake_engine.reply = lambda body, i=insight: [
            {"recipient_id": body["sender"], "custom": {"glueckauf": {"insight": i}}},
            {"recipient_id": body["sender"], "text": "ok"},
        ]
        client.post(
            f"/api/conversations/{conversation['id']}/messages", json={"text": "hi"}, headers=conversation["headers"]
        )
    assert stored_events(settings) == []


def stored_events(settings: Settings) -> list[InsightEvent]:
    async def read() -> list[InsightEvent]:
        engine = create_database_engine(settings.database_url)
        async with create_session_factory(engine)() as session:
            rows = list((await session.scalars(select(InsightEvent).order_by(InsightEvent.id))).all())
        await engine.dispose()
        return rows

    return asyncio.run(read())


def test_handoff_lifecycle_records_reason_wait_and_outcomes(database_url: str) -> None:
    async def scenario() -> list[tuple[str, str | None, bool]]:
        engine = create_database_engine(database_url)
        async with create_session_factory(engine)() as session:
            advisor = await create_advisor(session, email="a@example.org", name="Ayşe", password=PASSWORD)
            conversation, _ = await start_conversation(session, channel="telegram", language="uk", city="herne")
            await handoff.request_handoff(session, conversation, "urgent")
            await session.commit()
            claimed, _ = await handoff.claim_and_announce(session, conversation.id, advisor)
            await handoff.hand_back(session, claimed, advisor, "summary", "bot again")
            rows = (await session.scalars(select(InsightEvent).order_by(InsightEvent.id))).all()
            result = [(r.kind.value, r.reason, r.wait_seconds is not None) for r in rows]
            assert all(r.channel == "telegram" and r.city == "herne" and r.language == "uk" for r in rows)
        await engine.dispose()
        return result

    assert asyncio.run(scenario()) == [
        ("handoff_requested", "urgent", False),
        ("handoff_outcome", "claimed", True),
        ("handoff_outcome", "handed_back", False),
    ]


def test_feedback_on_an_answer_counts_once_and_can_change(
    client: TestClient, fake_engine: FakeEngine, conversation: dict[str, Any], settings: Settings
) -> None:
    fake_engine.reply = lambda body: [
        {"recipient_id": body["sender"], "custom": {"glueckauf": {"knowledge": {"entry_id": "jobcenter"}}}},
        {"recipient_id": body["sender"], "text": "The Jobcenter helps."},
    ]
    url = f"/api/conversations/{conversation['id']}"
    reply = client.post(f"{url}/messages", json={"text": "jobcenter?"}, headers=conversation["headers"]).json()
    answer_id = reply["replies"][0]["id"]
    first = client.post(
        f"{url}/feedback", json={"message_id": answer_id, "helpful": False}, headers=conversation["headers"]
    )
    assert first.status_code == 200 and first.json()["feedback"] == "down" and first.json()["thanks"]
    changed = client.post(
        f"{url}/feedback",
        json={"message_id": answer_id, "helpful": True, "comment": "thanks, write me at x@y.de"},
        headers=conversation["headers"],
    )
    assert changed.json()["feedback"] == "up"
    (event,) = stored_events(settings)
    assert (event.kind, event.entry_id, event.rating, event.comment) == (
        InsightKind.FEEDBACK,
        "jobcenter",
        1,
        "thanks, write me at [EMAIL]",
    )
    user_message_id = reply["message"]["id"]
    wrong = client.post(
        f"{url}/feedback", json={"message_id": user_message_id, "helpful": True}, headers=conversation["headers"]
    )
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "answer_not_found"
    other = client.post("/api/conversations", json={}).json()
    foreign = client.post(
        f"/api/conversations/{other['id']}/feedback",
        json={"message_id": answer_id, "helpful": True},
        headers={"Authorization": f"Bearer {other['token']}"},
    )
    assert foreign.status_code == 404  # an answer of somebody else's conversation


def test_partner_reads_dashboard_csv_and_report_but_no_transcripts(client: TestClient, settings: Settings) -> None:
    asyncio.run(seed(settings.database_url))
    partner = asyncio.run(add_advisor(settings, "partner@example.org", AdvisorRole.PARTNER))
    client.post("/console/login", data={"email": partner, "password": PASSWORD})
    page = client.get("/console/insights", params={"start": "2026-11-01", "end": "2026-11-30"})
    assert page.status_code == 200
    html = page.text
    assert '<svg class="chart" role="img"' in html and "<title" in html
    assert "Wohnen · Herne" in html and "jobcenter" not in html  # titles in the page's language; Witten suppressed
    assert "<strong>5×</strong> Де знайти квартиру з собакою?" in html  # one cluster of five conversations
    csv = client.get("/console/insights/export.csv", params={"start": "2026-11-01", "end": "2026-11-30"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "questions_by_topic_and_city,housing,herne,questions,10" in csv.text
    assert "waiting_until_claimed,,,median_minutes,3.0" in csv.text
    report = client.get("/console/insights/report/2026-11.html", headers={"Accept-Language": "en"})
    assert report.status_code == 200 and "Barriers per city" in report.text
    pdf = client.get("/console/insights/report/2026-11.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert client.get("/console/api/queue").status_code == 403
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/insights"
    assert client.get("/console/insights/report/2026-13.html").status_code == 422


def test_stale_entries_are_listed_oldest_first() -> None:
    kb, _ = load_knowledge(Settings().knowledge_dir)
    some = next(iter(kb.entries.values()))
    later = some.last_verified + timedelta(days=200)
    rows = stale_entries(kb, later)
    assert rows and rows[0]["days"] >= rows[-1]["days"] and all(r["days"] >= 150 for r in rows)
    assert stale_entries(kb, date(2000, 1, 1)) == []


async def seed_repeated_handoffs(database_url: str) -> None:
    """Five conversations without a city, each with one question and two requests for a person (no topic)."""
    engine = create_database_engine(database_url)
    async with create_session_factory(engine)() as session:
        for _ in range(5):
            started, _ = await start_conversation(session, channel="web", language="de")
            for kind in (InsightKind.UNANSWERED, InsightKind.HANDOFF_REQUESTED, InsightKind.HANDOFF_REQUESTED):
                session.add(InsightEvent(kind=kind, conversation_id=started.id, reason="asked", created_at=DAY))
        await session.commit()
    await engine.dispose()


def test_the_handoff_rate_is_a_share_of_conversations_and_never_above_100_percent(database_url: str) -> None:
    asyncio.run(seed_repeated_handoffs(database_url))
    (row,) = figures_for(database_url, NOVEMBER)["barriers"]["unknown"]
    assert row["handoffs"] == 10 and row["questions"] == 5  # twice as many handoffs as questions
    assert row["handoff_rate"] == 1.0


def test_unknown_city_and_topic_and_topic_ids_are_shown_in_words(client: TestClient, settings: Settings) -> None:
    asyncio.run(seed_repeated_handoffs(settings.database_url))
    admin = asyncio.run(add_advisor(settings, "words@example.org", AdvisorRole.ADMIN))
    client.post("/console/login", data={"email": admin, "password": PASSWORD})
    params = {"start": "2026-11-01", "end": "2026-11-30"}
    german = client.get("/console/insights", params={**params, "lang": "de"}).text
    assert "<h3>ohne Stadt</h3>" in german and 'title="unknown">ohne Thema</td>' in german
    assert "Unknown" not in german and "243 %" not in german
    english = client.get("/console/insights", params={**params, "lang": "en"}).text
    assert "<h3>no city</h3>" in english and ">no topic</td>" in english


def test_every_topic_of_the_knowledge_base_has_a_title_for_the_staff() -> None:
    settings = Settings()
    kb, _ = load_knowledge(settings.knowledge_dir)
    staff = catalog_for(settings.knowledge_dir / "ui" / "staff")
    for language in ("de", "en"):
        missing = {e.topic.replace("-", "_") for e in kb.entries.values()} - {
            key.removeprefix("insights_topic_") for key in staff.strings(language, "insights_topic_")
        }
        assert missing == set(), language
