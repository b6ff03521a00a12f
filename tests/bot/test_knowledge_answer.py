"""The answer shows the source about the user's city when the entry has one."""

from __future__ import annotations

from bot.knowledge.schema import Entry
from tests.factories import entry

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
