"""The acceptance questions of the knowledge base, asked through the chat API of the real stack."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.app import build_dialogue_services
from bot.domain.answering import answer_question
from bot.domain.dialogue import TurnContext
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.knowledge.answer import localised
from bot.knowledge.base import load_knowledge
from bot.stack import Stack
from tests.e2e.conftest import ask

pytestmark = pytest.mark.e2e

ACCEPTANCE = [
    ("Wo melde ich mich in Witten an?", {}, "de", "address-registration", "witten"),
    ("What does the Welcome Office in Bochum do?", {}, "en", "welcome-office-bochum", "bochum"),
    ("Як визнати мій диплом?", {}, "uk", "recognition-of-qualifications", None),
    (
        "Was ist das beschleunigte Fachkräfteverfahren?",
        {"audience": "employer"},
        "de",
        "accelerated-skilled-worker-procedure",
        None,
    ),
]
# The same questions as users write them with caps lock on (a Turkish keyboard's "İ" included).
IN_CAPITALS = [
    ("WO MELDE ICH MICH IN WITTEN AN?", {}, "de", "address-registration", "witten"),
    ("HATTİNGEN'DE İKAMET İZNİMİ NEREDE UZATIRIM?", {}, "tr", "residence-permit", "hattingen"),
]


@pytest.mark.parametrize(("question", "start", "language", "entry_id", "city"), ACCEPTANCE + IN_CAPITALS)
def test_acceptance_question_gets_the_right_entry_with_source_and_contact(
    stack: Stack, question: str, start: dict[str, Any], language: str, entry_id: str, city: str | None
) -> None:
    settings = Settings()
    kb, _ = load_knowledge(settings.knowledge_dir)
    catalog = catalog_for(settings.knowledge_dir / "ui")
    entry = kb.entries[entry_id]
    contact_id = entry.contact_for(city)
    assert contact_id, f"{entry_id} names no responsible office"
    contact = kb.contacts[contact_id]

    reply = ask(stack, question, start)

    assert reply["language"] == language
    # Rasa sends the answer, the office's card and the source as separate messages (it splits at blank lines).
    parts = [r for r in reply["replies"] if (r.get("data") or {}).get("knowledge")]
    assert parts and {p["data"]["knowledge"]["entry_id"] for p in parts} == {entry_id}, reply["replies"]
    text = "\n\n".join(p["text"] for p in parts)
    assert entry.answer[language].text in text
    assert localised(contact.name, language) in text
    source = entry.source_for(city)
    assert f"{catalog.text('label_source', language)}: {source.title} – {source.url}" in text
    assert f"{catalog.text('label_last_checked', language)}: {entry.last_verified.isoformat()}" in text


def test_a_vague_question_offers_entries_and_a_click_answers_one(stack: Stack) -> None:
    """ "Karte" could be the Blue Card or the opportunity card: the bot offers both instead of guessing."""
    kb, _ = load_knowledge(Settings().knowledge_dir)
    with httpx.Client(base_url=stack.service_url, timeout=60) as http:
        conversation = http.post("/api/conversations", json={"language": "de"}).json()
        headers = {"Authorization": f"Bearer {conversation['token']}"}
        url = f"/api/conversations/{conversation['id']}/messages"
        offer = http.post(url, json={"text": "Karte für Fachkräfte?"}, headers=headers).json()
        buttons = [b for r in offer["replies"] for b in (r.get("data") or {}).get("buttons", [])]
        assert {b["payload"] for b in buttons} >= {
            '/ask_question{"entry":"eu-blue-card"}',
            '/ask_question{"entry":"opportunity-card"}',
        }, offer["replies"]
        chosen = next(b for b in buttons if "opportunity-card" in b["payload"])
        assert chosen["title"] == kb.entries["opportunity-card"].questions["de"][0]
        answer = http.post(url, json={"text": chosen["payload"]}, headers=headers).json()
    parts = [r for r in answer["replies"] if (r.get("data") or {}).get("knowledge")]
    assert {p["data"]["knowledge"]["entry_id"] for p in parts} == {"opportunity-card"}, answer["replies"]
    assert kb.entries["opportunity-card"].answer["de"].text in "\n\n".join(p["text"] for p in parts)


def test_short_follow_ups_are_about_the_answer_before_them(stack: Stack) -> None:
    """Through the real engine: the entry answered is kept in the tracker for the next turn."""
    settings = Settings()
    kb, _ = load_knowledge(settings.knowledge_dir)
    catalog = catalog_for(settings.knowledge_dir / "ui")
    with httpx.Client(base_url=stack.service_url, timeout=60) as http:
        conversation = http.post("/api/conversations", json={"language": "en"}).json()
        headers = {"Authorization": f"Bearer {conversation['token']}"}
        url = f"/api/conversations/{conversation['id']}/messages"
        http.post(url, json={"text": "Where do I register my address in Witten?"}, headers=headers)
        detail = http.post(url, json={"text": "how much does it cost?"}, headers=headers).json()["replies"]
        herne = http.post(url, json={"text": "and in Herne?"}, headers=headers).json()["replies"]
    (reply,) = [r for r in detail if r["text"]]
    assert reply["text"].startswith(catalog.text("follow_up_office", "en")), detail
    assert localised(kb.contacts["witten-buergerbuero"].name, "en") in reply["text"]
    parts = [r for r in herne if (r.get("data") or {}).get("knowledge")]
    assert {p["data"]["knowledge"]["entry_id"] for p in parts} == {"address-registration"}, herne
    herne_office = localised(kb.contacts["herne-buergerbuero"].name, "en")
    assert any(p["text"].startswith(herne_office) for p in parts), parts  # the card, after the answer and its figure


def test_a_new_session_forgets_the_last_answer_but_not_the_city(stack: Stack) -> None:
    """The engine runs our action_session_start (after two hours without a message; here triggered directly)."""
    with httpx.Client(base_url=stack.service_url, timeout=60) as http:
        conversation = http.post("/api/conversations", json={"language": "en"}).json()
        headers = {"Authorization": f"Bearer {conversation['token']}"}
        url = f"/api/conversations/{conversation['id']}/messages"
        http.post(url, json={"text": "Where do I register my address in Witten?"}, headers=headers)
    with httpx.Client(base_url=stack.engine_url, timeout=60) as engine:
        tracker = f"/conversations/{conversation['id']}/tracker"
        assert engine.get(tracker).json()["slots"]["last_entry"] == "address-registration"
        engine.post(f"/conversations/{conversation['id']}/execute", json={"name": "action_session_start"})
        slots = engine.get(tracker).json()["slots"]
    assert slots["city"] == "witten"
    assert slots["last_entry"] is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Erzähl mir einen Witz über Katzen", "de"),
        ("what will the weather be like in Herne tomorrow?", "en"),
        ("¿me cuentas un chiste?", "es"),
        ("хто переміг у Лізі чемпіонів?", "uk"),
    ],
)
def test_chit_chat_gets_no_suggestions_from_the_real_knowledge_base(text: str, language: str) -> None:
    """Small talk once resembled the emergency numbers entry; knowledge/i18n/uncovered.yml teaches the matcher
    otherwise."""
    settings = Settings()
    services = build_dialogue_services(settings, catalog_for(settings.knowledge_dir / "ui"))
    outcome = answer_question(services, text, TurnContext("c", language, None, "candidate", "web"))
    assert outcome.kind == "not_sure" and outcome.buttons == [], outcome
