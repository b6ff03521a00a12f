"""Urgency or distress in a message (knowledge/i18n/urgency.yml): the bot offers an advisor at once."""

from __future__ import annotations

import pytest

from bot.infra.settings import Settings
from bot.understanding.signals import MessageSignals


@pytest.fixture(scope="module")
def urgency() -> MessageSignals:
    return MessageSignals(Settings().knowledge_dir / "i18n")


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
        # Words between the parts of a phrase: a list of words in one sentence, in any order.
        "Mein Arbeitgeber hat mir seit März keinen Cent Lohn gezahlt, nicht einmal für Überstunden",
        "My boss has not paid me anything for two months",
        "They stopped paying my salary in October",
        "Patron iki aydır maaşımı hiç ödemiyor",
        "صاحب العمل لم يدفع لي الراتب منذ شهرين",
        "Мій роботодавець не платить мені зарплату вже два місяці",
        "Мне уже три месяца не выплачивают зарплату",
        "Mi jefe no me ha pagado el sueldo de octubre",
        "Mon patron ne m’a pas versé mon salaire",  # a typographic apostrophe
        "Od dwóch miesięcy nie dostałem wynagrodzenia",
        "Angajatorul nu mi-a mai plătit salariul de două luni",
        "کارفرمایم دو ماه است حقوقم را نپرداخته",
    ],
)
def test_urgency_is_recognised_in_any_language_and_case(urgency: MessageSignals, text: str) -> None:
    assert urgency.read(text).urgent


ORDINARY = [
    "Wo melde ich mich in Witten an?",
    "İKAMET İZNİ NEREDEN ALINIR?",
    "Hallo",
    "",
    "Must I pay church tax?",
    "Do I need to pay tax on my salary if I am not resident?",  # "not", "pay", "salary": no employer who owes
    "Wie viel Lohn zahlt man in der Pflege? Ich weiß es nicht.",  # the parts stand in different sentences
    "Какая зарплата у медсестры? Не знаю, куда обращаться",
    "Wie viele Kitas kann ich im Anmeldeportal auswählen?",  # "deport" starts no word of it
    "Wie viel Lohn zahlt man, wenn man nicht Vollzeit arbeitet?",
    "Працюю неповний день, грошей не вистачає на оренду, чи можна отримати доплату?",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_questions_are_not_urgent(urgency: MessageSignals, text: str) -> None:
    assert not urgency.read(text).urgent


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("Is there free legal aid for migrants in Bochum?", None),  # Romanian "e legal" is not in "free legal"
        ("Asta e legal? Patronul nu mi-a dat salariul", "legal_opinion"),
        ("هل هذا قانوني؟ وأرفع قضية على الشركة", "legal_opinion"),  # "و" (and) is joined to the next word
    ],
)
def test_a_phrase_starts_a_word_except_after_an_arabic_particle(
    urgency: MessageSignals, text: str, refused: str | None
) -> None:
    assert urgency.read(text).refusal == refused
