"""Small builders for knowledge content used by several tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from bot.domain.advisors import create_advisor
from bot.domain.models import AdvisorRole
from bot.infra.db import create_database_engine, create_session_factory
from bot.infra.settings import Settings
from bot.understanding.language import SUPPORTED_LANGUAGES

SOURCE = {"url": "https://www.example.org/page", "title": "Example page", "read": "2026-11-20"}


def entry(entry_id: str, questions: dict[str, list[str]], **overrides: Any) -> dict[str, Any]:
    answers = {
        lang: {"text": f"[{lang}] Answer of {entry_id}. Next step: ask the office.", "reviewed": lang in ("de", "en")}
        for lang in SUPPORTED_LANGUAGES
    }
    data = {
        "id": entry_id,
        "topic": entry_id.split("-")[0],
        "audience": ["candidate"],
        "cities": "all",
        "city_specific": False,
        "contacts": {},
        "answer": answers,
        "questions": {lang: questions.get(lang) or questions["en"] for lang in SUPPORTED_LANGUAGES},
        "sources": [SOURCE],
        "last_verified": "2026-11-20",
    }
    data.update(overrides)
    return data


def contact(contact_id: str, city: str = "witten", **overrides: Any) -> dict[str, Any]:
    data = {
        "id": contact_id,
        "name": {"de": f"Amt {contact_id}", "en": f"Office {contact_id}"}
        | {lang: f"[{lang}] Office {contact_id}" for lang in SUPPORTED_LANGUAGES if lang not in ("de", "en")},
        "kind": "buergerbuero",
        "city": city,
        "address": "Marktstraße 16, 58452 Witten",
        "opening_hours": [{"days": ["mon", "tue"], "opens": "08:00", "closes": "12:00"}],
        "phone": "+49 2302 0000",
        "website": "https://www.example.org/office",
        "source": SOURCE,
        "not_in_source": ["email", "appointment_url"],
    }
    data.update(overrides)
    return data


def write_knowledge(
    root: Path, entries: list[dict[str, Any]], contacts: list[dict[str, Any]], menu: dict[str, list[str]] | None = None
) -> Path:
    if menu is not None:
        (root / "i18n").mkdir(parents=True, exist_ok=True)
        (root / "i18n" / "menu.yml").write_text(yaml.safe_dump(menu))
    for folder, items in (("entries", entries), ("contacts", contacts)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for item in items:
            (root / folder / f"{item['id']}.yml").write_text(yaml.safe_dump(item, allow_unicode=True))
    (root / "checklists").mkdir(exist_ok=True)
    return root


PASSWORD = "correct horse battery staple"


async def add_advisor(settings: Settings, email: str, role: AdvisorRole, languages: list[str] | None = None) -> str:
    """An advisor account with PASSWORD in the settings' database (reading German unless `languages` says
    otherwise); returns the e-mail to log in with."""
    engine = create_database_engine(settings.database_url)
    async with create_session_factory(engine)() as session:
        await create_advisor(
            session, email=email, name=email.split("@")[0], password=PASSWORD, role=role, languages=languages
        )
    await engine.dispose()
    return email


def csrf_token(client: TestClient) -> str:
    """The CSRF token of the signed-in client's console page."""
    page = client.get("/console").text
    marker = 'name="csrf-token" content="'
    return page.split(marker, 1)[1].split('"', 1)[0]
