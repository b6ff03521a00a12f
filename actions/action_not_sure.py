"""Low NLU confidence: the message may still be a question the knowledge base answers with confidence (typos,
mixed languages); otherwise the bot admits uncertainty, and after two misses in a row it offers a person."""

from __future__ import annotations

from actions.action_answer_question import ActionAnswerQuestion


class ActionNotSure(ActionAnswerQuestion):
    def name(self) -> str:
        return "action_not_sure"
