"""Someone asks for help without a topic ("I need help", "what can you do?"): the bot asks what it is about and
offers the most asked topics of their audience as buttons, and a person — unless the knowledge base answers the
message with confidence ("помогите с поиском квартиры" names its topic after all)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_first import KnowledgeFirstAction
from bot.domain.answering import topic_buttons
from bot.domain.dialogue import TurnContext


class ActionOfferTopics(KnowledgeFirstAction):
    follow_ups = False  # "yardım lazım" right after an answer wants the topics, not that answer's office again

    def name(self) -> str:
        return "action_offer_topics"

    def otherwise(self, dispatcher: CollectingDispatcher, turn: TurnContext, question: str) -> None:
        key = "help_topics_employer" if turn.audience == "employer" else "help_topics"
        dispatcher.utter_message(
            text=self.services.catalog.text(key, turn.language), buttons=topic_buttons(self.services, turn)
        )
