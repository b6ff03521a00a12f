"""Base for actions that answer with one catalog string in the conversation's language."""

from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.domain.dialogue import DialogueServices, TurnContext


class ReplyAction(Action):
    catalog_key: ClassVar[str]

    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def key(self, turn: TurnContext) -> str:
        """The catalog string for this turn."""
        return self.catalog_key

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        dispatcher.utter_message(text=self.services.catalog.text(self.key(turn), turn.language))
        return [SlotSet(slot, value) for slot, value in turn.slots().items()]
