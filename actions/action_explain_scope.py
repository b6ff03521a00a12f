"""Explains what the bot can help with when asked something else — unless the knowledge base answers the message
with confidence."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_first import KnowledgeFirstAction
from bot.domain.dialogue import TurnContext, control_message


class ActionExplainScope(KnowledgeFirstAction):
    def name(self) -> str:
        return "action_explain_scope"

    def otherwise(self, dispatcher: CollectingDispatcher, turn: TurnContext, question: str) -> None:
        insight = {"kind": "unanswered", "reason": "out_of_scope", "question": question}
        dispatcher.utter_message(json_message=control_message(insight=insight))
        dispatcher.utter_message(text=self.services.catalog.text("out_of_scope", turn.language))
