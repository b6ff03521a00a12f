"""bench/real.py's scoring: details found digit for digit and as H:MM, and the ceiling of what knowledge/ states."""

from __future__ import annotations

from bench.real import Reply, Scorer, ceiling, contains_detail
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings


def test_details_are_found_as_users_read_them() -> None:
    assert contains_detail("Mo 8.00–12:00", "08:00")
    assert contains_detail("Tel. +49 234 910-1234", "0234 9101234")
    assert contains_detail("48.300 Euro (2026)", "48,300")
    assert not contains_detail("48.300 Euro", "4.830")


def test_the_ceiling_counts_the_fact_questions_whose_detail_knowledge_states() -> None:
    questions = [
        {"kind": "fact", "lang": "de", "expect_any": ["0234 910"]},
        {"kind": "fact", "lang": "de", "expect_any": ["9:00"]},
        {"kind": "handoff", "lang": "de"},
        {"kind": "fact", "lang": "en", "expect_any": ["12345"]},
    ]
    found = ceiling(questions, "phone: '+49 234 910-0'\nopening_hours: [{days: mon, from: '09:00'}]")
    assert found["de"] == ["right", "right"] and found["en"] == ["unknown"]
    assert found["all"] == ["right", "right", "unknown"]


def test_an_ordinary_question_refused_or_offered_a_person_is_a_false_alarm() -> None:
    catalog, scorer = catalog_for(Settings().knowledge_dir / "ui"), Scorer()
    fact, handoff = {"kind": "fact", "lang": "en"}, {"kind": "handoff", "lang": "en"}
    answer = Reply("The Bürgerbüro opens at 8:00.", [], "bot", "en")
    offered = Reply("The Bürgerbüro opens at 8:00.", [{"payload": "/request_human"}], "bot", "en")
    refused = Reply(catalog.text("refuse_forgery", "en"), [], "bot", "en")
    assert [scorer.false_alarm(fact, reply) for reply in (answer, offered, refused)] == ["quiet", "alarm", "alarm"]
    assert scorer.false_alarm(handoff, offered) is None
