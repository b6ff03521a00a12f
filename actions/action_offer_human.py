"""Offers an advisor when the user asks for a person; the handoff starts only after the user confirms, or at once
outside office hours (there is nobody to put them through to, only the offer to take a contact)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.action_answer_question import utter_outcome
from bot.domain.answering import offer_advisor, outcome_slots
from bot.domain.dialogue import DialogueServices, TurnContext


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
        # Outside office hours the outcome hands off at once (a control message, no text); the same helpers as for
        # every other outcome say so, and whether an offer stays open.
        question = str((tracker.latest_message or {}).get("text") or "")
        utter_outcome(self.services, dispatcher, turn, question, outcome)
        return [SlotSet("handoff_offered", outcome_slots(outcome, 0)["handoff_offered"])]
