"""What the gateway tells the engine about a turn (bot/domain/router.py)."""

from __future__ import annotations

from bot.domain.models import Conversation
from bot.domain.router import _metadata


def test_telegram_users_are_candidates_unless_they_said_otherwise() -> None:
    on_telegram = _metadata(Conversation(id="t", channel="telegram", audience=None), advisors_available=True)
    assert on_telegram["audience"] == "candidate" and on_telegram["audience_is_default"] is True
    chose = _metadata(Conversation(id="e", channel="telegram", audience="employer"), advisors_available=True)
    assert chose["audience"] == "employer" and chose["audience_is_default"] is False
    on_the_web = _metadata(Conversation(id="w", channel="web", audience=None), advisors_available=False)
    assert on_the_web["audience"] is None and on_the_web["audience_is_default"] is False
