"""Yes or no: confirms or declines an offered advisor; without an open offer, says what the bot can do."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.domain.dialogue import DialogueServices, TurnContext, control_message


class ActionAnswerYesNo(Action):
    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def name(self) -> str:
        return "action_answer_yes_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        offered = tracker.get_slot("handoff_offered")
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if offered and intent == "affirm":
            # The gateway queues the conversation and tells the user their position (or the office hours).
            dispatcher.utter_message(json_message=control_message(handoff=str(offered)))
        else:
            dispatcher.utter_message(text=self.services.catalog.text("how_can_i_help", turn.language))
        return [SlotSet("handoff_offered", None), SlotSet("failed_turns", 0.0)]
