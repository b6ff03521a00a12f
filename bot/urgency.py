"""Recognises urgency or distress (deportation, expiring visa, no place to sleep, exploitation) in any language."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.text import fold


class UrgencyDetector:
    def __init__(self, terms_file: Path) -> None:
        data = yaml.safe_load(terms_file.read_text(encoding="utf-8")) or {}
        self._terms = sorted(
            {self._fold(str(term)) for terms in (data.get("terms") or {}).values() for term in terms}, key=len
        )

    @staticmethod
    def _fold(text: str) -> str:
        return " ".join(fold(text).casefold().split())  # casefold: "strasse" finds "auf der straße"

    def is_urgent(self, text: str) -> bool:
        """Also with a Turkish keyboard's capitals: "SINIR DIŞI" is "sınır dışı" ("I" is dotless "ı" there)."""
        variants = {self._fold(text), self._fold(text.replace("I", "ı"))}
        return any(term in folded for folded in variants for term in self._terms)
