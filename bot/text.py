"""Folding text for matching, the same way wherever names, terms or questions are compared."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case, letter for letter: as long as the NFC text, so a position found in the folded text is one in the
    text. Python lower-cases Turkish "İ" to "i" plus a combining dot, which matches no name ("WİTTEN" typed with a
    Turkish keyboard's caps lock would not be Witten); it becomes a plain "i"."""
    return unicodedata.normalize("NFC", text).replace("İ", "I").lower()
