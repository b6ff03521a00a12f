"""Answers a question from the knowledge base — or says it is not sure, or first asks for the city."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bot.dialogue import CITIES, DialogueServices, TurnContext, control_message
from bot.knowledge.answer import compose_answer


@dataclass(frozen=True)
class Outcome:
    kind: Literal["answer", "ask_city", "not_sure", "offer_human"]
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    entry_id: str | None = None
    score: float | None = None
    city: str | None = None
    handoff_reason: str | None = None
    miss: Literal["no_entry", "not_sure", "city_not_served"] | None = None  # why nothing was answered

    def as_message(self) -> dict[str, Any]:
        """Keyword arguments for CollectingDispatcher.utter_message."""
        message: dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = self.buttons
        return message


def city_buttons() -> list[dict[str, str]]:
    return [{"title": name, "payload": f'/inform_city{{"city":"{cid}"}}'} for cid, name in CITIES.items()]


FAILURES_BEFORE_OFFER = 2
_OFFER_TEXT = {"asked": "offer_human", "repeated_failure": "offer_human_after_failures", "urgent": "offer_human_urgent"}


def offer_advisor(services: DialogueServices, turn: TurnContext, reason: str) -> Outcome:
    """Ask before handing off: the user confirms with "yes" (or the button) and the gateway queues them."""
    catalog = services.catalog
    buttons = [
        {"title": catalog.text("button_yes", turn.language), "payload": "/affirm"},
        {"title": catalog.text("button_no", turn.language), "payload": "/deny"},
    ]
    return Outcome("offer_human", catalog.text(_OFFER_TEXT[reason], turn.language), buttons, handoff_reason=reason)


def not_sure(services: DialogueServices, turn: TurnContext, failed_turns: int) -> Outcome:
    """Never answer from a poor match; after the second miss in a row, offer a person."""
    if failed_turns + 1 >= FAILURES_BEFORE_OFFER:
        return offer_advisor(services, turn, "repeated_failure")
    return Outcome("not_sure", services.catalog.text("not_sure", turn.language))


def answer_question(services: DialogueServices, question: str, turn: TurnContext, failed_turns: int = 0) -> Outcome:
    catalog = services.catalog
    if services.urgency.is_urgent(question):
        return offer_advisor(services, turn, "urgent")
    city = services.places.city(question) or turn.city
    result = services.knowledge.search(question, audience=turn.audience)
    best = result.best
    if best is None:
        return replace(not_sure(services, turn, failed_turns), miss="no_entry")
    if not result.confident:
        return replace(
            not_sure(services, turn, failed_turns), entry_id=best.entry.id, score=best.score, miss="not_sure"
        )
    entry = best.entry
    if entry.city_specific and city is None:
        return Outcome("ask_city", catalog.text("ask_city", turn.language), city_buttons(), entry.id, best.score)
    if city is not None and not entry.serves(city):
        return replace(
            not_sure(services, turn, failed_turns), entry_id=entry.id, score=best.score, miss="city_not_served"
        )
    contact_id = entry.contact_for(city)
    contact = services.knowledge.kb.contacts.get(contact_id) if contact_id else None
    text = compose_answer(entry, contact, catalog, turn.language, city)
    return Outcome("answer", text, entry_id=entry.id, score=best.score, city=city)


def outcome_control(services: DialogueServices, outcome: Outcome, turn: TurnContext, question: str) -> dict[str, Any]:
    """The control message that tells the gateway what this turn did: the city it learnt, the entry it used,
    and the facts the partners' insights record (the gateway scrubs the question before storing it)."""
    entry = services.knowledge.kb.entries.get(outcome.entry_id or "")
    facts: dict[str, Any] = {
        "entry_id": outcome.entry_id,
        "topic": entry.topic if entry else None,
        "score": round(outcome.score, 3) if outcome.score is not None else None,
    }
    insight: dict[str, Any] | None = None
    if outcome.kind == "answer":
        insight = {"kind": "answered", **facts}
    elif outcome.miss:
        insight = {"kind": "unanswered", "reason": outcome.miss, "question": question, **facts}
    used = {"entry_id": outcome.entry_id, "score": facts["score"]} if outcome.kind == "answer" else None
    new_city = outcome.city if outcome.city != turn.city else None
    return control_message(city=new_city, knowledge=used, insight=insight)


def outcome_slots(outcome: Outcome, failed_turns: int) -> dict[str, Any]:
    """Slot values after an outcome: the failure streak and whether a handoff offer is open."""
    failed = failed_turns + 1 if outcome.kind == "not_sure" else 0
    if outcome.kind == "offer_human":
        failed = 0
    return {"failed_turns": float(failed), "handoff_offered": outcome.handoff_reason}
