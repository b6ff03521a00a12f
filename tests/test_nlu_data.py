"""Every language's training and held-out NLU data cover every intent of the domain."""

from __future__ import annotations

import pytest
import yaml

from bot.infra.settings import PROJECT_ROOT
from bot.understanding.language import SUPPORTED_LANGUAGES

INTENTS = set(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


def intents_in(path: str) -> set[str]:
    data = yaml.safe_load((PROJECT_ROOT / path).read_text(encoding="utf-8"))
    return {block["intent"] for block in data["nlu"] if "intent" in block and block.get("examples", "").strip()}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("folder", ["data/nlu", "tests/nlu"])
def test_every_intent_has_examples_in_every_language(folder: str, language: str) -> None:
    assert INTENTS - intents_in(f"{folder}/{language}.yml") == set()
