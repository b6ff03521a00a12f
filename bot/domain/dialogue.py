"""What custom actions need from the service: its content, and the context of the current turn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.infra.i18n import Catalog
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.offices import OfficeRecognizer
from bot.knowledge.schema import CITY_IDS
from bot.understanding.places import PlaceRecognizer
from bot.understanding.signals import MessageSignals


@dataclass(frozen=True)
class DialogueServices:
    """Handed to every action when the action server starts (no globals, no import-time loading)."""

    catalog: Catalog
    default_language: str
    knowledge: KnowledgeIndex
    places: PlaceRecognizer
    signals: MessageSignals
    offices: OfficeRecognizer
    public_url: str  # where users reach the service: links in answers (the employers' checklists)
    today: Callable[[], date] = field(default=date.today)  # which figures are valid: thresholds change every year


@dataclass(frozen=True)
class TurnContext:
    """Language, city and audience of the turn: the gateway sends them as message metadata."""

    conversation_id: str
    language: str
    city: str | None
    audience: str | None
    channel: str | None
    advisors_available: bool = True  # the gateway's office hours at this turn: whether a person can take over now
    last_entry: str | None = None  # the entry the bot's last turn answered from: what a short follow-up is about
    # The channel's usual audience (candidates on Telegram), not the user's choice: an unmistakable employer question
    # still reaches the employers' entries.
    audience_is_default: bool = False

    @classmethod
    def from_tracker(cls, tracker: Any, default_language: str) -> TurnContext:
        metadata: dict[str, Any] = (tracker.latest_message or {}).get("metadata") or {}

        def pick(key: str) -> Any:
            return metadata.get(key) or tracker.get_slot(key)

        return cls(
            conversation_id=str(metadata.get("conversation_id") or tracker.sender_id),
            language=str(pick("language") or default_language),
            city=pick("city"),
            audience=pick("audience"),
            channel=metadata.get("channel"),
            advisors_available=metadata.get("advisors_available") is not False,
            last_entry=tracker.get_slot("last_entry"),
            audience_is_default=metadata.get("audience_is_default") is True,
        )

    def slots(self) -> dict[str, str | None]:
        """Slot values to keep in the engine's tracker, so later turns have them even without metadata."""
        return {
            "language": self.language,
            "city": self.city,
            "audience": None if self.audience_is_default else self.audience,
        }


def city_name(catalog: Catalog, city: str, language: str | None) -> str:
    """The city as the user's language writes it ("Бохум", "بوخوم")."""
    return catalog.text(f"city_{city}", language)


_CONTROL_KEY = "glueckauf"


def control_message(
    *,
    language: str | None = None,
    city: str | None = None,
    handoff: str | None = None,
    knowledge: dict[str, Any] | None = None,
    insight: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A control message from an action to the gateway (Rasa `custom` JSON, never shown to the user):
    switch language or city, start a handoff (with its reason), note the knowledge entry just used,
    or report what the turn means for the partners' insights."""
    fields = {"language": language, "city": city, "handoff": handoff, "knowledge": knowledge, "insight": insight}
    return {_CONTROL_KEY: {k: v for k, v in fields.items() if v is not None}}


def read_control(reply_data: dict[str, Any], supported_languages: set[str]) -> dict[str, Any]:
    """The validated fields of a control message in an engine reply; unknown values are dropped."""
    custom = reply_data.get("custom")
    fields = custom.get(_CONTROL_KEY) if isinstance(custom, dict) else None
    if not isinstance(fields, dict):
        return {}
    control: dict[str, Any] = {}
    if fields.get("language") in supported_languages:
        control["language"] = fields["language"]
    if fields.get("city") in CITY_IDS:
        control["city"] = fields["city"]
    if isinstance(fields.get("handoff"), str):
        control["handoff"] = fields["handoff"]
    for key in ("knowledge", "insight"):
        if isinstance(fields.get(key), dict):
            control[key] = fields[key]
    return control


def first_entity(tracker: Any, entity: str) -> str | None:
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") == entity and found.get("value"):
            return str(found["value"]).casefold()
    return None
