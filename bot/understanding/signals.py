"""Recognises what a message signals beyond its topic, in any language: distress, a wish for a person, a request
the bot must refuse. The word lists are data (knowledge/i18n/urgency.yml, person.yml, refusals.yml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.understanding.text import fold

_SENTENCE_END = re.compile(r"[.!?;\n؟。]+")
REFUSAL_KINDS = ("forgery", "bot_instructions", "guarantee", "legal_opinion")  # checked in this order


def _fold(text: str) -> str:
    # casefold: "strasse" finds "auf der straße"; a typographic apostrophe is the one the terms have.
    return " ".join(fold(text).casefold().replace("\u2019", "'").split())


class TermMatcher:
    """Two kinds of term: a phrase found anywhere in the message, or a list of words that must all start a word of
    one sentence, in any order, each given as alternatives ("не|ні"): "Мій роботодавець не платить мені зарплату"
    has words between "не платить" and "зарплату" that no phrase can foresee."""

    def __init__(self, terms: list[Any]) -> None:
        self._phrases = sorted({_fold(str(term)) for term in terms if isinstance(term, str)}, key=len)
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
        if any(term in folded for folded in variants for term in self._phrases):
            return True
        sentences = [s for folded in variants for s in _SENTENCE_END.split(folded)]
        return any(all(word.search(s) for word in words) for s in sentences for words in self._word_sets)


def _read(path: Path) -> dict[str, Any]:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


class MessageSignals:
    """Distress (the bot offers an advisor at once, with the emergency numbers), a wish for a person (callback,
    "someone personally", frustration: an advisor is offered) and requests to refuse (guarantees, legal opinions,
    forged documents, instructions aimed at the bot)."""

    def __init__(self, i18n_dir: Path) -> None:
        self._urgent = TermMatcher.from_languages(_read(i18n_dir / "urgency.yml").get("terms"))
        self._person = TermMatcher.from_languages(_read(i18n_dir / "person.yml").get("terms"))
        kinds = _read(i18n_dir / "refusals.yml").get("kinds") or {}
        unknown = set(kinds) - set(REFUSAL_KINDS)
        if unknown:
            raise ValueError(f"{i18n_dir / 'refusals.yml'}: unknown kinds {sorted(unknown)}")
        self._refusals = {kind: TermMatcher.from_languages(kinds.get(kind)) for kind in REFUSAL_KINDS}

    def is_urgent(self, text: str) -> bool:
        return self._urgent.matches(text)

    def wants_person(self, text: str) -> bool:
        return self._person.matches(text)

    def refusal(self, text: str) -> str | None:
        """The kind of request the bot refuses, if the message is one."""
        return next((kind for kind, terms in self._refusals.items() if terms.matches(text)), None)
