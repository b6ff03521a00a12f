"""Masks personal data in question texts before they reach insights: e-mails, phones, IBANs, dates, ids, names,
street addresses and words about health."""

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


# "I am Anna Schmidt", "Я Олена Коваль": a self-introduction followed by capitalised words (one or two) in the
# scripts that have capitals. A profession ("Ich bin Krankenschwester") is masked too: better one word too many.
SELF_INTRO = re.compile(
    r"(?P<intro>(?<!\w)(?i:i am|i'm|i’m|ich bin|je suis|soy|jestem|sunt|ben|я|это)\s+)"
    r"(?P<name>[A-ZÄÖÜÀ-ÞĀ-ſА-ЯІЇЄҐЁ][\w'’-]*(?:\s+[A-ZÄÖÜÀ-ÞĀ-ſА-ЯІЇЄҐЁ][\w'’-]*)?)",
    re.UNICODE,
)
# Arabic has no capitals: "أنا" + a word that is not one of the verbs and words that usually follow it.
_ARABIC_AFTER_ANA = (
    "أبحث|أريد|اريد|أحتاج|احتاج|أعمل|اعمل|أسكن|اسكن|أعيش|اعيش|أسأل|اسأل|أستطيع|لا|لست|من|في|عندي|هنا|جديد|طالب|"
    "موظف|لاجئ|مقيم|متزوج|ساكن|بحاجة|أود|اود|أرغب|ارغب|أيضا|ايضا"
)
ARABIC_INTRO = re.compile(rf"(?P<intro>(?<!\w)أنا\s+)(?!(?:{_ARABIC_AFTER_ANA})(?!\w))(?P<name>\w+(?:\s+\w+)?)")
PERSIAN_INTRO = re.compile(r"(?P<intro>(?<!\w)من\s+)(?P<name>\S+(?:\s+\S+)?)(?P<verb>\s+هستم)")
# A street with its house number, and the postcode and town after it: "Hauptstraße 12, 44787 Bochum".
STREET = re.compile(
    r"(?<!\w)[\wÄÖÜäöüß.-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee)"
    r"\s+\d+\s?[a-zA-Z]?(?:\s*,?\s*\d{5}(?:\s+[A-ZÄÖÜ][\wäöüß-]+)?)?",
    re.IGNORECASE | re.UNICODE,
)
# Health is a special category of personal data (Art. 9 GDPR): words that reveal it are masked, in every language.
HEALTH = re.compile(
    r"(?<!\w)(?:schwanger\w*|hiv|aids|krebs\w*|depression\w*|depressiv\w*|diabet\w*|behinderung\w*|psychisch\w*"
    r"|pregnan\w*|cancer|depress\w*|disabilit\w*|disabled|mental illness|hamile\w*|kanser\w*|depresyon\w*"
    r"|diyabet\w*|engelli\w*|حامل|الحمل|سرطان|السرطان|اكتئاب|الاكتئاب|السكري|إعاقة|الإعاقة|вагітн\w*|віл|рак\w*"
    r"|депресі\w*|депресс\w*|діабет\w*|диабет\w*|інвалідн\w*|беременн\w*|вич|инвалидн\w*|embarazad\w*"
    r"|embarazo|vih|cáncer|depresión|discapacidad\w*|enceinte|grossesse|dépression|diabète|handicap\w*|w ciąży"
    r"|ciąż\w*|nowotw\w*|depresj\w*|cukrzyc\w*|niepełnospraw\w*|însărcinat\w*|sarcin\w*|depresie|diabet"
    r"|dizabilit\w*|باردار\w*|سرطان|افسردگی|دیابت|معلولیت)(?!\w)",
    re.IGNORECASE | re.UNICODE,
)


def scrub(text: str) -> str:
    """The text with personal data replaced by placeholders like [EMAIL]; order matters (IBAN before phone,
    the street before the phone number that its postcode could be taken for)."""
    text = EMAIL.sub("[EMAIL]", text)
    text = IBAN.sub("[IBAN]", text)
    text = DATE.sub("[DATE]", text)
    text = STREET.sub("[ADDRESS]", text)
    text = PHONE.sub(lambda m: "[PHONE]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)
    text = DOCUMENT_ID.sub("[ID]", text)
    text = HEALTH.sub("[HEALTH]", text)
    text = NAME.sub(_mask_name, text)
    text = SELF_INTRO.sub(lambda m: m.group("intro") + "[NAME]", text)
    text = ARABIC_INTRO.sub(lambda m: m.group("intro") + "[NAME]", text)
    return PERSIAN_INTRO.sub(lambda m: m.group("intro") + "[NAME]" + m.group("verb"), text)


def normalise_question(text: str, limit: int = 300) -> str:
    """Scrubbed, single-spaced and cut to a length that groups well."""
    return " ".join(scrub(text).split())[:limit]
