"""Folding text for matching, the same way wherever names, terms or questions are compared."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case, letter for letter: as long as the NFC text, so a position found in the folded text is one in the
    text. Python lower-cases Turkish "İ" to "i" plus a combining dot, which matches no name ("WİTTEN" typed with a
    Turkish keyboard's caps lock would not be Witten); it becomes a plain "i"."""
    return unicodedata.normalize("NFC", text).replace("İ", "I").lower()


SHOUTED_SHARE = 0.8  # this share of a message's cased letters in capitals: written with caps lock
SHOUTED_MIN_LETTERS = 4  # "OK", "WBS?" are words, not shouting


def unshouted(text: str, language: str | None = None) -> str:
    """A message written in capitals, lower-cased: the intent classifier and the knowledge matcher learnt from
    ordinary writing, and "WO MELDE ICH MICH AN?" found nothing. Turkish capitals typed on a Turkish keyboard (it
    has "İ") have their own small letters ("I" → "ı", "İ" → "i"); on another keyboard "I" is just "i". Button
    payloads ("/affirm") and ordinary messages are left as they are."""
    if text.startswith("/"):
        return text
    cased = [c for c in text if c.isupper() or c.islower()]
    upper = sum(c.isupper() for c in cased)
    if upper < SHOUTED_MIN_LETTERS or upper < SHOUTED_SHARE * len(cased):
        return text
    if language == "tr" and "İ" in text:  # a Turkish keyboard: its "I" is the capital of "ı"
        text = text.replace("I", "ı")
    return fold(text)
