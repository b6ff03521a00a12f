"""Remembers the user's city (button, recognised name or district) and answers a question that waited for it —
or the question that came with the city. A city with a typo counts; a short answer naming no place we know gets the
list of our cities again; a message the classifier took for a city but that names none is treated as a question."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from starlette.concurrency import run_in_threadpool

from actions.action_answer_question import ActionAnswerQuestion
from bot.domain.answering import Outcome, answer_for_city, answer_question, city_buttons
from bot.domain.dialogue import TurnContext, city_name, control_message, first_entity
from bot.knowledge.schema import CITY_IDS

# A message the classifier is sure names a city, but none we know: with a typo when it is short ("ich wohne in
# Hatingen"); with up to three words an answer to "which city?" naming a place we do not know ("in Kray").
CONFIDENT = 0.8
SENTENCE_WORDS = 6
PLACE_WORDS = 3
SURE_WITHOUT_QUESTION_MARK = 0.92  # "ich wohne in Wanne-Eickel" resembles "wo melde ich mich an" a little


class ActionSetCity(ActionAnswerQuestion):
    def name(self) -> str:
        return "action_set_city"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = TurnContext.from_tracker(tracker, self.services.default_language)
        catalog = self.services.catalog
        text = str((tracker.latest_message or {}).get("text") or "")
        places = self.services.places
        city = first_entity(tracker, "city") or places.city(text)
        failed = int(tracker.get_slot("failed_turns") or 0)
        confidence = float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)
        telling = confidence >= CONFIDENT and not text.startswith("/") and not places.elsewhere(text)
        if city not in CITY_IDS and telling and "?" not in text and "؟" not in text:
            words = len(text.split())
            city = places.misspelt_city(text) if words <= SENTENCE_WORDS else None  # "Hatingen", "Ватеншайд"
            if city is None and words <= PLACE_WORDS:  # "in Kray" (Essen): say which places the bot knows; no miss
                dispatcher.utter_message(
                    text=catalog.text("city_unknown", turn.language), buttons=city_buttons(catalog, turn.language)
                )
                return []
        if city not in CITY_IDS:
            if text.startswith("/"):  # a city button without a known city
                dispatcher.utter_message(
                    text=catalog.text("ask_city", turn.language), buttons=city_buttons(catalog, turn.language)
                )
                return []
            outcome = await run_in_threadpool(answer_question, self.services, text, turn, failed)
            return self.respond(dispatcher, turn, text, failed, outcome)
        pending = tracker.get_slot("pending_question")
        question = pending or (None if text.startswith("/") else text)
        answered: Outcome | None = None
        if question:
            # A pending question answered before the city was known: now only its office (and the city's source).
            answered_entry = tracker.get_slot("last_entry") if pending else None
            answered = await run_in_threadpool(
                answer_for_city, self.services, question, turn, city, failed, answered_entry
            )
        if answered is not None and question and (pending or _asks(text, answered)):
            # "Where is the Welcome Office in Bochum?" names a city but is a question: answer it (or say not sure).
            events = self.respond(dispatcher, turn, question, failed, replace(answered, city=answered.city or city))
            return [*events, SlotSet("city", city), SlotSet("pending_question", None)]
        dispatcher.utter_message(json_message=control_message(city=city))
        dispatcher.utter_message(
            text=catalog.text("city_set", turn.language, city=city_name(catalog, city, turn.language))
        )
        return [SlotSet("city", city), SlotSet("pending_question", None)]


def _asks(text: str, outcome: Outcome) -> bool:
    """A message with a city that is also a question: it ends like one, or the knowledge base knows it well."""
    if outcome.follow_up or "?" in text or "؟" in text:  # "und Herne" right after an answer for Bochum
        return True
    return outcome.kind == "answer" and (outcome.score or 0) >= SURE_WITHOUT_QUESTION_MARK
