"""A new session (session_config in domain.yml: after two hours without a message) keeps what the user told the bot
(language, city, audience) and drops the state of the last exchange: a "yes" the next morning must not accept an
old offer of an advisor, "Herne" must not answer a question that waited for the city yesterday, "Is it free?" is no
follow-up on an old answer, and yesterday's misses do not count towards offering a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.domain.dialogue import DialogueServices

KEPT_SLOTS = ("language", "city", "audience")


class ActionSessionStart(Action):
    def __init__(self, services: DialogueServices) -> None:
        self.services = services

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kept = [SlotSet(slot, tracker.get_slot(slot)) for slot in KEPT_SLOTS if tracker.get_slot(slot) is not None]
        return [SessionStarted(), *kept, ActionExecuted("action_listen")]
