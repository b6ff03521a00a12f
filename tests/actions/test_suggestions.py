"""When the bot is not sure, it offers the entries the question resembles; a click answers the chosen entry."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.domain import answering
from bot.domain.answering import entry_payload, not_sure, requested_entry, suggestions
from bot.domain.dialogue import DialogueServices, TurnContext
from bot.knowledge.index import Match, SearchResult
from bot.knowledge.schema import Entry
from tests.factories import entry

BLUE_CARD = Entry.model_validate(entry("eu-blue-card", {"en": ["How do I get an EU Blue Card?"], "tr": ["Mavi Kart?"]}))
LONG = Entry.model_validate(entry("recognition", {"en": ["How is a foreign university degree recognised " * 3]}))
CARD = Entry.model_validate(entry("opportunity-card", {"en": ["What is the opportunity card?"]}))
VISA = Entry.model_validate(entry("visa", {"en": ["Which visa do I need?"]}))


def result(*scores: float, not_covered: float = 0.1) -> SearchResult:
    entries = [BLUE_CARD, LONG, CARD, VISA]
    return SearchResult([Match(e, s) for e, s in zip(entries, scores, strict=False)], False, not_covered)


def test_offers_only_probable_entries_and_at_most_three() -> None:
    offered = suggestions(result(0.5, 0.3, 0.25, 0.21), "en")
    assert [requested_entry(b["payload"]) for b in offered] == ["eu-blue-card", "recognition", "opportunity-card"]
    assert suggestions(result(0.5, 0.1), "en") == suggestions(result(0.5), "en")
    assert len(suggestions(result(0.5), "en")) == 1
    assert suggestions(result(0.3, 0.25, not_covered=0.4), "en") == []  # "not covered" is likelier: no buttons
    assert suggestions(result(answering.SUGGEST_PROBABILITY - 0.01), "en") == []


def test_button_titles_are_questions_in_the_users_language_and_short() -> None:
    titles = [b["title"] for b in suggestions(result(0.5, 0.4), "tr")]
    assert titles[0] == "Mavi Kart?"
    assert titles[1].startswith("How is a foreign university degree") and titles[1].endswith("…")  # no Turkish one
    assert len(titles[1]) <= answering.BUTTON_TITLE_LIMIT


def test_a_payload_names_an_entry_and_fits_a_telegram_button() -> None:
    payload = entry_payload("accelerated-skilled-worker-procedure")
    assert requested_entry(payload) == "accelerated-skilled-worker-procedure"
    assert len(payload.encode()) <= 64
    for text in ["/ask_question", '/ask_question{"entry": 3}', "/ask_question{broken", "eu-blue-card", ""]:
        assert requested_entry(text) is None


def test_entry_ids_that_would_not_fit_a_button_are_rejected() -> None:
    with pytest.raises(ValidationError, match="at most 40"):
        Entry.model_validate(entry("a" * 41, {"en": ["q"]}))


def test_after_a_second_miss_the_offer_includes_a_person(services: DialogueServices) -> None:
    turn = TurnContext("c1", "en", None, None, "web")
    offered = suggestions(result(0.5), "en")
    first = not_sure(services, turn, 0, offered)
    assert first.text == services.catalog.text("not_sure_suggestions", "en")
    assert [b["payload"] for b in first.buttons] == [entry_payload("eu-blue-card")]
    second = not_sure(services, turn, 1, offered)
    assert second.buttons[-1] == {"title": services.catalog.text("button_human", "en"), "payload": "/request_human"}
    assert not_sure(services, turn, 1).kind == "offer_human"  # nothing to offer: a person
