"""bench/real.py's in-process path (`--ranking`) sees what a user of the chat API sees: the city button clicked
when the bot asks for the city, so the office card is part of the reply."""

from __future__ import annotations

from bench.real import Scorer, ask_in_process
from bot.domain.dialogue import DialogueServices


def test_the_city_button_is_clicked_and_the_office_card_counts(services: DialogueServices) -> None:
    question = {
        "q": "Where do I register my address?",
        "lang": "en",
        "audience": "candidate",
        "city": "witten",
        "kind": "fact",
        "expect_any": ["Marktstraße 16"],
    }
    scorer = Scorer()
    reply = ask_in_process(services, question)
    assert scorer.verdict(question, reply) == "right"
    assert reply.language == "en" and reply.state == "bot"
    # Without a city to click, the general answer has no office card: the address is not in it.
    cityless = {**question, "city": None}
    assert scorer.verdict(cityless, ask_in_process(services, cityless)) == "answered, detail missing"
