"""Answers thanks in the conversation's language."""

from actions.reply_action import ReplyAction


class ActionSayYoureWelcome(ReplyAction):
    catalog_key = "youre_welcome"

    def name(self) -> str:
        return "action_say_youre_welcome"
