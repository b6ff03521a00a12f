"""One conversation per language through the chat API: greeting and an answer (an office's card), both in that
language."""

from __future__ import annotations

import pytest

from bot.domain.answering import suggestion_title
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.knowledge.base import load_knowledge
from bot.stack import Stack
from tests.e2e.conftest import chat

pytestmark = pytest.mark.e2e

CONVERSATIONS = {
    "de": ("Hallo", "Wo ist das Welcome Office in Bochum?"),
    "en": ("hello", "Where is the Welcome Office in Bochum?"),
    "tr": ("Merhaba", "Bochum'daki Welcome Office nerede?"),
    "ar": ("مرحبا", "أين يقع Welcome Office في بوخوم؟"),
    "uk": ("Привіт", "Де знаходиться Welcome Office у Бохумі?"),
    "ru": ("Здравствуйте", "Где находится Welcome Office в Бохуме?"),
    "es": ("Hola", "¿Dónde está la Welcome Office de Bochum?"),
    "fr": ("Bonjour", "Où se trouve le Welcome Office de Bochum ?"),
    "pl": ("Dzień dobry", "Gdzie jest Welcome Office w Bochum?"),
    "ro": ("Bună ziua", "Unde se află Welcome Office din Bochum?"),
    "fa": ("سلام، روز بخیر", "Welcome Office بوخوم کجاست؟"),
}


@pytest.mark.parametrize("language", sorted(CONVERSATIONS))
def test_greeting_and_answer_in_the_users_language(stack: Stack, language: str) -> None:
    settings = Settings()
    catalog = catalog_for(settings.knowledge_dir / "ui")
    kb, _ = load_knowledge(settings.knowledge_dir)
    greeting, question = CONVERSATIONS[language]

    conversation, greeted = chat(stack, greeting)
    assert greeted["language"] == language
    assert [r["text"] for r in greeted["replies"]] == [catalog.text("greeting", language)]

    _, answered = chat(stack, question, conversation)
    assert answered["language"] == language
    # "Where is …?" about an office: its card, leading with the address, in the user's language, with its source.
    office = kb.contacts["bochum-welcome-office"]
    text = answered["replies"][-1]["text"]
    lines = text.splitlines()
    assert lines[0] == office.name[language], answered["replies"]
    assert lines[1] == f"{catalog.text('label_address', language)}: {office.address}"
    assert office.opening_hours_note[language] in text
    assert str(office.source.url) in text


HELP_WITHOUT_TOPIC = {"en": "I need help", "tr": "bi sorum var", "ru": "подскажите пожалуйста"}


@pytest.mark.parametrize("language", sorted(HELP_WITHOUT_TOPIC))
def test_help_without_a_topic_gets_the_topic_menu(stack: Stack, language: str) -> None:
    settings = Settings()
    catalog = catalog_for(settings.knowledge_dir / "ui")
    kb, _ = load_knowledge(settings.knowledge_dir)

    _, helped = chat(stack, HELP_WITHOUT_TOPIC[language])
    assert helped["language"] == language
    (reply,) = helped["replies"]
    assert reply["text"] == catalog.text("help_topics", language)
    titles = [b["title"] for b in reply["data"]["buttons"]]
    assert titles == [suggestion_title(kb.entries[e], language) for e in kb.menu.candidate] + [
        catalog.text("button_human", language)
    ]
