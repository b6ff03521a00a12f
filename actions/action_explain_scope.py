"""Explains what the bot can help with when asked something else — unless the knowledge base answers the message
with confidence: it, not the intent classifier, is the authority on what the bot knows."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from actions.action_answer_question import ActionAnswerQuestion
from bot.answering import answer_question
from bot.dialogue import TurnContext, control_message


class ActionExplainScope(ActionAnswerQuestion):
    def name(self) -> str:
        return "action_explain_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        question = str((tracker.latest_message or {}).get("text") or "")
        outcome = await run_in_threadpool(answer_question, self.services, question, turn)
        if outcome.settles_it:
            return self.respond(dispatcher, turn, question, 0, outcome)
        insight = {"kind": "unanswered", "reason": "out_of_scope", "question": question}
        dispatcher.utter_message(json_message=control_message(insight=insight))
        dispatcher.utter_message(text=self.services.catalog.text("out_of_scope", turn.language))
        return [SlotSet(slot, value) for slot, value in turn.slots().items()]
