"""Someone asks for help without a topic ("I need help", "what can you do?"): the bot asks what it is about and
offers the most asked topics of their audience as buttons, and a person."""

from actions.reply_action import ReplyAction
from bot.answering import topic_buttons
from bot.dialogue import TurnContext


class ActionOfferTopics(ReplyAction):
    catalog_key = "help_topics"

    def key(self, turn: TurnContext) -> str:
        return "help_topics_employer" if turn.audience == "employer" else self.catalog_key

    def buttons(self, turn: TurnContext) -> list[dict[str, str]]:
        return topic_buttons(self.services, turn)

    def name(self) -> str:
        return "action_offer_topics"
