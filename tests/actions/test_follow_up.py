"""Short follow-ups right after an answer ("Is it free?", "And in Herne?") are about that answer's topic."""

from __future__ import annotations

from typing import Any

from actions.action_answer_question import ActionAnswerQuestion
from actions.action_explain_scope import ActionExplainScope
from actions.action_offer_topics import ActionOfferTopics
from actions.action_set_city import ActionSetCity
from bot.domain.dialogue import DialogueServices
from tests.actions.conftest import run, texts

AFTER_AN_ANSWER = {"last_entry": "address-registration", "city": "witten", "language": "en"}


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def control(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m["custom"]["glueckauf"] for m in messages if "custom" in m)


def test_an_answer_remembers_its_entry_for_follow_ups(services: DialogueServices) -> None:
    _, events = run(ActionAnswerQuestion(services), text="Where do I register my address in Witten?")
    assert slot_values(events)["last_entry"] == "address-registration"


def test_a_detail_beyond_the_answer_is_sent_to_the_office_in_charge(services: DialogueServices) -> None:
    messages, events = run(ActionAnswerQuestion(services), text="Is it free?", slots=AFTER_AN_ANSWER)
    (reply,) = [m for m in messages if m.get("text")]
    assert reply["text"].startswith(services.catalog.text("follow_up_office", "en"))
    assert "Office witten-office" in reply["text"] and "+49 2302 0000" in reply["text"]
    assert [b["payload"] for b in reply["buttons"]] == ["/request_human"]
    insight = control(messages)["insight"]
    assert (insight["kind"], insight["entry_id"], insight["question"]) == (
        "unanswered",
        "address-registration",
        "Is it free?",
    )
    slots = slot_values(events)
    assert slots["last_entry"] == "address-registration"  # a second follow-up is about the same topic
    assert slots["failed_turns"] == 1.0  # still a miss: a second one in a row offers a person as usual


def test_a_follow_up_the_classifier_took_for_small_talk_is_still_about_the_answer(
    services: DialogueServices,
) -> None:
    messages, _ = run(ActionExplainScope(services), text="Is it free?", intent="out_of_scope", slots=AFTER_AN_ANSWER)
    assert texts(messages)[0].startswith(services.catalog.text("follow_up_office", "en"))


def test_another_city_gets_the_same_answer_for_that_city(services: DialogueServices) -> None:
    messages, events = run(ActionSetCity(services), text="And in Herne", intent="inform_city", slots=AFTER_AN_ANSWER)
    (answer,) = texts(messages)
    assert answer.startswith("[en] Answer of address-registration") and "Office herne-office" in answer
    assert slot_values(events)["city"] == "herne"


def test_without_an_answer_before_it_a_short_question_is_not_a_follow_up(services: DialogueServices) -> None:
    messages, _ = run(ActionAnswerQuestion(services), text="Is it free?", metadata={"language": "en"})
    assert not texts(messages)[0].startswith(services.catalog.text("follow_up_office", "en"))


def test_a_longer_new_question_is_not_taken_for_a_follow_up(services: DialogueServices) -> None:
    messages, _ = run(
        ActionAnswerQuestion(services),
        text="What is the best pizza recipe with pineapple and ham?",
        slots=AFTER_AN_ANSWER,
    )
    assert texts(messages)[0].startswith("I'm not sure")


def test_asking_for_help_right_after_an_answer_gets_the_topics(services: DialogueServices) -> None:
    (message,), _ = run(ActionOfferTopics(services), text="I need help", intent="ask_help", slots=AFTER_AN_ANSWER)
    assert message["text"] == services.catalog.text("help_topics", "en")
