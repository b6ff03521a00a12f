"""Base for actions that answer with one catalog string in the conversation's language (and buttons, if any)."""

from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue import DialogueServices, TurnContext


class ReplyAction(Action):
    catalog_key: ClassVar[str]

    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def key(self, turn: TurnContext) -> str:
        """The catalog string for this turn."""
        return self.catalog_key

    def buttons(self, turn: TurnContext) -> list[dict[str, str]]:
        """Buttons under the text; none unless an action offers some."""
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        text = self.services.catalog.text(self.key(turn), turn.language)
        buttons = self.buttons(turn)
        dispatcher.utter_message(text=text, **({"buttons": buttons} if buttons else {}))
        return [SlotSet(slot, value) for slot, value in turn.slots().items()]
