"""Admits uncertainty (low NLU confidence) instead of guessing; after two misses in a row it offers a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answering import not_sure, outcome_slots
from bot.dialogue import DialogueServices, TurnContext


class ActionNotSure(Action):
    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def name(self) -> str:
        return "action_not_sure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        failed = int(tracker.get_slot("failed_turns") or 0)
        outcome = not_sure(self.services, turn, failed)
        dispatcher.utter_message(**outcome.as_message())
        return [SlotSet(name, value) for name, value in outcome_slots(outcome, failed).items()]
