"""Folding text for matching, and messages written in capitals."""

from __future__ import annotations

import pytest

from bot.understanding.text import fold, unshouted


def test_fold_keeps_every_letter_in_its_place() -> None:
    assert fold("WİTTEN Straße") == "witten straße"
    assert len(fold("Große İkamet")) == len("Große İkamet")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("WO MELDE ICH MICH IN WITTEN AN?", "de", "wo melde ich mich in witten an?"),
        ("ГДЕ ВЗЯТЬ НАЛОГОВЫЙ НОМЕР", "ru", "где взять налоговый номер"),
        ("KİRA SÖZLEŞMESİ LAZIM MI", "tr", "kira sözleşmesi lazım mı"),  # a Turkish keyboard's "I" is "ı"
        ("KIRA SOZLESMESI LAZIM MI", "tr", "kira sozlesmesi lazim mi"),  # another keyboard: "I" is "i"
        ("HILFE", "de", "hilfe"),
        ("WBS?", "de", "WBS?"),  # an abbreviation, not shouting
        ("Ich brauche einen WBS in HERNE", "de", "Ich brauche einen WBS in HERNE"),
        ('/inform_city{"city":"witten"}', "de", '/inform_city{"city":"witten"}'),
        ("أين المكتب؟", "ar", "أين المكتب؟"),  # no capitals in the script at all
    ],
)
def test_only_messages_in_capitals_are_lower_cased(text: str, language: str, expected: str) -> None:
    assert unshouted(text, language) == expected
