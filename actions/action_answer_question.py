"""Answers a question from the curated knowledge base, asks for the city first when the answer depends on it; a
follow-up that names the city and means nothing alone answers the question that waited for it."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from bot.domain.answering import Outcome, answer_question, outcome_control, outcome_slots
from bot.domain.dialogue import DialogueServices, TurnContext


class ActionAnswerQuestion(Action):
    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        question = str((tracker.latest_message or {}).get("text") or "")
        failed = int(tracker.get_slot("failed_turns") or 0)
        outcome = await run_in_threadpool(answer_question, self.services, question, turn, failed)
        pending = tracker.get_slot("pending_question")
        if pending and outcome.kind == "not_sure" and (city := self.services.places.city(question)):
            # Asked "which city?", the user wrote a sentence with it ("а где его взять в Херне?"): a follow-up
            # that means nothing alone answers the question that waited for the city.
            question = str(pending)
            outcome = await run_in_threadpool(
                partial(answer_question, city_chosen=True), self.services, question, replace(turn, city=city), failed
            )
            outcome = replace(outcome, city=outcome.city or city)
        return self.respond(dispatcher, turn, question, failed, outcome)

    def respond(
        self, dispatcher: CollectingDispatcher, turn: TurnContext, question: str, failed: int, outcome: Outcome
    ) -> list[dict[str, Any]]:
        utter_outcome(self.services, dispatcher, turn, question, outcome)
        slots = {**outcome_slots(outcome, failed), "city": outcome.city or turn.city}
        slots["pending_question"] = question if outcome.kind == "ask_city" or outcome.awaits_city else None
        return [SlotSet(name, value) for name, value in slots.items()]


def utter_outcome(
    services: DialogueServices, dispatcher: CollectingDispatcher, turn: TurnContext, question: str, outcome: Outcome
) -> None:
    """The control message for the gateway (if the outcome has anything to tell it), then the text for the user."""
    control = outcome_control(services, outcome, turn, question)
    if control["glueckauf"]:
        dispatcher.utter_message(json_message=control)
    if outcome.text:
        dispatcher.utter_message(**outcome.as_message())
