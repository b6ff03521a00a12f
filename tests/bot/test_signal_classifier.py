"""The signal classifier (knowledge/i18n/signals/, built by `make train`, cached by content) finds distress, wishes
for a person and requests to refuse that no word list foresaw, in any language, and leaves ordinary questions alone.
The messages below are in neither the word lists nor the examples."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from bot.app import build_dialogue_services
from bot.domain.dialogue import DialogueServices
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.knowledge.schema import REQUIRED_LANGUAGES
from bot.understanding.signals import (
    SIGNAL_PROBABILITY,
    SIGNAL_PROBABILITY_UNANSWERED,
    SIGNALS,
    MessageSignals,
    SignalClassifier,
    Signals,
)


@pytest.fixture(scope="module")
def services() -> DialogueServices:
    settings = Settings()
    return build_dialogue_services(settings, catalog_for(settings.knowledge_dir / "ui"))


@pytest.fixture(scope="module")
def word_lists() -> MessageSignals:
    return MessageSignals(Settings().knowledge_dir / "i18n")


def test_every_language_has_examples_of_every_signal_and_of_ordinary_messages() -> None:
    folder = Settings().knowledge_dir / "i18n" / "signals"
    for language in REQUIRED_LANGUAGES:
        examples = yaml.safe_load((folder / f"{language}.yml").read_text(encoding="utf-8"))["examples"]
        assert {signal: len(examples.get(signal) or []) >= 10 for signal in (*SIGNALS, "none")} == dict.fromkeys(
            (*SIGNALS, "none"), True
        ), language


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("Can a staff member from your team get in touch with me about my situation?", "person"),
        ("Czy możecie zapewnić, że urząd nie odrzuci mojego podania?", "guarantee"),
        ("Можно ли сделать справку о доходах побольше, чем на самом деле?", "forgery"),
    ],
)
def test_a_signal_no_word_list_names_is_recognised(
    services: DialogueServices, word_lists: MessageSignals, text: str, signal: str
) -> None:
    assert word_lists.read(text) == Signals(refusal=None, urgent=False, person=False)
    expected = Signals(
        refusal=signal if signal not in ("urgent", "person") else None,
        urgent=signal == "urgent",
        person=signal == "person",
    )
    assert services.signals.read(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Wie lange gilt die Fiktionsbescheinigung?",
        "What is the phone number of the Welcome Office Bochum?",
        "How much does the naturalisation cost?",
        "Wo finde ich einen Deutschkurs in Herne?",
        "Kann ich mit der Blauen Karte den Job wechseln?",
        "у меня вопрос",  # help without a topic gets the topic menu, not an advisor
        "Ich brauche Hilfe",
        "",
    ],
)
def test_an_ordinary_question_signals_nothing(services: DialogueServices, text: str) -> None:
    assert services.signals.read(text) == Signals(refusal=None, urgent=False, person=False)


def test_asking_for_a_lawyer_is_no_request_for_a_legal_opinion(services: DialogueServices) -> None:
    signals = services.signals.read("Bir avukat tavsiye edebilir misiniz?")  # "Can you recommend a lawyer?"
    assert (signals.refusal, signals.urgent) == (None, False)  # not refused; an advisor may be offered


@pytest.mark.parametrize(
    "text",
    [
        "What happens when my residence permit runs out?",  # "permit runs out" is an urgency phrase
        "¿Qué ocurre si se vence mi tarjeta de residencia?",
        "Wo gibt es kostenlose Rechtsberatung für Arbeitnehmer in Bochum?",  # "Rechtsberatung": a legal-opinion phrase
    ],
)
def test_a_word_list_hit_in_a_plain_question_is_overruled_by_the_classifier(
    services: DialogueServices, word_lists: MessageSignals, text: str
) -> None:
    listed = word_lists.read(text)
    assert listed.refusal is not None or listed.urgent or listed.person  # the lists alone would raise an alarm
    assert services.signals.read(text) == Signals(refusal=None, urgent=False, person=False)


@pytest.mark.parametrize(
    "text",
    [
        "Meine Aufenthaltserlaubnis läuft nächste Woche ab und ich habe keinen Termin!",
        "My permit expires in 3 days and the office does not answer, please help",
    ],
)
def test_distress_with_the_same_words_is_still_recognised(services: DialogueServices, text: str) -> None:
    assert services.signals.read(text).urgent


class FixedProbabilities:
    """Stands in for the trained classifier: the same probabilities for every message (none first, then SIGNALS)."""

    def __init__(self, **probabilities: float) -> None:
        self.row = [probabilities.pop("none", 0.0), *(probabilities.get(signal, 0.0) for signal in SIGNALS)]

    def probabilities(self, texts: list[str]) -> np.ndarray:
        return np.array([self.row] * len(texts))


def learned(**probabilities: float) -> SignalClassifier:
    classifier = object.__new__(SignalClassifier)
    classifier._classifier = FixedProbabilities(**probabilities)  # type: ignore[assignment]
    return classifier


def test_without_an_answer_weaker_distress_or_wish_for_a_person_is_enough_but_not_for_a_refusal() -> None:
    weak = (SIGNAL_PROBABILITY + SIGNAL_PROBABILITY_UNANSWERED) / 2
    lists = Settings().knowledge_dir / "i18n"
    for signal in ("urgent", "person"):
        signals = MessageSignals(lists, learned(none=1 - weak, **{signal: weak}))
        assert getattr(signals.read("…", answered=True), signal) is False
        assert getattr(signals.read("…", answered=False), signal) is True
    forgery = MessageSignals(lists, learned(none=1 - weak, forgery=weak))
    assert forgery.read("…", answered=False).refusal is None
    assert MessageSignals(lists, learned(none=0.4, forgery=0.6)).read("…").refusal == "forgery"


def test_a_refusal_needs_the_request_more_probable_than_an_ordinary_question_a_person_does_not() -> None:
    """ "Can I bring a printed passport photo?" at 0.47 forgery, 0.53 ordinary is a question: no refusal. The same
    doubt about a wish for a person still offers one: that costs the user nothing."""
    lists = Settings().knowledge_dir / "i18n"
    doubt = {"none": 0.53}
    assert SIGNAL_PROBABILITY < 0.47 < 0.53
    assert MessageSignals(lists, learned(**doubt, forgery=0.47)).read("…").refusal is None
    assert MessageSignals(lists, learned(**doubt, legal_opinion=0.47)).read("…").refusal is None
    assert MessageSignals(lists, learned(**doubt, person=0.47)).read("…").person is True
