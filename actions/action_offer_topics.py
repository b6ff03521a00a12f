"""Someone asks for help without a topic ("I need help", "what can you do?"): the bot asks what it is about and
offers the most asked topics of their audience as buttons, and a person — unless the knowledge base answers the
message with confidence ("I need help with my visa" names its topic after all)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from actions.action_answer_question import ActionAnswerQuestion
from bot.answering import answer_question, topic_buttons
from bot.dialogue import TurnContext


class ActionOfferTopics(ActionAnswerQuestion):
    def name(self) -> str:
        return "action_offer_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        question = str((tracker.latest_message or {}).get("text") or "")
        outcome = await run_in_threadpool(answer_question, self.services, question, turn)
        if outcome.settles_it:
            return self.respond(dispatcher, turn, question, 0, outcome)
        key = "help_topics_employer" if turn.audience == "employer" else "help_topics"
        dispatcher.utter_message(
            text=self.services.catalog.text(key, turn.language), buttons=topic_buttons(self.services, turn)
        )
        return [SlotSet(slot, value) for slot, value in turn.slots().items()]
