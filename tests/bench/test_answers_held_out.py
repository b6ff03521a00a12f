"""bench/answers stays held out: no question of it is one of the entries' variants, and each names a real entry
the asker's audience can get."""

from __future__ import annotations

from bench.answers import load_questions
from bot.infra.settings import Settings
from bot.knowledge.base import load_knowledge
from bot.understanding.language import normalise


def test_no_benchmark_question_is_a_question_the_matchers_learn_from() -> None:
    kb, _ = load_knowledge(Settings().knowledge_dir)
    variants = {
        normalise(q)
        for entry in kb.entries.values()
        for qs in [*entry.questions.values(), *entry.detail_questions.values()]
        for q in qs
    }
    leaked = [q["q"] for q in load_questions() if normalise(q["q"]) in variants]
    assert not leaked


def test_every_benchmark_question_names_an_entry_its_audience_can_get() -> None:
    kb, _ = load_knowledge(Settings().knowledge_dir)
    questions = load_questions()
    assert len(questions) >= 400
    wrong = [
        q["q"]
        for q in questions
        if q["expected"] is not None
        and (q["expected"] not in kb.entries or q["audience"] not in kb.entries[q["expected"]].audience)
    ]
    assert not wrong
