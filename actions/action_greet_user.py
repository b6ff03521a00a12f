"""Greets the user in the conversation's language."""

from actions.reply_action import ReplyAction


class ActionGreetUser(ReplyAction):
    catalog_key = "greeting"

    def name(self) -> str:
        return "action_greet_user"
