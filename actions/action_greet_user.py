"""Greets the user in the conversation's language; employers hear what the bot does for them."""

from actions.reply_action import ReplyAction
from bot.domain.dialogue import TurnContext


class ActionGreetUser(ReplyAction):
    catalog_key = "greeting"

    def key(self, turn: TurnContext) -> str:
        return "greeting_employer" if turn.audience == "employer" else self.catalog_key

    def name(self) -> str:
        return "action_greet_user"
