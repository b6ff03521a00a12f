"""Composes a knowledge answer: the entry's text, the responsible office's card, the source and its date."""

from __future__ import annotations

from bot.i18n import FALLBACK_LANGUAGES, Catalog
from bot.knowledge.schema import Contact, Entry, OpeningHours


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


def contact_card(contact: Contact, catalog: Catalog, language: str) -> str:
    lines = [localised(contact.name, language)]
    if contact.address:
        lines.append(contact.address)
    if contact.address_note:
        lines.append(localised(contact.address_note, language))
    if contact.opening_hours:
        lines.append(
            f"{catalog.text('label_hours', language)}: {format_hours(contact.opening_hours, catalog, language)}"
        )
    if contact.opening_hours_note:
        lines.append(localised(contact.opening_hours_note, language))
    if contact.phone:
        lines.append(f"{catalog.text('label_phone', language)}: {contact.phone}")
    if contact.email:
        lines.append(f"{catalog.text('label_email', language)}: {contact.email}")
    if contact.website:
        lines.append(str(contact.website))
    return "\n".join(lines)


def compose_answer(
    entry: Entry,
    contact: Contact | None,
    catalog: Catalog,
    language: str,
    city: str | None = None,
    checklist: tuple[str, str] | None = None,
) -> str:
    """`checklist`: the addresses of the entry's checklist as a web page and as a PDF."""
    parts = [answer_text(entry, language)]
    if contact is not None:
        parts.append(contact_card(contact, catalog, language))
    if checklist:
        page, pdf = checklist
        parts.append(f"{catalog.text('label_checklist', language)}\n{page}\nPDF: {pdf}")
    source = entry.source_for(city)
    parts.append(
        f"{catalog.text('label_source', language)}: {source.title} – {source.url}\n"
        f"{catalog.text('label_last_checked', language)}: {entry.last_verified.isoformat()}"
    )
    return "\n\n".join(parts)
