"""Actions with tracker fixtures and CollectingDispatcher: the language, city and knowledge they act on."""

from __future__ import annotations

from typing import Any

import pytest

from actions.action_answer_question import ActionAnswerQuestion
from actions.action_choose_language import ActionChooseLanguage
from actions.action_explain_scope import ActionExplainScope
from actions.action_greet_user import ActionGreetUser
from actions.action_not_sure import ActionNotSure
from actions.action_offer_human import ActionOfferHuman
from actions.action_offer_topics import ActionOfferTopics
from actions.action_set_city import ActionSetCity
from bot.action_server import create_executor, discover_actions
from bot.domain.answering import entry_payload
from bot.domain.dialogue import DialogueServices
from bot.knowledge.schema import CITY_IDS
from tests.actions.conftest import run, texts


def tell_city(
    services: DialogueServices, text: str, language: str, city: str | None = None, **tracker_args: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A message the NLU took for naming a city (`city`: the entity it found, if any)."""
    entities = [{"entity": "city", "value": city}] if city else []
    return run(
        ActionSetCity(services),
        text=text,
        intent="inform_city",
        entities=entities,
        metadata={"language": language},
        **tracker_args,
    )


def press_city_button(
    services: DialogueServices, city: str, pending_question: str, last_entry: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The user answers "which city?" with a button while a question waits for it (`last_entry`: the answer given
    before the city was known)."""
    slots = {"pending_question": pending_question, "last_entry": last_entry}
    return tell_city(services, f'/inform_city{{"city":"{city}"}}', "en", city, slots=slots)


def test_every_action_in_the_domain_is_registered(services: DialogueServices) -> None:
    import yaml

    from bot.infra.settings import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    registered = {a.name for a in create_executor(services).list_actions()}
    assert set(domain["actions"]) == registered
    assert all(cls.__module__.endswith(cls(services).name()) for cls in discover_actions(__import__("actions")))


@pytest.mark.parametrize(("language", "word"), [("de", "Fragen Sie mich"), ("en", "Ask me")])
def test_greeting_in_the_conversation_language(services: DialogueServices, language: str, word: str) -> None:
    messages, events = run(ActionGreetUser(services), intent="greet", metadata={"language": language})
    (text,) = texts(messages)
    assert word in text
    assert {"event": "slot", "name": "language", "value": language, "timestamp": None} in events


def test_employers_are_greeted_with_what_the_bot_does_for_them(services: DialogueServices) -> None:
    messages, _ = run(ActionGreetUser(services), intent="greet", metadata={"language": "ru", "audience": "employer"})
    assert texts(messages) == [services.catalog.text("greeting_employer", "ru")]
    assert "работодателей" in texts(messages)[0]


def test_help_without_a_topic_offers_the_menu_and_a_person(services: DialogueServices) -> None:
    (message,), _ = run(
        ActionOfferTopics(services), text="Мені потрібна допомога", intent="ask_help", metadata={"language": "uk"}
    )
    assert message["text"] == services.catalog.text("help_topics", "uk")
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("Як отримати Блакитну карту ЄС?", entry_payload("eu-blue-card")),
        ("Де зареєструвати місце проживання?", entry_payload("address-registration")),
        (services.catalog.text("button_human", "uk"), "/request_human"),
    ]
    pressed, _ = run(ActionAnswerQuestion(services), text=message["buttons"][0]["payload"], metadata={"language": "uk"})
    assert "[uk] Answer of eu-blue-card" in texts(pressed)[0]


def test_help_naming_its_topic_is_answered_from_the_knowledge_base(services: DialogueServices) -> None:
    messages, _ = run(ActionOfferTopics(services), text="I need help: how do I get an EU Blue Card?", intent="ask_help")
    assert texts(messages)[0].startswith("[de] Answer of eu-blue-card")  # the conversation's language (default de)


def test_employers_asking_for_help_hear_the_employer_offer(services: DialogueServices) -> None:
    (message,), _ = run(
        ActionOfferTopics(services), text="Hi, can you help us?", metadata={"language": "en", "audience": "employer"}
    )
    assert message["text"] == services.catalog.text("help_topics_employer", "en")
    assert [b["payload"] for b in message["buttons"]] == ["/request_human"]  # the fixture's menu has no employer topics


def test_question_with_city_is_answered_with_the_city_office_and_source(services: DialogueServices) -> None:
    messages, _ = run(
        ActionAnswerQuestion(services), text="Wo melde ich meine Wohnung in Witten an?", metadata={"language": "de"}
    )
    control, answer = messages
    assert control["custom"]["glueckauf"]["city"] == "witten"
    assert control["custom"]["glueckauf"]["knowledge"]["entry_id"] == "address-registration"
    assert answer["text"].startswith("[de] Answer of address-registration")
    assert "Amt witten-office" in answer["text"]
    assert "Mo, Di 08:00–12:00" in answer["text"]
    assert "Quelle: Example page – https://www.example.org/page" in answer["text"]


def test_city_specific_question_without_city_answers_then_asks_the_city_for_the_office(
    services: DialogueServices,
) -> None:
    """What is the same in every city comes at once; the office in charge once the user says where they live."""
    messages, events = run(
        ActionAnswerQuestion(services), text="Where do I register my flat?", metadata={"language": "en"}
    )
    control, answer = messages
    assert control["custom"]["glueckauf"]["insight"]["kind"] == "answered"  # counted once, with the question
    assert answer["text"].startswith("[en] Answer of address-registration")
    assert not any(f"{city}-office" in answer["text"] for city in CITY_IDS)  # no city's office yet
    assert answer["text"].endswith(services.catalog.text("ask_city_for_office", "en"))
    assert [b["title"] for b in answer["buttons"]] == ["Bochum", "Herne", "Witten", "Hattingen"]
    pending = next(e["value"] for e in events if e.get("name") == "pending_question")
    last_entry = next(e["value"] for e in events if e.get("name") == "last_entry")
    assert pending == "Where do I register my flat?" and last_entry == "address-registration"

    messages, events = press_city_button(services, "hattingen", pending, last_entry)
    control, office = messages
    control = control["custom"]["glueckauf"]
    assert control["city"] == "hattingen"
    assert control["knowledge"]["entry_id"] == "address-registration"
    assert control.get("insight") is None  # the question was counted with the answer
    assert "Office hattingen-office" in office["text"]
    assert "Answer of address-registration" not in office["text"]  # not the whole answer again
    assert {"event": "slot", "name": "pending_question", "value": None, "timestamp": None} in events


def test_a_city_chosen_for_a_question_that_only_asked_the_city_gets_the_whole_answer(
    services: DialogueServices,
) -> None:
    """Without an earlier answer of the same entry (e.g. the city asked for an office), the whole answer comes."""
    messages, _ = press_city_button(services, "herne", "Where do I register my flat?")
    answer = texts(messages)[-1]
    assert answer.startswith("[en] Answer of address-registration") and "Office herne-office" in answer


def test_a_follow_up_naming_the_city_answers_the_question_that_waited_for_it(services: DialogueServices) -> None:
    """Asked "which city?", the user writes a sentence instead of pressing a button."""
    _, events = run(ActionAnswerQuestion(services), text="Where do I register my flat?", metadata={"language": "en"})
    pending = next(e["value"] for e in events if e.get("name") == "pending_question")

    messages, events = run(
        ActionAnswerQuestion(services),
        text="and there in Hattingen?",
        metadata={"language": "en"},
        slots={"pending_question": pending},
    )
    control = messages[0]["custom"]["glueckauf"]
    assert control["knowledge"]["entry_id"] == "address-registration"
    assert "Office hattingen-office" in messages[-1]["text"]
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["city"] == "hattingen" and slots["pending_question"] is None


def test_a_new_question_with_a_city_is_answered_for_itself_while_another_waits(services: DialogueServices) -> None:
    messages, _ = run(
        ActionAnswerQuestion(services),
        text="How do I get an EU Blue Card in Bochum?",
        metadata={"language": "en"},
        slots={"pending_question": "Where do I register my flat?"},
    )
    assert messages[0]["custom"]["glueckauf"]["knowledge"]["entry_id"] == "eu-blue-card"


def test_ukrainian_question_finds_the_entry_and_answers_in_ukrainian(services: DialogueServices) -> None:
    messages, _ = run(
        ActionAnswerQuestion(services), text="Де мені зареєструватися в Бохумі?", metadata={"language": "uk"}
    )
    answer = messages[-1]["text"]
    assert answer.startswith("[uk] Answer of address-registration")
    assert "[uk] Office bochum-office" in answer  # the office's card in Ukrainian too, not in English


def test_unrelated_question_is_not_answered_from_a_poor_match(services: DialogueServices) -> None:
    messages, _ = run(
        ActionAnswerQuestion(services),
        text="What is the best pizza recipe with pineapple?",
        metadata={"language": "en"},
    )
    (reply,) = texts(messages)
    assert reply.startswith("I'm not sure")


def test_a_city_named_in_a_question_the_bot_cannot_answer_is_remembered(services: DialogueServices) -> None:
    """ "I just arrived in Witten, ..." was beyond the knowledge base, and the next question got "which city?"."""
    messages, events = run(
        ActionAnswerQuestion(services),
        text="What is the best pizza recipe with pineapple here in Witten?",
        metadata={"language": "en"},
    )
    assert messages[0]["custom"]["glueckauf"]["city"] == "witten"
    assert texts(messages)[0].startswith("I'm not sure")
    assert {"event": "slot", "name": "city", "value": "witten", "timestamp": None} in events


def test_a_city_named_in_a_request_for_help_is_remembered(services: DialogueServices) -> None:
    (control, menu), events = run(
        ActionOfferTopics(services), text="Ich wohne in Herne und brauche Hilfe", metadata={"language": "de"}
    )
    assert control["custom"] == {"glueckauf": {"city": "herne"}}
    assert menu["text"] == services.catalog.text("help_topics", "de")
    assert {"event": "slot", "name": "city", "value": "herne", "timestamp": None} in events


def test_district_sets_the_city(services: DialogueServices) -> None:
    messages, _events = tell_city(services, "ich wohne in Wanne-Eickel", "de")
    assert messages[0]["custom"] == {"glueckauf": {"city": "herne"}}
    assert texts(messages) == ["Danke! Ich beantworte Ihre Fragen jetzt für Herne."]


@pytest.mark.parametrize(
    ("text", "language", "city"),
    [("Hatingen", "de", "hattingen"), ("Watenscheid", "uk", "bochum"), ("ich wohne in Bochun", "de", "bochum")],
)
def test_a_city_with_a_typo_sets_the_city(services: DialogueServices, text: str, language: str, city: str) -> None:
    messages, events = tell_city(services, text, language)
    assert messages[0]["custom"] == {"glueckauf": {"city": city}}
    assert {"event": "slot", "name": "city", "value": city, "timestamp": None} in events


def test_a_place_the_bot_does_not_know_gets_its_cities_again_not_a_miss(services: DialogueServices) -> None:
    messages, events = tell_city(services, "in Kray", "en", slots={"failed_turns": 1.0})
    (reply,) = messages
    assert reply["text"].startswith("I don't know that place. I help in Bochum, Herne, Witten and Hattingen")
    assert [b["title"] for b in reply["buttons"]] == ["Bochum", "Herne", "Witten", "Hattingen"]
    assert events == []  # no city, and not counted as a second miss (which would offer a person)


def test_a_bare_town_outside_the_region_is_named_as_such(services: DialogueServices) -> None:
    messages, _ = tell_city(services, "Dortmund", "de")
    (reply,) = [m for m in messages if m.get("text")]
    assert "Dortmund" in reply["text"] and reply["text"].startswith("Ich kenne nur")


def test_cities_are_named_in_the_users_script(services: DialogueServices) -> None:
    messages, _ = tell_city(services, "я живу у Віттені", "uk", "witten")
    assert texts(messages) == ["Дякую! Відтепер я відповідатиму на Ваші запитання для міста Віттен."]
    messages, _ = tell_city(services, "/inform_city", "ar")
    (ask,) = messages
    assert [b["title"] for b in ask["buttons"]] == ["بوخوم", "هيرنه", "فيتن", "هاتينغن"]
    assert ask["buttons"][2]["payload"] == '/inform_city{"city":"witten"}'  # the payload keeps the id


def test_a_town_outside_the_region_is_named_and_the_four_cities_offered(services: DialogueServices) -> None:
    # The conversation is about Witten, but this question is about Dortmund: no answer with Witten's office.
    messages, events = run(
        ActionAnswerQuestion(services),
        text="Where do I register my flat in Dortmund?",
        metadata={"language": "en", "city": "witten"},
    )
    control, reply = messages
    assert reply["text"].startswith("I only know the offices in Bochum, Herne, Witten and Hattingen – Dortmund is")
    assert [b["title"] for b in reply["buttons"]] == ["Bochum", "Herne", "Witten", "Hattingen"]
    insight = control["custom"]["glueckauf"]["insight"]
    assert insight["kind"] == "unanswered" and insight["reason"] == "city_not_served"
    pending = next(e["value"] for e in events if e.get("name") == "pending_question")

    # Choosing Bochum afterwards answers the waiting question for Bochum.
    messages, _ = press_city_button(services, "bochum", pending)
    assert "Office bochum-office" in messages[1]["text"]


def test_living_outside_the_region_is_answered_in_the_users_language(services: DialogueServices) -> None:
    messages, events = tell_city(services, "я живу в Дортмунде", "ru")
    (reply,) = [m for m in messages if m.get("text")]
    assert "Dortmund не входит в мой регион" in reply["text"]
    assert reply["buttons"][0]["title"] == "Бохум"
    assert [e["value"] for e in events if e.get("name") == "city"] == [None]  # no city is set


def test_question_classified_as_city_is_still_answered_for_that_city(services: DialogueServices) -> None:
    messages, events = tell_city(services, "Where can I register my flat in Hattingen?", "en", "hattingen")
    control = messages[0]["custom"]["glueckauf"]
    assert control["city"] == "hattingen" and control["knowledge"]["entry_id"] == "address-registration"
    assert "Office hattingen-office" in texts(messages)[0]
    assert {"event": "slot", "name": "city", "value": "hattingen", "timestamp": None} in events


def test_out_of_scope_intent_still_answers_what_the_knowledge_base_knows(services: DialogueServices) -> None:
    messages, _ = run(
        ActionExplainScope(services),
        text="How do I get an EU Blue Card?",
        intent="out_of_scope",
        metadata={"language": "en"},
    )
    assert messages[0]["custom"]["glueckauf"]["knowledge"]["entry_id"] == "eu-blue-card"
    assert texts(messages)[0].startswith("[en] Answer of eu-blue-card")


def test_out_of_scope_is_explained_and_counted_as_unanswered(services: DialogueServices) -> None:
    messages, _ = run(
        ActionExplainScope(services),
        text="Tell me a joke about cats",
        intent="out_of_scope",
        metadata={"language": "de"},
    )
    control, reply = messages
    assert control["custom"]["glueckauf"]["insight"] == {
        "kind": "unanswered",
        "reason": "out_of_scope",
        "question": "Tell me a joke about cats",
    }
    assert reply["text"] == services.catalog.text("out_of_scope", "de")


def test_low_nlu_confidence_still_reaches_the_knowledge_base(services: DialogueServices) -> None:
    answered, _ = run(
        ActionNotSure(services), text="blue card how get??", intent="nlu_fallback", metadata={"language": "en"}
    )
    assert texts(answered)[0].startswith("[en] Answer of eu-blue-card")
    unsure, events = run(
        ActionNotSure(services), text="qwertz uiop", intent="nlu_fallback", metadata={"language": "en"}
    )
    assert texts(unsure) == [services.catalog.text("not_sure", "en")]
    assert {"event": "slot", "name": "failed_turns", "value": 1.0, "timestamp": None} in events


def test_city_intent_without_a_city_is_treated_as_a_question(services: DialogueServices) -> None:
    messages, _ = tell_city(services, "Blue Card salary threshold?", "en")
    assert texts(messages)[0].startswith("[en] Answer of eu-blue-card")


def test_uncovered_question_with_a_city_sets_the_city_and_says_not_sure(services: DialogueServices) -> None:
    messages, events = tell_city(services, "Where can I go fishing in Witten?", "en", "witten")
    control = messages[0]["custom"]["glueckauf"]
    assert control["city"] == "witten" and control["insight"]["kind"] == "unanswered"
    assert texts(messages) == [services.catalog.text("not_sure", "en")]
    assert {"event": "slot", "name": "city", "value": "witten", "timestamp": None} in events


def test_choose_language_offers_every_language_then_switches(services: DialogueServices) -> None:
    messages, _ = run(
        ActionChooseLanguage(services),
        text="other language please",
        intent="choose_language",
        metadata={"language": "en"},
    )
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/choose_language{"language":"de"}' in payloads and len(payloads) == len(services.catalog.languages)

    messages, _ = run(
        ActionChooseLanguage(services),
        intent="choose_language",
        metadata={"language": "en"},
        entities=[{"entity": "language", "value": "de"}],
    )
    assert messages[0]["custom"] == {"glueckauf": {"language": "de"}}
    assert texts(messages) == ["Gern, wir schreiben jetzt auf Deutsch."]


def test_a_suggestion_button_answers_the_chosen_entry(services: DialogueServices) -> None:
    messages, _ = run(
        ActionAnswerQuestion(services),
        text='/ask_question{"entry":"eu-blue-card"}',
        entities=[{"entity": "entry", "value": "eu-blue-card"}],
        metadata={"language": "tr"},
    )
    control = messages[0]["custom"]["glueckauf"]
    assert control["knowledge"] == {"entry_id": "eu-blue-card", "score": None}  # chosen, not matched
    assert texts(messages)[0].startswith("[tr] Answer of eu-blue-card")


def test_a_suggestion_for_a_city_specific_entry_answers_then_gives_the_citys_office(services: DialogueServices) -> None:
    payload = '/ask_question{"entry":"address-registration"}'
    messages, events = run(ActionAnswerQuestion(services), text=payload, metadata={"language": "en"})
    assert texts(messages)[-1].endswith(services.catalog.text("ask_city_for_office", "en"))
    assert {"event": "slot", "name": "pending_question", "value": payload, "timestamp": None} in events
    messages, _ = press_city_button(services, "herne", payload, "address-registration")
    assert "Office herne-office" in texts(messages)[-1]


def test_a_button_for_an_entry_that_no_longer_exists_is_not_answered(services: DialogueServices) -> None:
    messages, _ = run(
        ActionAnswerQuestion(services), text='/ask_question{"entry":"removed-entry"}', metadata={"language": "en"}
    )
    assert texts(messages)[0] in {services.catalog.text(k, "en") for k in ("not_sure", "not_sure_suggestions")}


@pytest.mark.parametrize("advisors_available", [True, False])
def test_an_urgent_message_offers_a_person_only_when_one_is_there(
    services: DialogueServices, advisors_available: bool
) -> None:
    messages, events = run(
        ActionAnswerQuestion(services),
        text="My employer has not paid me for two months",
        metadata={"language": "en", "advisors_available": advisors_available},
    )
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    (reply,) = [m for m in messages if m.get("text")]
    assert "police 110" in reply["text"]
    if advisors_available:  # yes/no first; "yes" starts the handoff
        assert "right away" in reply["text"] and [b["payload"] for b in reply["buttons"]] == ["/affirm", "/deny"]
        assert slots["handoff_offered"] == "urgent"
        assert not any(m["custom"].get("glueckauf", {}).get("handoff") for m in messages if m.get("custom"))
    else:  # nobody to connect to: the gateway says when advisors are back and takes a contact
        assert "right away" not in reply["text"] and not reply["buttons"]
        assert slots["handoff_offered"] is None
        assert messages[0]["custom"]["glueckauf"]["handoff"] == "urgent"


def test_asking_for_a_person_when_nobody_is_there_starts_the_handoff_at_once(services: DialogueServices) -> None:
    """No "shall I put you through?": the gateway answers with when advisors are back and takes a contact."""
    messages, events = run(
        ActionOfferHuman(services), text="I want to talk to a person", metadata={"advisors_available": False}
    )
    assert messages[0]["custom"] == {"glueckauf": {"handoff": "asked"}} and texts(messages) == []
    assert {"event": "slot", "name": "handoff_offered", "value": None, "timestamp": None} in events
    messages, _ = run(ActionOfferHuman(services), text="I want to talk to a person")
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]  # in office hours: confirm first


def test_a_second_miss_when_nobody_is_there_says_sorry_and_hands_off(services: DialogueServices) -> None:
    messages, _ = run(
        ActionAnswerQuestion(services),
        text="Какой у меня гороскоп на сегодня?",
        metadata={"language": "en", "advisors_available": False},
        slots={"failed_turns": 1.0},
    )
    assert texts(messages) == ["Sorry, I couldn't help you twice in a row."]
    assert messages[0]["custom"]["glueckauf"]["handoff"] == "repeated_failure"
