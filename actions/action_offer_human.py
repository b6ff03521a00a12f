"""Offers an advisor when the user asks for a person; the handoff starts only after the user confirms."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answering import offer_advisor
from bot.dialogue import DialogueServices, TurnContext


class ActionOfferHuman(Action):
    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def name(self) -> str:
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        outcome = offer_advisor(self.services, turn, "asked")
        dispatcher.utter_message(**outcome.as_message())
        return [SlotSet("handoff_offered", "asked")]
