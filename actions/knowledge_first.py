"""Base for actions whose intent says "no question here" (out of scope, help without a topic): the knowledge base
is asked first, because it, not the intent classifier, is the authority on what the bot knows."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from actions.action_answer_question import ActionAnswerQuestion
from bot.domain.answering import answer_question
from bot.domain.dialogue import TurnContext, control_message


class KnowledgeFirstAction(ActionAnswerQuestion):
    # Whether a short message right after an answer is taken as a follow-up on it ("Is it free?"); "I need help"
    # asks for the topics instead.
    follow_ups = True

    def otherwise(self, dispatcher: CollectingDispatcher, turn: TurnContext, question: str) -> None:
        """The reply when the knowledge base does not settle the message."""
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        question = str((tracker.latest_message or {}).get("text") or "")
        outcome = await run_in_threadpool(answer_question, self.services, question, turn)
        if outcome.settles_it and (self.follow_ups or not outcome.follow_up):
            return self.respond(dispatcher, turn, question, 0, outcome)
        slots = turn.slots()
        if outcome.city and outcome.city != turn.city:  # "ich wohne in Herne, können Sie helfen?" names the city
            dispatcher.utter_message(json_message=control_message(city=outcome.city))
            slots["city"] = outcome.city
        self.otherwise(dispatcher, turn, question)
        return [SlotSet(slot, value) for slot, value in slots.items()]
