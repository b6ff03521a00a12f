"""A new session keeps what the user told and forgets the last exchange's state."""

from __future__ import annotations

from actions.action_session_start import ActionSessionStart
from bot.domain.dialogue import DialogueServices
from tests.actions.conftest import run

STATE = {
    "language": "uk",
    "city": "herne",
    "audience": "candidate",
    "pending_question": "Де зареєструвати місце проживання?",
    "handoff_offered": "asked",
    "failed_turns": 1.0,
    "last_entry": "address-registration",
}


def test_a_new_session_keeps_language_city_and_audience_only(services: DialogueServices) -> None:
    messages, events = run(ActionSessionStart(services), slots=STATE)
    assert messages == []
    assert [event["event"] for event in events] == ["session_started", "slot", "slot", "slot", "action"]
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"} == {
        "language": "uk",
        "city": "herne",
        "audience": "candidate",
    }
    assert events[-1]["name"] == "action_listen"


def test_the_first_session_starts_with_no_slots(services: DialogueServices) -> None:
    _, events = run(ActionSessionStart(services))
    assert [event["event"] for event in events] == ["session_started", "action"]
