"""Switches the conversation language (chosen by button) or offers one button per supported language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.domain.dialogue import DialogueServices, TurnContext, control_message, first_entity


class ActionChooseLanguage(Action):
    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def name(self) -> str:
        return "action_choose_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        catalog = self.services.catalog
        language = first_entity(tracker, "language")
        if not catalog.supports(language):
            buttons = [
                {"title": info.name, "payload": f'/choose_language{{"language":"{code}"}}'}
                for code, info in catalog.languages.items()
            ]
            dispatcher.utter_message(text=catalog.text("choose_language", turn.language), buttons=buttons)
            return []
        assert language is not None
        dispatcher.utter_message(json_message=control_message(language=language))
        dispatcher.utter_message(text=catalog.text("language_set", language))
        return [SlotSet("language", language)]
