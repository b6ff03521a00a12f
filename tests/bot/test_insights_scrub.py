"""Personal data never reaches insights: it is masked in every supported language."""

from __future__ import annotations

import pytest

from bot.understanding.scrub import normalise_question, scrub


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich bin Mehmet Yilmaz und suche eine Wohnung", "Ich bin [NAME] und suche eine Wohnung"),
        ("I am Anna Schmidt, where do I register?", "I am [NAME], where do I register?"),
        ("Ben Mehmet Yılmaz, oturma izni için soruyorum", "Ben [NAME], oturma izni için soruyorum"),
        ("أنا محمد يلماز وأبحث عن سكن", "أنا [NAME] وأبحث عن سكن"),
        ("Я Олена Коваль, шукаю роботу", "Я [NAME], шукаю роботу"),
        ("Я Иван Петров, ищу работу", "Я [NAME], ищу работу"),
        ("Soy Lucía García y busco trabajo", "Soy [NAME] y busco trabajo"),
        ("Je suis Amadou Diallo, je cherche un logement", "Je suis [NAME], je cherche un logement"),
        ("Jestem Anna Nowak, szukam pracy", "Jestem [NAME], szukam pracy"),
        ("Sunt Ion Popescu și caut de lucru", "Sunt [NAME] și caut de lucru"),
        ("من مریم احمدی هستم و دنبال کار هستم", "من [NAME] هستم و دنبال کار هستم"),
    ],
)
def test_self_introductions_without_my_name_is_are_masked(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich wohne Hauptstraße 12, 44787 Bochum, wo melde ich mich an?", "Ich wohne [ADDRESS], wo melde ich mich an?"),
        ("my flat is at Kortumstr. 5a in Bochum", "my flat is at [ADDRESS] in Bochum"),
        ("Ich bin schwanger, bekomme ich Elterngeld?", "Ich bin [HEALTH], bekomme ich Elterngeld?"),
        ("I have cancer and lost my job", "I have [HEALTH] and lost my job"),
        ("Я вагітна, чи можуть мене звільнити?", "Я [HEALTH], чи можуть мене звільнити?"),
        ("أنا حامل وأبحث عن طبيب", "أنا [HEALTH] وأبحث عن طبيب"),
    ],
)
def test_addresses_and_health_are_masked(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    ["I am looking for a flat in Herne", "ich bin neu in Witten", "أنا أبحث عن عمل في بوخوم", "Я шукаю житло"],
)
def test_introductions_without_a_name_stay(text: str) -> None:
    assert scrub(text) == text
