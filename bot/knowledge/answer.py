"""Composes a knowledge answer: the entry's text, its dated figures, the responsible office's card, the source and
its date; and an office's card leading with the detail asked for."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date

from bot.infra.i18n import FALLBACK_LANGUAGES, Catalog
from bot.knowledge.schema import Contact, ContactField, Entry, Fact, Figure, FigureValue, OpeningHours

_YEAR = re.compile(r"(?<!\d)(20[2-4]\d)(?!\d)")
# Digit grouping and decimal mark per language (the digits stay Western: they are what offices print).
_SEPARATORS = {"en": (",", "."), "ar": (",", "."), "fa": (",", "."), "fr": ("\u202f", ","), "pl": ("\u202f", ",")}
_SEPARATORS |= {lang: ("\u00a0", ",") for lang in ("uk", "ru")}
_DEFAULT_SEPARATORS = (".", ",")  # de, tr, es, ro


def localised(values: dict[str, str], language: str) -> str:
    for lang in (language, *FALLBACK_LANGUAGES):
        if values.get(lang):
            return values[lang]
    return next(iter(values.values()), "")


def answer_text(entry: Entry, language: str) -> str:
    return localised({lang: t.text for lang, t in entry.answer.items()}, language)


def format_hours(hours: list[OpeningHours], catalog: Catalog, language: str) -> str:
    return "; ".join(
        f"{', '.join(catalog.text(f'day_{day}', language) for day in slot.days)} {slot.opens}–{slot.closes}"
        for slot in hours
    )


_CARD_ORDER: tuple[ContactField, ...] = ("address", "opening_hours", "phone", "email", "appointment_url")
_LEADING_LABEL = {
    "address": "label_address",
    "opening_hours": "label_hours",
    "phone": "label_phone",
    "email": "label_email",
    "appointment_url": "label_appointment",
}


def _card_lines(contact: Contact, field: ContactField, catalog: Catalog, language: str, leading: bool) -> list[str]:
    if field == "address":
        if not contact.address:
            return []
        label = f"{catalog.text('label_address', language)}: " if leading else ""
        note = [localised(contact.address_note, language)] if contact.address_note else []
        return [label + contact.address, *note]
    if field == "opening_hours":
        lines = []
        if contact.opening_hours:
            hours = format_hours(contact.opening_hours, catalog, language)
            lines.append(f"{catalog.text('label_hours', language)}: {hours}")
        if contact.opening_hours_note:
            lines.append(localised(contact.opening_hours_note, language))
        return lines
    value = getattr(contact, field)
    lines = [f"{catalog.text(_LEADING_LABEL[field], language)}: {value}"] if value else []
    if field == "appointment_url" and contact.appointment_note:  # "by phone only", "up to three weeks ahead"
        booking = localised(contact.appointment_note, language)
        lines.append(booking if value else f"{catalog.text('label_appointment', language)}: {booking}")
    return lines


def contact_card(contact: Contact, catalog: Catalog, language: str, first: Sequence[str] = ()) -> str:
    """The office's name, then the details asked for (`first`; one it lacks is said to be not given, so nobody
    takes the silence for an answer), then the rest, then its website."""
    leading = [field for field in _CARD_ORDER if field in first]
    lines = [localised(contact.name, language)]
    for field in leading:
        found = _card_lines(contact, field, catalog, language, leading=True)
        missing = f"{catalog.text(_LEADING_LABEL[field], language)}: {catalog.text('detail_not_given', language)}"
        lines += found or [missing]
    for field in _CARD_ORDER:
        if field not in leading:
            lines += _card_lines(contact, field, catalog, language, leading=False)
    if contact.website:
        lines.append(str(contact.website))
    return "\n".join(lines)


def source_lines(title: str, url: str, read: date, catalog: Catalog, language: str) -> str:
    return (
        f"{catalog.text('label_source', language)}: {title} – {url}\n"
        f"{catalog.text('label_last_checked', language)}: {read.isoformat()}"
    )


def office_text(contacts: Sequence[Contact], catalog: Catalog, language: str, first: Sequence[str]) -> str:
    """Cards of the offices a question is about, leading with the details asked for, each with its source."""
    return "\n\n".join(
        f"{contact_card(contact, catalog, language, first)}\n"
        + source_lines(contact.source.title, str(contact.source.url), contact.source.read, catalog, language)
        for contact in contacts
    )


def format_number(value: float, language: str) -> str:
    thousands, decimal = _SEPARATORS.get(language, _DEFAULT_SEPARATORS)
    whole = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return whole.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def asked_year(question: str) -> int | None:
    """A year the question names ("Blue Card 2027", Persian "سال ۲۰۲۵"), if any, in any script's digits."""
    found = _YEAR.search("".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in question))
    return int(found.group(1)) if found else None


def _period(value: FigureValue, catalog: Catalog, language: str) -> str:
    start, end = value.valid_from, value.valid_until
    if end and start.year == end.year and (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31):
        return str(start.year)
    if end:
        return f"{start.isoformat()} – {end.isoformat()}"
    key = "figure_since" if value.start_known else "figure_as_of"
    return catalog.text(key, language, date=start.isoformat())


def figure_text(figure: Figure, catalog: Catalog, language: str, today: date, year: int | None = None) -> str:
    """The figure valid today, or in the year asked about, with its period and source: "Mindestlohn – 2026: 13,90 €
    brutto pro Stunde". When there is none for that year (or for today), it says so and gives the latest value with
    its period, never an outdated value as if it were current."""
    lines = []
    value = figure.value_in_year(year) if year else figure.value_on(today)
    if value is None:
        # No value for the year asked about, or none for today yet (the next year's figure is not published or
        # not yet in the knowledge base): say so, then give what is valid today or the latest value with its period.
        lines.append(catalog.text("figure_no_value", language, year=year or today.year))
        value = figure.value_on(today) or max(figure.values, key=lambda v: v.valid_from)
    amount = catalog.text(f"unit_{figure.unit}", language, value=format_number(value.value, language))
    lines.append(f"{localised(figure.label, language)} – {_period(value, catalog, language)}: {amount}")
    if figure.note:
        lines.append(localised(figure.note, language))
    lines.append(f"{catalog.text('label_source', language)}: {value.source.title} – {value.source.url}")
    return "\n".join(lines)


def facts_text(entry: Entry, catalog: Catalog, language: str, facts: Sequence[Fact] | None = None) -> str:
    """The entry's details (`facts`: in this order) as a list, each with the page it comes from when that is not
    the entry's own source."""
    own = {str(source.url) for source in entry.sources}
    lines = [catalog.text("label_good_to_know", language)]
    for fact in entry.facts if facts is None else facts:
        line = f"• {localised(fact.text, language)}"
        if str(fact.source.url) not in own:
            line += f" ({catalog.text('label_source', language)}: {fact.source.url})"
        lines.append(line)
    return "\n".join(lines)


def compose_answer(
    entry: Entry,
    contact: Contact | None,
    catalog: Catalog,
    language: str,
    city: str | None = None,
    checklist: tuple[str, str] | None = None,
    figures: Sequence[Figure] = (),
    today: date | None = None,
    year: int | None = None,
    with_text: bool = True,
    *,
    facts: Sequence[Fact] | None = None,
) -> str:
    """`checklist`: the addresses of the entry's checklist as a web page and as a PDF; `figures`: the entry's dated
    figures, stated as valid `today` or in the `year` asked about; `facts`: the entry's facts in the order to show
    them; without `with_text` only the card and the rest (the answer was given before the city was known)."""
    parts = [answer_text(entry, language)] if with_text else []
    if with_text and entry.facts:
        parts.append(facts_text(entry, catalog, language, facts))
    parts += [figure_text(figure, catalog, language, today or date.today(), year) for figure in figures]
    if contact is not None:
        parts.append(contact_card(contact, catalog, language))
    if checklist:
        page, pdf = checklist
        parts.append(f"{catalog.text('label_checklist', language)}\n{page}\nPDF: {pdf}")
    source = entry.source_for(city)
    parts.append(source_lines(source.title, str(source.url), entry.last_verified, catalog, language))
    return "\n\n".join(parts)
