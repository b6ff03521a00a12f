"""The answer shows the source about the user's city when the entry has one, and the office card in the user's
language."""

from __future__ import annotations

from bot.answering import checklist_links
from bot.i18n import Catalog
from bot.knowledge.answer import compose_answer, contact_card
from bot.knowledge.schema import Contact, Entry
from bot.settings import Settings
from tests.factories import contact, entry

WITTEN = {
    "url": "https://www.witten.de/buergerberatung",
    "title": "Stadt Witten – Bürgerberatung",
    "read": "2026-11-20",
}
BOCHUM = {"url": "https://www.bochum.de/anmeldung", "title": "Stadt Bochum – Anmeldung", "read": "2026-11-20"}


def test_source_for_the_users_city_else_the_first() -> None:
    registration = Entry.model_validate(entry("address-registration", {"en": ["q"]}, sources=[BOCHUM, WITTEN]))
    assert str(registration.source_for("witten").url) == WITTEN["url"]
    assert str(registration.source_for("herne").url) == BOCHUM["url"]
    assert str(registration.source_for(None).url) == BOCHUM["url"]


def test_an_answer_links_its_checklist_for_the_users_language_and_city() -> None:
    hiring = Entry.model_validate(entry("hiring", {"en": ["q"]}, checklist="hiring-abroad"))
    catalog = Catalog.load(Settings().knowledge_dir / "ui")
    links = checklist_links("https://bot.example.org/", "hiring-abroad", "ru", "herne")
    assert links == (
        "https://bot.example.org/checklists/hiring-abroad.html?language=ru&city=herne",
        "https://bot.example.org/checklists/hiring-abroad.pdf?language=ru&city=herne",
    )
    text = compose_answer(hiring, None, catalog, "ru", "herne", links)
    assert "Чек-лист для работодателей (веб-страница и PDF):\n" + links[0] + "\nPDF: " + links[1] in text
    assert checklist_links("https://bot.example.org", "x", "de", None)[0].endswith("/checklists/x.html?language=de")


def test_the_card_keeps_the_postal_address_and_translates_the_note_under_it() -> None:
    office = Contact.model_validate(
        contact("office", address="Marktstraße 16, Witten", address_note={"de": "Im Untergeschoss", "uk": "Цоколь"})
    )
    catalog = Catalog.load(Settings().knowledge_dir / "ui")
    lines = contact_card(office, catalog, "uk").splitlines()
    assert lines[1:3] == ["Marktstraße 16, Witten", "Цоколь"]
    assert "Im Untergeschoss" not in lines
    assert contact_card(office, catalog, "de").splitlines()[2] == "Im Untergeschoss"
