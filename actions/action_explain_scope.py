"""Explains what the bot can help with when asked something else."""

from actions.reply_action import ReplyAction


class ActionExplainScope(ReplyAction):
    catalog_key = "out_of_scope"
    unanswered_reason = "out_of_scope"

    def name(self) -> str:
        return "action_explain_scope"
