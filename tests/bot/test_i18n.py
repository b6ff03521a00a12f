"""UI catalogs: every supported language, every key, the same placeholders, the right direction."""

from __future__ import annotations

import re

import yaml

from bot.infra.i18n import Catalog
from bot.infra.settings import Settings
from bot.understanding.language import SUPPORTED_LANGUAGES

PLACEHOLDER = re.compile(r"\{\w+\}")


def test_every_language_has_every_string_with_the_same_placeholders() -> None:
    directory = Settings().knowledge_dir / "ui"
    catalog = Catalog.load(directory)
    assert set(catalog.languages) == set(SUPPORTED_LANGUAGES)
    assert catalog.missing_keys() == {}
    english = yaml.safe_load((directory / "en.yml").read_text(encoding="utf-8"))["strings"]
    for language in SUPPORTED_LANGUAGES:
        for key, template in english.items():
            translated = catalog.text(key, language)
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(template)), (language, key)


def test_script_direction_and_review_state() -> None:
    catalog = Catalog.load(Settings().knowledge_dir / "ui")
    assert {code for code, info in catalog.languages.items() if info.direction == "rtl"} == {"ar", "fa"}
    # Only German and English were written by people who checked them; translations say so until reviewed.
    assert {code for code, info in catalog.languages.items() if info.reviewed} <= {"de", "en"}
