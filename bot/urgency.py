"""Recognises urgency or distress (deportation, expiring visa, no place to sleep, exploitation) in any language."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.text import fold

_SENTENCE_END = re.compile(r"[.!?;\n؟。]+")


class UrgencyDetector:
    """Two kinds of term (knowledge/i18n/urgency.yml): a phrase found anywhere in the message, or a list of words that
    must all start a word of one sentence, in any order, each given as alternatives ("не|ні"): "Мій роботодавець
    не платить мені зарплату" has words between "не платить" and "зарплату" that no phrase can foresee."""

    def __init__(self, terms_file: Path) -> None:
        data = yaml.safe_load(terms_file.read_text(encoding="utf-8")) or {}
        terms = [term for language_terms in (data.get("terms") or {}).values() for term in language_terms]
        self._phrases = sorted({self._fold(str(term)) for term in terms if isinstance(term, str)}, key=len)
        self._word_sets = [
            [
                re.compile(r"(?<!\w)(?:" + "|".join(re.escape(self._fold(a)) for a in str(word).split("|")) + ")")
                for word in term
            ]
            for term in terms
            if isinstance(term, list)
        ]

    @staticmethod
    def _fold(text: str) -> str:
        # casefold: "strasse" finds "auf der straße"; a typographic apostrophe is the one the terms have.
        return " ".join(fold(text).casefold().replace("\u2019", "'").split())

    def is_urgent(self, text: str) -> bool:
        """Also with a Turkish keyboard's capitals: "SINIR DIŞI" is "sınır dışı" ("I" is dotless "ı" there)."""
        variants = {self._fold(text), self._fold(text.replace("I", "ı"))}
        if any(term in folded for folded in variants for term in self._phrases):
            return True
        sentences = [s for folded in variants for s in _SENTENCE_END.split(folded)]
        return any(all(word.search(s) for word in words) for s in sentences for words in self._word_sets)
