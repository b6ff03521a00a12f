"""Fixtures for actions: DialogueServices over small knowledge, trackers built like the engine sends them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.domain.dialogue import DialogueServices
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.knowledge.base import load_knowledge
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.offices import OfficeRecognizer
from bot.understanding.places import PlaceRecognizer
from bot.understanding.signals import MessageSignals
from engine.embedding import shared_embedder
from tests.factories import contact, entry, write_knowledge

# The fixture's own "not covered" examples: the real knowledge/i18n/uncovered.yml is sized for 35 entries, not for two.
UNCOVERED = [
    "Where can I buy a used car?",
    "Wann hat das Kino geöffnet?",
    "How much is a monthly bus ticket?",
    "Welches Restaurant in der Innenstadt ist gut?",
    "Write me a poem about the sea",
    "Tell me a joke",
    "Як змінити постачальника електроенергії?",
    "Какой у меня гороскоп на сегодня?",
]
CITY_CONTACTS = {c: f"{c}-office" for c in ("bochum", "herne", "witten", "hattingen")}


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> DialogueServices:
    root = tmp_path_factory.mktemp("knowledge")
    registration = entry(
        "address-registration",
        {
            "de": ["Wo melde ich meine Wohnung an?", "Anmeldung des Wohnsitzes", "Wo kann ich mich anmelden?"],
            "en": ["Where do I register my address?", "How do I register my flat?"],
            "uk": ["Де зареєструвати місце проживання?", "Реєстрація адреси", "Як прописатися в квартирі?"],
        },
        city_specific=True,
        contacts=CITY_CONTACTS,
    )
    blue_card = entry(
        "eu-blue-card",
        {
            "de": ["Wie bekomme ich die Blaue Karte EU?", "Gehaltsgrenze Blaue Karte"],
            "en": ["How do I get an EU Blue Card?", "Blue Card salary threshold"],
            # Like every real entry (kb-check demands it), questions in the users' languages, not only English.
            "uk": ["Як отримати Блакитну карту ЄС?", "Поріг зарплати для Блакитної карти"],
        },
    )
    contacts = [contact(cid, city=city) for city, cid in CITY_CONTACTS.items()]
    # The menu names an entry the knowledge base lacks (its file failed to load): it must not become a button.
    menu = {"candidate": ["eu-blue-card", "withdrawn-entry", "address-registration"]}
    write_knowledge(root, [registration, blue_card], contacts, menu)
    places = root / "places.yml"
    places.write_text(
        yaml.safe_dump(
            {
                "cities": {
                    "bochum": {"names": ["Bochum", "Бохум", "Бохуме"], "districts": ["Wattenscheid"]},
                    "herne": {"names": ["Herne"], "districts": ["Wanne-Eickel"]},
                    "witten": {"names": ["Witten", "Виттен"], "districts": ["Annen"]},
                    "hattingen": {"names": ["Hattingen"], "districts": ["Welper"]},
                },
                "elsewhere": [["Dortmund", "Дортмунд"]],
            },
            allow_unicode=True,
        )
    )
    kb, problems = load_knowledge(root)
    assert not problems
    recognizer = PlaceRecognizer(places)
    return DialogueServices(
        catalog=catalog_for(Settings().knowledge_dir / "ui"),
        default_language="de",
        knowledge=KnowledgeIndex(
            kb,
            shared_embedder(),
            uncovered=UNCOVERED,
            without_places=recognizer.without_places,
        ),
        places=recognizer,
        signals=MessageSignals(Settings().knowledge_dir / "i18n"),
        offices=OfficeRecognizer(Settings().knowledge_dir / "i18n" / "offices.yml"),
        public_url="https://glueckauf.example.org",
    )


def tracker(
    text: str = "",
    *,
    intent: str = "ask_question",
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker as the engine sends it: the latest message with the gateway's metadata."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "metadata": {"conversation_id": "c1", "channel": "web", **(metadata or {})},
    }
    return Tracker("c1", slots or {}, latest, [], False, None, {}, "action_listen")


def run(action: Action, **tracker_args: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(**tracker_args), {}))
    return dispatcher.messages, events


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if m.get("text")]
