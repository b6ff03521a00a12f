"""Personal data never reaches insights: it is masked in every supported language."""

from __future__ import annotations

import pytest

from bot.insights.scrub import normalise_question, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to anna.schmidt+job@example.co.uk please", "Write to [EMAIL] please"),
        ("Ruf mich an: +49 234 910-1234", "Ruf mich an: [PHONE]"),
        ("mein Handy 0176/12345678", "mein Handy [PHONE]"),
        ("IBAN DE89 3704 0044 0532 0130 00 für die Miete", "IBAN [IBAN] für die Miete"),
        ("IBAN DE89370400440532013000", "IBAN [IBAN]"),
        ("geboren am 03.07.1991 in Kiew", "geboren am [DATE] in Kiew"),
        ("born 1991-07-03", "born [DATE]"),
        ("Reisepass C01X00T47 abgelaufen", "Reisepass [ID] abgelaufen"),
        ("my permit number is Y7F3K9L2M", "my permit number is [ID]"),
    ],
)
def test_contact_details_and_numbers_are_masked(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, my name is Priya Sharma, I need a flat", "Hello, my name is [NAME], I need a flat"),
        ("Hallo, ich heiße Olena und suche Arbeit", "Hallo, ich heiße [NAME] und suche Arbeit"),
        ("Mein Name ist Jan Kowalski.", "Mein Name ist [NAME]."),
        ("Merhaba, benim adım Ayşe Yılmaz, işe ihtiyacım var", "Merhaba, benim adım [NAME], işe ihtiyacım var"),
        ("مرحبا، اسمي أحمد", "مرحبا، اسمي [NAME]"),
        ("Привіт, мене звати Олена, де знайти житло?", "Привіт, мене звати [NAME], де знайти житло?"),
        ("Здравствуйте, меня зовут Иван Петров.", "Здравствуйте, меня зовут [NAME]."),
        ("Hola, me llamo Lucía y busco trabajo", "Hola, me llamo [NAME] y busco trabajo"),
        ("Bonjour, je m'appelle Amadou Diallo.", "Bonjour, je m'appelle [NAME]."),
        ("Dzień dobry, nazywam się Anna Nowak.", "Dzień dobry, nazywam się [NAME]."),
        ("Bună ziua, mă numesc Ion Popescu.", "Bună ziua, mă numesc [NAME]."),
        ("سلام، نام من علی است", "سلام، نام من [NAME] است"),
    ],
)
def test_names_after_an_introduction_are_masked_in_every_language(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Wo melde ich mich in Witten an?",
        "What is the Blue Card salary threshold in 2026?",
        "Як визнати мій диплом?",
        "Öffnungszeiten Bürgerbüro 44787 Bochum",
        "§ 81a AufenthG Vorabzustimmung",
        "B1 Kurs ab 1. März",
    ],
)
def test_ordinary_questions_stay_as_they_are(text: str) -> None:
    assert scrub(text) == text


def test_normalised_question_is_scrubbed_single_spaced_and_bounded() -> None:
    assert normalise_question("  my   email\nis a@b.de  ") == "my email is [EMAIL]"
    assert len(normalise_question("wohnung " * 200)) == 300
