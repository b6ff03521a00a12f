"""Translation between a user and an advisor who share no language.

Incoming: what the advisor cannot read (the user's messages, the bot's answers) is shown with a machine translation
into the advisor's language under the original, translated once per message and language and kept in
message_translations. Outgoing: the advisor writes in their language; the user receives the translation with the
original below it, marked as machine translation. When the translator is off, down or slow, the original stands.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.models import Conversation, Message, MessageTranslation, SenderKind
from bot.infra.i18n import Catalog
from bot.infra.translate import TranslationUnavailable, Translator

# What an advisor may need translated: the user's words and what the bot or the system told them. Advisors' own
# messages and notes are in the advisors' languages.
TRANSLATED_SENDERS = (SenderKind.USER, SenderKind.BOT, SenderKind.SYSTEM)


@dataclass(frozen=True)
class TranscriptTranslation:
    texts: dict[int, str]  # message id -> translation into the advisor's language
    unavailable: bool  # the translator failed: some messages are shown untranslated


def needs_translation(language: str | None, readable: Sequence[str]) -> bool:
    """A text in `language` needs translating for someone who reads `readable` (unknown language: no)."""
    return bool(language) and language not in readable


def advisor_target(advisor_languages: Sequence[str], preferred: str | None, default: str) -> str:
    """The language to translate into for an advisor: the console's language if the advisor reads it, else the first
    language they read."""
    if preferred and (preferred in advisor_languages or not advisor_languages):
        return preferred
    return advisor_languages[0] if advisor_languages else default


async def translate_transcript(
    session: AsyncSession,
    translator: Translator,
    conversation: Conversation,
    messages: Sequence[Message],
    readable: Sequence[str],
    target: str,
) -> TranscriptTranslation:
    """Translations into `target` of the messages the advisor cannot read: cached ones from the database, the others
    translated in one batch per source language and stored. Each message's language is its own where it was
    detected, else the conversation's."""
    wanted: dict[int, str] = {}
    for m in messages:
        language = m.language or conversation.language
        translatable = m.sender in TRANSLATED_SENDERS and not m.private and not m.text.startswith("/")  # "/affirm"
        if translatable and language and needs_translation(language, (*readable, target)):
            wanted[m.id] = language
    if not wanted:
        return TranscriptTranslation({}, False)
    cached = await session.scalars(
        select(MessageTranslation).where(
            MessageTranslation.message_id.in_(wanted), MessageTranslation.language == target
        )
    )
    texts = {row.message_id: row.text for row in cached}
    by_source: dict[str, list[Message]] = defaultdict(list)
    for m in messages:
        if m.id in wanted and m.id not in texts:
            by_source[wanted[m.id]].append(m)
    # One batch per source language, all at once: a slow translator delays the transcript by one timeout at most.
    groups = list(by_source.items())
    results = await asyncio.gather(
        *(translator.translate([m.text for m in group], source, target) for source, group in groups),
        return_exceptions=True,
    )
    unavailable = False
    for (_, group), translated in zip(groups, results, strict=True):
        if isinstance(translated, TranslationUnavailable):
            unavailable = True
            continue
        if isinstance(translated, BaseException):
            raise translated
        for message, text in zip(group, translated, strict=True):
            texts[message.id] = text
            session.add(MessageTranslation(message_id=message.id, language=target, text=text))
    try:
        await session.commit()
    except IntegrityError:  # another console refresh stored the same translations first
        await session.rollback()
    return TranscriptTranslation(texts, unavailable)


@dataclass(frozen=True)
class SentTranslation:
    """An advisor's reply going out machine-translated: the translation (as the advisor left it after reviewing),
    the advisor's language, and what the user receives."""

    text: str
    source: str
    delivered: str


def sent_translation(
    original: str, translation: str, source: str, catalog: Catalog, language: str | None
) -> SentTranslation:
    """The user receives the translation, then the advisor's words as written, marked in the user's language as
    machine translation."""
    marker = catalog.text("machine_translation_original", language, language_name=_language_name(catalog, source))
    translation = translation.strip()
    return SentTranslation(translation, source, f"{translation}\n\n— {marker}\n{original.strip()}")


def _language_name(catalog: Catalog, code: str) -> str:
    """The language's own name ("Deutsch"), which its speaker recognises in any script."""
    info = catalog.languages.get(code)
    return info.name if info else code
