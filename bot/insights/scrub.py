"""Masks personal data in question texts before they reach insights: e-mails, phones, IBANs, dates, ids, names."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
# A date with day, month and year — dates of birth are the ones that identify people.
DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2})\b"
    r"|\b\d{1,2}\.?\s+\w{3,12}\.?\s+(?:19|20)\d{2}\b"
)
PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\d ()/.-]{5,}\d)")
# Passport and residence-permit numbers: 6–12 letters and digits with at least two digits and one letter.
DOCUMENT_ID = re.compile(r"\b(?=[A-Z0-9]*\d[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,12}\b", re.IGNORECASE)

# "My name is …" in every supported language; the next one or two words are masked.
NAME_INTRO = (
    r"my name is|i am called|i'm called"
    r"|mein name ist|ich heiße|ich heisse|mein name lautet"
    r"|benim adım|ismim|benim ismim"
    r"|اسمي|إسمي|انا اسمي"
    r"|мене звати|моє ім'я|моє ім’я|моє прізвище"
    r"|меня зовут|моё имя|мое имя|моя фамилия"
    r"|me llamo|mi nombre es"
    r"|je m'appelle|je m’appelle|mon nom est"
    r"|nazywam się|mam na imię"
    r"|mă numesc|ma numesc|numele meu este|numele meu e"
    r"|اسم من|نام من|اسمم"
)
NAME = re.compile(
    rf"(?P<intro>(?<!\w)(?:{NAME_INTRO}))(?P<sep>\s*[:,-]?\s+)(?P<first>[^\s\d.,;:!?]+)"
    r"(?P<rest>\s+(?=\w)[^\s\d.,;:!?]+)?",
    re.IGNORECASE | re.UNICODE,
)
# Words that follow a name and must stay: "Ich heiße Anna und …", "نام من علی است".
_NOT_A_NAME = {"und", "and", "und,", "ve", "و", "і", "и", "y", "et", "i", "și", "si", "است", "هست", "hier", "here"}


def _mask_name(match: re.Match[str]) -> str:
    rest = match.group("rest") or ""
    second = rest.strip()
    keeps_second = not second or second.lower() in _NOT_A_NAME or (second[0].isalpha() and second[0].islower())
    masked = f"{match.group('intro')}{match.group('sep')}[NAME]"
    return masked + rest if keeps_second else masked


def scrub(text: str) -> str:
    """The text with personal data replaced by placeholders like [EMAIL]; order matters (IBAN before phone)."""
    text = EMAIL.sub("[EMAIL]", text)
    text = IBAN.sub("[IBAN]", text)
    text = DATE.sub("[DATE]", text)
    text = PHONE.sub(lambda m: "[PHONE]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)
    text = DOCUMENT_ID.sub("[ID]", text)
    return NAME.sub(_mask_name, text)


def normalise_question(text: str, limit: int = 300) -> str:
    """Scrubbed, single-spaced and cut to a length that groups well."""
    return " ".join(scrub(text).split())[:limit]
