"""Recognises urgency or distress (deportation, expiring visa, no place to sleep, exploitation) in any language."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import yaml


class UrgencyDetector:
    def __init__(self, terms_file: Path) -> None:
        data = yaml.safe_load(terms_file.read_text(encoding="utf-8")) or {}
        self._terms = sorted(
            {self._fold(str(term)) for terms in (data.get("terms") or {}).values() for term in terms}, key=len
        )

    @staticmethod
    def _fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    def is_urgent(self, text: str) -> bool:
        folded = self._fold(text)
        return any(term in folded for term in self._terms)
