"""Answers a question from the knowledge base — or says it is not sure, or first asks for the city."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlencode

from bot.domain.dialogue import DialogueServices, TurnContext, city_name, control_message
from bot.infra.i18n import Catalog
from bot.knowledge.answer import asked_year, compose_answer, contact_card, office_text
from bot.knowledge.index import SearchResult
from bot.knowledge.offices import MAX_OFFICES, needs_city, offices_for
from bot.knowledge.schema import CITY_IDS, Contact, Entry
from engine.embedding import one_message


@dataclass(frozen=True)
class Outcome:
    kind: Literal["answer", "ask_city", "not_sure", "offer_human", "refuse"]
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    entry_id: str | None = None
    score: float | None = None
    city: str | None = None
    handoff_reason: str | None = None
    hand_off_now: bool = False  # no yes/no first: the gateway starts the handoff with this very answer
    miss: Literal["no_entry", "not_sure", "city_not_served"] | None = None  # why nothing was answered
    follow_up: bool = False  # a short question about the last answer's topic, sent on to that topic's office
    awaits_city: bool = False  # answered without the office, which depends on the city the buttons ask for
    recorded: bool = False  # the question was answered (and counted) already; this only adds the city's office

    @property
    def settles_it(self) -> bool:
        """An answer, the question which city, an urgent offer of an advisor or a follow-up on the last answer: the
        knowledge base knows what to do with the message whatever the intent classifier thought ("I need help with
        my visa" is not small talk). So do a refusal and an advisor offered for distress or a wish for a person."""
        return self.kind in ("answer", "ask_city", "refuse") or self.handoff_reason is not None or self.follow_up

    def as_message(self) -> dict[str, Any]:
        """Keyword arguments for CollectingDispatcher.utter_message."""
        message: dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = self.buttons
        return message


def city_buttons(catalog: Catalog, language: str | None) -> list[dict[str, str]]:
    return [
        {"title": city_name(catalog, cid, language), "payload": f'/inform_city{{"city":"{cid}"}}'} for cid in CITY_IDS
    ]


FAILURES_BEFORE_OFFER = 2
# Not sure, but the question resembles some entries: offer them as buttons ("Did you mean …?") instead of a dead end.
# An entry is offered when it is this probable and more probable than "not covered" (make bench-answers: "offered").
SUGGEST_PROBABILITY = 0.2
MAX_SUGGESTIONS = 3
BUTTON_TITLE_LIMIT = 60
_ENTRY_PAYLOAD = re.compile(r"^/ask_question(\{.*\})$", re.DOTALL)


def entry_payload(entry_id: str) -> str:
    """The payload of a suggestion button; fits Telegram's 64-byte callback data (ids are at most 40 characters)."""
    return "/ask_question" + json.dumps({"entry": entry_id}, separators=(",", ":"))


def requested_entry(text: str) -> str | None:
    """The entry a suggestion button asks for, if the message is one."""
    match = _ENTRY_PAYLOAD.match(text.strip())
    if not match:
        return None
    try:
        value = json.loads(match.group(1)).get("entry")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def entry_title(entry: Entry, language: str) -> str:
    """The entry's first question in `language` (else English, else German)."""
    questions = entry.questions.get(language) or entry.questions.get("en") or entry.questions.get("de") or [entry.id]
    return questions[0]


def suggestion_title(entry: Entry, language: str) -> str:
    """The entry's title shortened for a button."""
    title = entry_title(entry, language)
    return title if len(title) <= BUTTON_TITLE_LIMIT else title[: BUTTON_TITLE_LIMIT - 1].rstrip() + "…"


def suggestions(result: SearchResult, language: str) -> list[dict[str, str]]:
    return [
        {"title": suggestion_title(match.entry, language), "payload": entry_payload(match.entry.id)}
        for match in result.matches[:MAX_SUGGESTIONS]
        if match.score >= SUGGEST_PROBABILITY and match.score > result.not_covered
    ]


def topic_buttons(services: DialogueServices, turn: TurnContext) -> list[dict[str, str]]:
    """The topic menu (knowledge/i18n/menu.yml) for the turn's audience, then a person: for "I need help" without a
    topic. Entries the menu names but the knowledge base lacks (a file that failed to load) are left out."""
    kb = services.knowledge.kb
    audience = "employer" if turn.audience == "employer" else "candidate"
    entries = [kb.entries[e] for e in getattr(kb.menu, audience) if e in kb.entries]
    return [
        *({"title": suggestion_title(entry, turn.language), "payload": entry_payload(entry.id)} for entry in entries),
        human_button(services.catalog, turn.language),
    ]


def human_button(catalog: Catalog, language: str) -> dict[str, str]:
    """The button that asks for a person (the widget shows its own one only where the bot's is missing)."""
    return {"title": catalog.text("button_human", language), "payload": "/request_human"}


_OFFER_TEXT = {"asked": "offer_human", "repeated_failure": "offer_human_after_failures", "urgent": "offer_human_urgent"}
# Outside office hours nobody can take over: no "shall I put you through?", the handoff starts at once and the gateway
# says when advisors are back and offers to take a contact. What the bot says before that notice:
_CLOSED_TEXT = {"asked": None, "repeated_failure": "after_failures_closed", "urgent": "offer_human_urgent_closed"}


def offer_advisor(services: DialogueServices, turn: TurnContext, reason: str) -> Outcome:
    """Ask before handing off: the user confirms with "yes" (or the button) and the gateway queues them. While no
    advisor is there, "I can put you through" would not be true: the handoff starts at once (the gateway answers
    with when advisors are back and the offer to take a contact), after the emergency numbers if it is urgent."""
    catalog = services.catalog
    if not turn.advisors_available:
        key = _CLOSED_TEXT[reason]
        text = catalog.text(key, turn.language) if key else ""
        return Outcome("offer_human", text, handoff_reason=reason, hand_off_now=True)
    buttons = [
        {"title": catalog.text("button_yes", turn.language), "payload": "/affirm"},
        {"title": catalog.text("button_no", turn.language), "payload": "/deny"},
    ]
    return Outcome("offer_human", catalog.text(_OFFER_TEXT[reason], turn.language), buttons, handoff_reason=reason)


def not_sure(
    services: DialogueServices, turn: TurnContext, failed_turns: int, offered: list[dict[str, str]] | None = None
) -> Outcome:
    """Never answer from a poor match: offer the entries it resembles, if any (and a person after the second miss
    in a row); after the second miss without any, offer a person."""
    catalog = services.catalog
    if offered:
        text = catalog.text("not_sure_suggestions", turn.language)
        buttons = list(offered)
        if failed_turns + 1 >= FAILURES_BEFORE_OFFER:
            buttons.append(human_button(catalog, turn.language))
        return Outcome("not_sure", text, buttons)
    if failed_turns + 1 >= FAILURES_BEFORE_OFFER:
        return offer_advisor(services, turn, "repeated_failure")
    return Outcome("not_sure", catalog.text("not_sure", turn.language))


def answer_question(
    services: DialogueServices, question: str, turn: TurnContext, failed_turns: int = 0, *, city_chosen: bool = False
) -> Outcome:
    """`city_chosen`: the user picked `turn.city` for this very question (a city button after "which city?").
    A city the question names is remembered whatever the outcome: "I just arrived in Witten, what do I do first?"
    may be beyond the knowledge base, but the next question must not be answered with "which city?"."""
    with one_message():  # the matcher and the signal classifier embed the question once
        named = services.places.city(question)
        found = _answer(services, question, turn, failed_turns, named, city_chosen=city_chosen)
        outcome = _with_signals(services, question, turn, found)
    return replace(outcome, city=named) if named and outcome.city is None else outcome


def _with_signals(services: DialogueServices, question: str, turn: TurnContext, found: Outcome) -> Outcome:
    """A request to refuse is refused, distress or a wish for a person gets an advisor offered; the answer `found`
    goes with them where there is one, not instead of them."""
    signals = services.signals.read(question, answered=found.kind in ("answer", "ask_city"))
    if signals.refusal is not None:
        refused = refuse(services, turn, signals.refusal)
        if signals.refusal not in REFUSALS_WITH_ANSWER or found.kind != "answer":
            return refused
        # "Is it legal that I'm not paid when I'm ill?": no opinion, but the office that gives one, if we know it.
        return replace(found, kind="refuse", text=f"{refused.text}\n\n{found.text}", buttons=refused.buttons)
    if not (signals.urgent or signals.person):
        return found
    # "My permit expires next week and there is no appointment" needs the Fiktionsbescheinigung now and a person to
    # look at the case.
    offer = offer_advisor(services, turn, "urgent" if signals.urgent else "asked")
    if found.kind != "answer":
        return offer
    text = "\n\n".join(part for part in (found.text, offer.text) if part)
    return replace(offer, text=text, entry_id=found.entry_id, score=found.score, city=found.city)


def _answer(
    services: DialogueServices,
    question: str,
    turn: TurnContext,
    failed_turns: int,
    named: str | None,
    *,
    city_chosen: bool,
) -> Outcome:
    """The answer from the office directory or the knowledge base, or why there is none."""
    # "Wohnung in Dortmund": the question is about a town we do not cover, whatever city the conversation has.
    outside = None if named or city_chosen else services.places.elsewhere(question)
    city = named or (None if outside else turn.city)
    chosen = services.knowledge.kb.entries.get(requested_entry(question) or "")
    if chosen is not None:  # the user picked one of the offered entries: no match score to record
        return answer_entry(services, chosen, None, turn, city, failed_turns, outside)
    if outside is None and (office := office_answer(services, question, turn, city)) is not None:
        return office
    result = services.knowledge.search(question, audience=turn.audience)
    if not result.confident and turn.audience_is_default:  # "we want to hire a welder" on Telegram
        unconditioned = services.knowledge.search(question)
        result = unconditioned if unconditioned.confident else result
    best = result.best
    if outside and (best is None or not result.confident):  # "I live in Dortmund"
        return Outcome(
            "not_sure",
            elsewhere_text(services, turn, outside),
            city_buttons(services.catalog, turn.language),
            best.entry.id if best else None,
            best.score if best else None,
            miss="city_not_served",
        )
    if best is None:
        return replace(not_sure(services, turn, failed_turns), miss="no_entry")
    if not result.confident:
        if (answered := follow_up(services, question, turn, named)) is not None:
            return answered
        offered = suggestions(result, turn.language)
        return replace(
            not_sure(services, turn, failed_turns, offered), entry_id=best.entry.id, score=best.score, miss="not_sure"
        )
    return answer_entry(services, best.entry, best.score, turn, city, failed_turns, outside, question=question)


REFUSALS_WITH_ANSWER = ("guarantee", "legal_opinion")  # the office in charge helps; a forger or a jailbreak gets none


def refuse(services: DialogueServices, turn: TurnContext, kind: str) -> Outcome:
    """A polite, clear refusal in the user's language; where a person can help (what an application needs, where to
    get legal advice), the button for one."""
    catalog = services.catalog
    buttons = [human_button(catalog, turn.language)] if kind in REFUSALS_WITH_ANSWER else []
    return Outcome("refuse", catalog.text(f"refuse_{kind}", turn.language), buttons)


def office_answer(services: DialogueServices, question: str, turn: TurnContext, city: str | None) -> Outcome | None:
    """A question about an office ("Telefonnummer der Ausländerbehörde für Hattingen?") gets that office's card,
    leading with the detail asked for; the city first when the office differs between cities. None: the message
    is no office question, or we list no office of that kind at all."""
    asked = services.offices.question(question)
    if asked is None:
        return None
    kb, catalog = services.knowledge.kb, services.catalog
    if city is None and needs_city(kb, asked):
        return Outcome("ask_city", catalog.text("ask_city", turn.language), city_buttons(catalog, turn.language))
    offices = offices_for(kb, asked, city)
    if offices:
        return Outcome("answer", office_text(offices[:MAX_OFFICES], catalog, turn.language, asked.details), city=city)
    elsewhere = offices_for(kb, asked, None)
    if not elsewhere:
        return None
    # "Welcome Office in Herne": there is none; the ones we know, and a person to ask.
    text = catalog.text("office_not_listed", turn.language, city=city_name(catalog, city or "", turn.language))
    cards = office_text(elsewhere[:MAX_OFFICES], catalog, turn.language, asked.details)
    human = human_button(catalog, turn.language)
    return Outcome("not_sure", f"{text}\n\n{cards}", [human], city=city, miss="city_not_served")


FOLLOW_UP_WORDS = 6  # "ücretsiz mi?", "и сколько ждать?", "und in Herne?": longer messages are questions of their own


def follow_up(services: DialogueServices, question: str, turn: TurnContext, named: str | None) -> Outcome | None:
    """A short question right after an answer that the knowledge base cannot place is about that answer: naming
    one of our cities, it gets the same answer for that city; otherwise ("is it free?") the details are beyond
    the entry, so the bot says so and shows the office in charge again, with a person to ask."""
    entry = services.knowledge.kb.entries.get(turn.last_entry or "")
    if entry is None or len(question.split()) > FOLLOW_UP_WORDS:
        return None
    if named:  # "und in Herne?": the same answer for that city; the city alone after a general answer is no question
        if not (entry.city_specific and entry.serves(named)):
            return None
        return replace(answer_entry(services, entry, None, turn, named, 0), follow_up=True)
    contact = entry_contact(services, entry, turn.city)
    if contact is None:
        return None
    catalog = services.catalog
    text = f"{catalog.text('follow_up_office', turn.language)}\n\n{contact_card(contact, catalog, turn.language)}"
    human = human_button(catalog, turn.language)
    return Outcome("not_sure", text, [human], entry.id, miss="not_sure", follow_up=True)


def entry_contact(services: DialogueServices, entry: Entry, city: str | None) -> Contact | None:
    """The office in charge of the entry for the city (or for everybody)."""
    contact_id = entry.contact_for(city)
    return services.knowledge.kb.contacts.get(contact_id) if contact_id else None


def checklist_links(public_url: str, checklist_id: str, language: str, city: str | None) -> tuple[str, str]:
    """The checklist as a web page and as a PDF in the user's language, with only their city's offices when the
    city is known."""
    query = urlencode({"language": language, **({"city": city} if city else {})})
    base = f"{public_url.rstrip('/')}/checklists/{checklist_id}"
    return f"{base}.html?{query}", f"{base}.pdf?{query}"


def elsewhere_text(services: DialogueServices, turn: TurnContext, place: str) -> str:
    return services.catalog.text("city_elsewhere", turn.language, place=place)


def answer_entry(
    services: DialogueServices,
    entry: Entry,
    score: float | None,
    turn: TurnContext,
    city: str | None,
    failed_turns: int,
    outside: str | None = None,
    *,
    question: str = "",
) -> Outcome:
    """The entry's answer to the `question` (none: a topic button), for the user's city; asks for the city first if
    the answer depends on it (saying first that we do not cover the town `outside` if the question is about one)."""
    catalog = services.catalog
    if entry.city_specific and city is None:
        buttons = city_buttons(catalog, turn.language)
        if outside:
            text = elsewhere_text(services, turn, outside)
            return Outcome("ask_city", text, buttons, entry.id, score, miss="city_not_served")
        # What is the same everywhere now (fees, deadlines, documents); the office once the city is known.
        general = compose_entry(services, entry, turn, None, question=question, with_contact=False)
        text = f"{general}\n\n{catalog.text('ask_city_for_office', turn.language)}"
        return Outcome("answer", text, buttons, entry.id, score, awaits_city=True)
    if city is not None and not entry.serves(city):
        return replace(not_sure(services, turn, failed_turns), entry_id=entry.id, score=score, miss="city_not_served")
    return Outcome(
        "answer",
        compose_entry(services, entry, turn, city, question=question),
        entry_id=entry.id,
        score=score,
        city=city,
    )


def compose_entry(
    services: DialogueServices,
    entry: Entry,
    turn: TurnContext,
    city: str | None,
    *,
    question: str = "",
    with_contact: bool = True,
    with_text: bool = True,
) -> str:
    """The entry's reply for the city: its text, its facts (the one closest to the `question` first), its figures
    (as valid today or in the year the question names), the office's card, the checklist and the source."""
    contact = entry_contact(services, entry, city) if with_contact else None
    checklist = checklist_links(services.public_url, entry.checklist, turn.language, city) if entry.checklist else None
    kb = services.knowledge.kb
    figures = [kb.figures[figure] for figure in entry.figures if figure in kb.figures] if with_text else []
    facts = services.knowledge.facts_by_relevance(entry, question) if with_text else []
    return compose_answer(
        entry,
        contact,
        services.catalog,
        turn.language,
        city,
        checklist,
        figures,
        services.today(),
        asked_year(question),
        with_text,
        facts=facts,
    )


def office_for_answered(services: DialogueServices, entry_id: str, turn: TurnContext, city: str) -> Outcome | None:
    """After an answer that waited for the city: only what depends on it (the office's card, the source), not the
    whole answer again. None when the entry has no office for the city."""
    entry = services.knowledge.kb.entries.get(entry_id)
    if entry is None or not entry.serves(city) or entry_contact(services, entry, city) is None:
        return None
    text = compose_entry(services, entry, turn, city, with_text=False)
    return Outcome("answer", text, entry_id=entry.id, city=city, recorded=True)


def answer_for_city(
    services: DialogueServices,
    question: str,
    turn: TurnContext,
    city: str,
    failed_turns: int = 0,
    answered_entry: str | None = None,
) -> Outcome:
    """The question the bot asked the city for, answered for the `city` the user chose. When it was answered already
    from `answered_entry` before the city was known, only what depends on the city (the office's card, the source)."""
    answered = answer_question(services, question, replace(turn, city=city), failed_turns, city_chosen=True)
    if answered_entry and answered.kind == "answer" and answered.entry_id == answered_entry:
        return office_for_answered(services, answered_entry, turn, city) or answered
    return answered


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
    if outcome.recorded:
        insight = None
    elif outcome.kind == "answer":
        insight = {"kind": "answered", **facts}
    elif outcome.miss:
        insight = {"kind": "unanswered", "reason": outcome.miss, "question": question, **facts}
    used = {"entry_id": outcome.entry_id, "score": facts["score"]} if outcome.kind == "answer" else None
    new_city = outcome.city if outcome.city != turn.city else None
    handoff = outcome.handoff_reason if outcome.hand_off_now else None
    return control_message(city=new_city, handoff=handoff, knowledge=used, insight=insight)


def outcome_slots(outcome: Outcome, failed_turns: int) -> dict[str, Any]:
    """Slot values after an outcome: the failure streak and whether a handoff offer is open."""
    failed = failed_turns + 1 if outcome.kind == "not_sure" else 0
    if outcome.kind == "offer_human":
        failed = 0
    offered = None if outcome.hand_off_now else outcome.handoff_reason
    last_entry = outcome.entry_id if outcome.kind == "answer" or outcome.follow_up else None
    return {"failed_turns": float(failed), "handoff_offered": offered, "last_entry": last_entry}
