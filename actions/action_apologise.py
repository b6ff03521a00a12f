"""Apologises when the user is unhappy and points to an advisor."""

from actions.reply_action import ReplyAction


class ActionApologise(ReplyAction):
    catalog_key = "sorry"

    def name(self) -> str:
        return "action_apologise"
