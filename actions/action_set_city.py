"""Remembers the user's city (button, recognised name or district) and answers a question that waited for it —
or the question that came with the city."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from bot.answering import Outcome, answer_question, city_buttons, outcome_control
from bot.dialogue import CITIES, DialogueServices, TurnContext, control_message, first_entity


class ActionSetCity(Action):
    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def name(self) -> str:
        return "action_set_city"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        text = str((tracker.latest_message or {}).get("text") or "")
        city = first_entity(tracker, "city") or self.services.places.city(text)
        catalog = self.services.catalog
        if city not in CITIES:
            dispatcher.utter_message(text=catalog.text("ask_city", turn.language), buttons=city_buttons())
            return []
        pending = tracker.get_slot("pending_question")
        question = pending or (None if text.startswith("/") else text)
        outcome = None
        if question:
            outcome = await run_in_threadpool(answer_question, self.services, question, replace(turn, city=city))
        if outcome is not None and (pending or _asks(text, outcome)):
            # "Where is the Welcome Office in Bochum?" names a city but is a question: answer it.
            control = outcome_control(self.services, replace(outcome, city=city), turn, question or "")
            dispatcher.utter_message(json_message=control)
            dispatcher.utter_message(**outcome.as_message())
        else:
            dispatcher.utter_message(json_message=control_message(city=city))
            dispatcher.utter_message(text=catalog.text("city_set", turn.language, city=CITIES[city]))
        return [SlotSet("city", city), SlotSet("pending_question", None)]


SURE_WITHOUT_QUESTION_MARK = 0.92  # "ich wohne in Wanne-Eickel" resembles "wo melde ich mich an" a little


def _asks(text: str, outcome: Outcome) -> bool:
    """A message with a city that is also a question the knowledge base answers well."""
    if outcome.kind != "answer":
        return False
    return "?" in text or "؟" in text or (outcome.score or 0) >= SURE_WITHOUT_QUESTION_MARK
