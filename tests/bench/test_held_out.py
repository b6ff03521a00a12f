"""The benchmarks stay held out: no question of bench/answers, bench/real or bench/dev is one the matchers learn
from, and each bench/answers question names a real entry the asker's audience can get."""

from __future__ import annotations

import pytest

from bench import real
from bench.answers import load_questions
from bot.infra.settings import Settings
from bot.knowledge.base import KnowledgeBase, load_knowledge
from bot.understanding.language import normalise


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    kb, _ = load_knowledge(Settings().knowledge_dir)
    return kb


def learnt(kb: KnowledgeBase) -> set[str]:
    """Every question the topic and the detail matcher learn from."""
    return {
        normalise(q)
        for entry in kb.entries.values()
        for questions in [*entry.questions.values(), *entry.detail_questions.values()]
        for q in questions
    }


def test_no_benchmark_question_is_a_question_the_matchers_learn_from(kb: KnowledgeBase) -> None:
    asked = [*load_questions(), *real.load_questions(), *real.load_questions(real.QUESTIONS.parent / "dev")]
    assert len(asked) > 1500
    known = learnt(kb)
    assert [q["q"] for q in asked if normalise(q["q"]) in known] == []


def test_every_benchmark_question_names_an_entry_its_audience_can_get(kb: KnowledgeBase) -> None:
    questions = load_questions()
    assert len(questions) >= 400
    wrong = [
        q["q"]
        for q in questions
        if q["expected"] is not None
        and (q["expected"] not in kb.entries or q["audience"] not in kb.entries[q["expected"]].audience)
    ]
    assert not wrong
