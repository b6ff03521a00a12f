"""Says goodbye in the conversation's language."""

from actions.reply_action import ReplyAction


class ActionSayGoodbye(ReplyAction):
    catalog_key = "goodbye"

    def name(self) -> str:
        return "action_say_goodbye"
