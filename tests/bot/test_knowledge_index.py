"""The real knowledge base's matcher (built by `make train`, cached by content): it answers the questions its entries
list. 400 training steps, too few for ~6,000 examples, left 6 % of them "not sure", among them "Wo melde ich mich
an?"."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bot.app import build_dialogue_services
from bot.domain.answering import answer_question
from bot.domain.dialogue import DialogueServices, TurnContext
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.knowledge.index import DETAIL_PROBABILITY
from bot.knowledge.schema import REQUIRED_LANGUAGES
from bot.understanding.classifier import char_ngrams


@pytest.fixture(scope="module")
def services() -> DialogueServices:
    settings = Settings()
    return build_dialogue_services(settings, catalog_for(settings.knowledge_dir / "ui"))


def test_every_entry_answers_its_first_question_in_every_language(services: DialogueServices) -> None:
    """Asked by each audience the entry is for, as the widget asks (Telegram sends none: make bench-answers)."""
    missed = []
    for entry in services.knowledge.kb.entries.values():
        for language, audience in itertools.product(REQUIRED_LANGUAGES, entry.audience):
            question = entry.questions[language][0]
            result = services.knowledge.search(question, audience=audience)
            if not (result.confident and result.best and result.best.entry.id == entry.id):
                best = result.best.entry.id if result.best else None
                score = round(result.best.score, 2) if result.best else 0
                missed.append((entry.id, language, audience, question, best, score))
    assert missed == []


def test_detail_questions_the_topic_matcher_cannot_place_are_answered_from_their_entry(
    services: DialogueServices,
) -> None:
    """ "How long may the bank take to tell me?" names no topic: the detail matcher, which learnt the entries from
    their facts and the questions asking for them, answers from the entry holding the fact (every entry's first
    detail question in four languages of three scripts; those the topic matcher answers itself are left out). Not every
    one: a question the detail matcher learnt can still stay below DETAIL_PROBABILITY."""
    placed_by_detail, missed = 0, []
    for entry in services.knowledge.kb.entries.values():
        for language in ("de", "en", "ar", "uk"):
            questions = entry.detail_questions.get(language) or []
            if not questions:
                continue
            result = services.knowledge.search(questions[0], audience=entry.audience[0])
            if result.confident and not result.by_detail:
                continue
            if result.confident and result.best is not None and result.best.entry.id == entry.id:
                placed_by_detail += 1
            else:
                missed.append((entry.id, language, questions[0]))
    assert placed_by_detail > 50
    assert len(missed) <= 0.05 * (placed_by_detail + len(missed)), missed  # today: 1 of 55, below the threshold


def test_a_detail_question_is_answered_with_its_entry_through_the_answering_path(services: DialogueServices) -> None:
    """The entry's text, its facts and its office, as for a topic question; recorded with the detail matcher's
    probability."""
    kb = services.knowledge.kb
    question, entry = next(
        (q, entry)
        for entry in kb.entries.values()
        if "candidate" in entry.audience and not entry.city_specific
        for q in entry.detail_questions.get("en", [])
        if services.knowledge.search(q, audience="candidate").by_detail
    )
    outcome = answer_question(services, question, TurnContext("t", "en", "bochum", "candidate", "api"))
    assert (outcome.kind, outcome.entry_id) == ("answer", entry.id)
    assert outcome.score is not None and outcome.score >= DETAIL_PROBABILITY
    assert outcome.text.startswith(entry.answer["en"].text)
    assert "Good to know:" in outcome.text


def test_a_turkish_capital_i_gives_the_same_letter_features_as_a_small_one() -> None:
    """Python lower-cases "İ" to "i" plus a combining dot, which split "İkamet" into "i" and "kamet"."""
    assert np.array_equal(char_ngrams(["İKAMET İZNİ"]), char_ngrams(["ikamet izni"]))


def test_entries_for_another_audience_take_no_share_of_the_confidence(services: DialogueServices) -> None:
    """The question resembles the candidates' recognition entry and the employers' recognition partnership; a
    candidate is never given the employer entry, so its share must not keep the candidate entry below the
    threshold."""
    question = "Anerkennung des Abschlusses einer Pflegekraft aus dem Ausland"
    unconditioned = services.knowledge.search(question)
    for_candidate = services.knowledge.search(question, audience="candidate")
    assert not unconditioned.confident
    assert for_candidate.confident and for_candidate.best is not None
    assert for_candidate.best.entry.id == "recognition-of-qualifications"
    assert all("candidate" in match.entry.audience for match in for_candidate.matches)


@pytest.mark.parametrize(
    ("question", "leading"),
    [
        ("Can I travel abroad with a Fiktionsbescheinigung?", "travel abroad"),
        ("Fiktionsbescheinigung ile yurt dışına çıkabilir miyim?", "travel abroad"),
        ("Wie lange ist eine Fiktionsbescheinigung gültig?", "valid for 3 to 6 months"),
        ("Darf ich mit der Fiktionsbescheinigung weiter arbeiten?", "keep working"),
    ],
)
def test_the_fact_closest_to_the_question_comes_first(services: DialogueServices, question: str, leading: str) -> None:
    entry = services.knowledge.kb.entries["fiktionsbescheinigung"]
    facts = services.knowledge.facts_by_relevance(entry, question)
    assert sorted(map(id, facts)) == sorted(map(id, entry.facts))  # every fact, reordered
    assert leading in facts[0].text["en"]


def test_without_a_question_the_facts_keep_their_order(services: DialogueServices) -> None:
    entry = services.knowledge.kb.entries["fiktionsbescheinigung"]
    assert services.knowledge.facts_by_relevance(entry, "") == list(entry.facts)
