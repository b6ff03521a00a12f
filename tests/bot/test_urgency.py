"""Urgency or distress in a message (knowledge/i18n/urgency.yml): the bot offers an advisor at once."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.urgency import UrgencyDetector


@pytest.fixture(scope="module")
def urgency() -> UrgencyDetector:
    return UrgencyDetector(Settings().knowledge_dir / "i18n" / "urgency.yml")


@pytest.mark.parametrize(
    "text",
    [
        "Mir droht die Abschiebung, was soll ich tun?",
        "My visa expires next week and nobody answers",
        "Vizem bitiyor, ne yapmalıyım?",
        "VİZEM BİTİYOR",  # a Turkish keyboard's capital dotted İ
        "SINIR DIŞI EDİLECEĞİM",  # and its capital I, which is dotless ı in lower case
        "Мне негде спать",
        "Ich schlafe seit gestern auf der Strasse",  # "ss" for "ß"
        "Роботодавець забрали паспорт",
        "I need help, my employer does not pay my wages",  # was taken for a question about the Jobcenter
        "Mein Chef zahlt meinen Lohn nicht seit zwei Monaten",
        "Работодатель не платит зарплату уже два месяца",
        "Patronum iki aydır maaşımı ödemiyor",
        "Pracodawca nie płaci mi od marca",
    ],
)
def test_urgency_is_recognised_in_any_language_and_case(urgency: UrgencyDetector, text: str) -> None:
    assert urgency.is_urgent(text)


ORDINARY = ["Wo melde ich mich in Witten an?", "İKAMET İZNİ NEREDEN ALINIR?", "Hallo", "", "Must I pay church tax?"]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_questions_are_not_urgent(urgency: UrgencyDetector, text: str) -> None:
    assert not urgency.is_urgent(text)
