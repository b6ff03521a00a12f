"""Recognises what a message signals beyond its topic, in any language: distress, a wish for a person, a request
the bot must refuse. Two recognisers, either is enough: word lists (knowledge/i18n/urgency.yml, person.yml,
refusals.yml), exact and explainable, and a classifier trained on example messages (knowledge/i18n/signals/), which
also finds what no list foresaw ("Der Termin ist erst im März, mein Visum läuft Ende Januar aus") and overrules the
lists when it is all but sure the message is an ordinary question."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.infra.yamlfile import read_yaml
from bot.understanding.classifier import TextClassifier
from bot.understanding.text import fold
from engine.embedding import Embedder

_WORD_START = r"(?<![^\W\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff])"  # no letter before, unless an Arabic-script one
_SENTENCE_END = re.compile(r"[.!?;\n؟。]+")
REFUSAL_KINDS = ("forgery", "bot_instructions", "guarantee", "legal_opinion")  # checked in this order
SIGNALS = ("urgent", "person", *REFUSAL_KINDS)
# The classifier names a signal only when it is this probable, and a word list's hit counts only while the classifier
# is less sure than ORDINARY_VETO that the message is an ordinary question ("What happens if my permit expires?"
# holds an urgency phrase). Both chosen on 5-fold cross-validation over knowledge/i18n/signals and checked on
# bench/dev (see docs/benchmarks.md). Together above 1: when the veto holds, no signal is probable enough either.
SIGNAL_PROBABILITY = 0.4
ORDINARY_VETO = 0.95
# When the knowledge base has no answer for the message anyway, a weaker sign of distress or of a wish for a person
# is enough: offering a person costs little where the alternative is "did you mean …?" (cross-validation: handoffs
# 91.5 -> 92.4 %, tricky ordinary messages flagged 2.1 % before and after; docs/benchmarks.md). Not for refusals:
# refusing an innocent question is worse than offering a person ("change the address on my Romanian ID card at the
# consulate" read as forgery at 0.3).
SIGNAL_PROBABILITY_UNANSWERED = 0.3


def _fold(text: str) -> str:
    # casefold: "strasse" finds "auf der straße"; a typographic apostrophe is the one the terms have.
    return " ".join(fold(text).casefold().replace("\u2019", "'").split())


class TermMatcher:
    """Two kinds of term: a phrase found anywhere in the message, or a list of words that must all start a word of
    one sentence, in any order, each given as alternatives ("не|ні"): "Мій роботодавець не платить мені зарплату"
    has words between "не платить" and "зарплату" that no phrase can foresee."""

    def __init__(self, terms: list[Any]) -> None:
        phrases = sorted({_fold(str(term)) for term in terms if isinstance(term, str)}, key=len, reverse=True)
        # A phrase starts a word (Romanian "e legal" is not in "free legal advice"), except after Arabic-script
        # letters: "و" (and) and other particles are written joined to the next word.
        self._phrases = re.compile(_WORD_START + "(?:" + "|".join(map(re.escape, phrases)) + ")") if phrases else None
        self._word_sets = [
            [
                re.compile(r"(?<!\w)(?:" + "|".join(re.escape(_fold(a)) for a in str(word).split("|")) + ")")
                for word in term
            ]
            for term in terms
            if isinstance(term, list)
        ]

    @classmethod
    def from_languages(cls, by_language: dict[str, list[Any]] | None) -> TermMatcher:
        return cls([term for terms in (by_language or {}).values() for term in terms or []])

    def matches(self, text: str) -> bool:
        """Also with a Turkish keyboard's capitals: "SINIR DIŞI" is "sınır dışı" ("I" is dotless "ı" there)."""
        variants = {_fold(text), _fold(text.replace("I", "ı"))}
        if self._phrases is not None and any(self._phrases.search(folded) for folded in variants):
            return True
        sentences = [s for folded in variants for s in _SENTENCE_END.split(folded)]
        return any(all(word.search(s) for word in words) for s in sentences for words in self._word_sets)


def _read(path: Path) -> dict[str, Any]:
    return (read_yaml(path) or {}) if path.exists() else {}


class SignalClassifier:
    """The signal of a message by example: knowledge/i18n/signals/<lang>.yml holds messages per signal and ordinary
    ones ("none"); the knowledge base's questions and the uncovered ones are ordinary too, so that a plain question
    is not taken for distress."""

    def __init__(
        self,
        examples_dir: Path,
        ordinary: list[str],
        embedder: Embedder,
        cache_dir: Path | None = None,
        prepare: Callable[[str], str] | None = None,
    ) -> None:
        texts, labels = list(ordinary), [0] * len(ordinary)
        for path in sorted(examples_dir.glob("*.yml")):
            examples = _read(path).get("examples") or {}
            unknown = set(examples) - {"none", *SIGNALS}
            if unknown:
                raise ValueError(f"{path}: unknown signals {sorted(unknown)}")
            for signal, messages in examples.items():
                label = 0 if signal == "none" else SIGNALS.index(signal) + 1
                texts += [str(m) for m in messages or []]
                labels += [label] * len(messages or [])
        self._classifier = TextClassifier(
            "signals",
            texts,
            np.array(labels),
            len(SIGNALS) + 1,
            embedder,
            cache_dir,
            prepare=prepare,
            what="signal classifier",
        )

    def read(self, text: str, *, answered: bool = True) -> tuple[str | None, float]:
        """The most probable signal, if it is probable enough (None for an ordinary message), and how probable it is
        that the message is ordinary. `answered`: whether the knowledge base has an answer for the message."""
        probabilities = self._classifier.probabilities([text])[0]
        best = int(np.argmax(probabilities[1:])) + 1
        signal = SIGNALS[best - 1]
        weak = not answered and signal in ("urgent", "person")
        threshold = SIGNAL_PROBABILITY_UNANSWERED if weak else SIGNAL_PROBABILITY
        probable = probabilities[best] >= threshold
        # A refusal also needs the request more probable than an ordinary question: "Can I bring a printed passport
        # photo?" read 0.47 forgery and 0.53 ordinary.
        if signal in REFUSAL_KINDS:
            probable = probable and probabilities[best] > probabilities[0]
        return (signal if probable else None), float(probabilities[0])


@dataclass(frozen=True)
class Signals:
    refusal: str | None  # the kind of request to refuse, if it is one
    urgent: bool  # distress
    person: bool  # a wish for a person


class MessageSignals:
    """Distress (the bot offers an advisor at once, with the emergency numbers), a wish for a person (callback,
    "someone personally", frustration: an advisor is offered) and requests to refuse (guarantees, legal opinions,
    forged documents, instructions aimed at the bot)."""

    def __init__(self, i18n_dir: Path, classifier: SignalClassifier | None = None) -> None:
        self._classifier = classifier
        self._urgent = TermMatcher.from_languages(_read(i18n_dir / "urgency.yml").get("terms"))
        self._person = TermMatcher.from_languages(_read(i18n_dir / "person.yml").get("terms"))
        kinds = _read(i18n_dir / "refusals.yml").get("kinds") or {}
        unknown = set(kinds) - set(REFUSAL_KINDS)
        if unknown:
            raise ValueError(f"{i18n_dir / 'refusals.yml'}: unknown kinds {sorted(unknown)}")
        self._refusals = {kind: TermMatcher.from_languages(kinds.get(kind)) for kind in REFUSAL_KINDS}

    def read(self, text: str, *, answered: bool = True) -> Signals:
        """Everything the message signals, with the classifier run once; `answered`: whether the knowledge base has
        an answer for it (without one, less probable distress or wish for a person counts)."""
        learned, ordinary = None, 0.0
        if self._classifier is not None and text.strip():
            learned, ordinary = self._classifier.read(text, answered=answered)
        if ordinary >= ORDINARY_VETO:  # the lists' phrases in a plain question (and no signal is that probable then)
            return Signals(refusal=None, urgent=False, person=False)
        listed = next((kind for kind, terms in self._refusals.items() if terms.matches(text)), None)
        return Signals(
            refusal=listed or (learned if learned in REFUSAL_KINDS else None),
            urgent=self._urgent.matches(text) or learned == "urgent",
            person=self._person.matches(text) or learned == "person",
        )
