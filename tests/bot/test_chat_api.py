"""The chat API through HTTP: conversations, messages, bad input, engine outages."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.infra.db import upgrade_database
from bot.infra.settings import Settings
from tests.conftest import POSTGRES_HOST, POSTGRES_PORT, FakeEngine


def send(client: TestClient, conversation: dict[str, Any], text: str, **extra: Any) -> Any:
    return client.post(
        f"/api/conversations/{conversation['id']}/messages",
        json={"text": text, **extra},
        headers=conversation["headers"],
    )


def history(client: TestClient, conversation: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/api/conversations/{conversation['id']}/messages", headers=conversation["headers"])
    assert response.status_code == 200
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def test_start_returns_id_and_token(client: TestClient) -> None:
    response = client.post("/api/conversations", json={"language": "en", "audience": "employer"})
    assert response.status_code == 201
    body = response.json()
    assert len(body["id"]) == 32 and len(body["token"]) >= 40
    assert body["language"] == "en" and body["state"] == "bot"


def test_message_reaches_engine_with_metadata_and_reply_is_stored(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    response = send(client, conversation, "Hallo")
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["replies"]] == ["echo: Hallo"]
    (received,) = fake_engine.received
    assert received["sender"] == conversation["id"]
    assert received["metadata"]["channel"] == "web"
    assert received["metadata"]["conversation_id"] == conversation["id"]
    assert [(m["sender"], m["text"]) for m in history(client, conversation)] == [
        ("user", "Hallo"),
        ("bot", "echo: Hallo"),
    ]


@pytest.mark.parametrize(
    ("text", "understood"),
    [
        ("WO MELDE ICH MICH IN WITTEN AN?", "wo melde ich mich in witten an?"),
        ("İKAMET İZNİMİ NEREDE UZATIRIM?", "ikamet iznimi nerede uzatırım?"),  # Turkish capitals' small letters
        ("Ich brauche einen WBS", "Ich brauche einen WBS"),
    ],
)
def test_a_message_in_capitals_reaches_the_engine_in_small_letters_and_is_stored_as_written(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine, text: str, understood: str
) -> None:
    """The NLU and the knowledge matcher learnt from ordinary writing: in capitals, "Wo melde ich mich an?" was
    "not sure"."""
    assert send(client, conversation, text).status_code == 200
    assert [m["message"] for m in fake_engine.received] == [understood]
    assert history(client, conversation)[0]["text"] == text


def test_language_is_detected_and_passed_to_the_engine(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    response = send(client, conversation, "Where can I register my address in Witten?")
    assert response.json()["language"] == "en"
    assert fake_engine.received[0]["metadata"]["language"] == "en"


@pytest.mark.parametrize(("field", "expected"), [("language_hint", "en"), ("language", "de")])
def test_a_language_hint_gives_way_to_what_the_user_writes_a_choice_does_not(
    client: TestClient, fake_engine: FakeEngine, field: str, expected: str
) -> None:
    """The widget on a German page sends its data-language as a hint; the user's switcher sends a choice."""
    started = client.post("/api/conversations", json={field: "de"}).json()
    assert started["language"] == "de"
    conversation = {**started, "headers": {"Authorization": f"Bearer {started['token']}"}}
    response = send(client, conversation, "Where can I register my address in Witten?")
    assert response.json()["language"] == expected
    assert fake_engine.received[-1]["metadata"]["language"] == expected


def test_empty_and_whitespace_messages_are_rejected_and_not_stored(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    for text in ["", "   \n\t ", "\x00\x01"]:
        response = send(client, conversation, text)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "message_empty"
    assert history(client, conversation) == []
    assert fake_engine.received == []


def test_huge_message_is_rejected_with_json_and_nothing_is_stored(
    client: TestClient, conversation: dict[str, Any]
) -> None:
    response = send(client, conversation, "x" * 100_000)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    long_but_small_body = send(client, conversation, "wort " * 1000)
    assert long_but_small_body.status_code == 413
    assert long_but_small_body.json()["error"]["code"] == "message_too_long"
    assert history(client, conversation) == []


def test_non_utf8_body_gets_a_clear_error(client: TestClient, conversation: dict[str, Any]) -> None:
    response = client.post(
        f"/api/conversations/{conversation['id']}/messages",
        content=b'{"text": "\xff\xfe\xfa"}',
        headers={**conversation["headers"], "content-type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json()
    assert history(client, conversation) == []


def test_unknown_conversation_and_bad_tokens(client: TestClient, conversation: dict[str, Any]) -> None:
    url = f"/api/conversations/{conversation['id']}/messages"
    assert client.post("/api/conversations/0000/messages", json={"text": "hi"}).status_code == 404
    assert client.post(url, json={"text": "hi"}).status_code == 401
    assert client.post(url, json={"text": "hi"}, headers={"Authorization": "Bearer wrong"}).status_code == 403
    other = client.post("/api/conversations", json={}).json()
    stolen = {"Authorization": f"Bearer {other['token']}"}
    assert client.post(url, json={"text": "hi"}, headers=stolen).status_code == 403
    assert client.get(url, headers=stolen).status_code == 403


def test_repeated_client_message_id_is_stored_and_answered_once(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    first = send(client, conversation, "Hallo", client_message_id="m-1")
    again = send(client, conversation, "Hallo", client_message_id="m-1")
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    assert len(fake_engine.received) == 1
    assert [m["sender"] for m in history(client, conversation)] == ["user", "bot"]


def test_engine_down_user_is_told_to_wait_and_nothing_is_lost(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    fake_engine.up = False
    first = send(client, conversation, "Hallo")
    assert first.status_code == 200
    (wait_notice,) = first.json()["replies"]
    assert wait_notice["sender"] == "system" and "Moment" in wait_notice["text"]
    second = send(client, conversation, "Noch da?")
    assert second.json()["replies"] == []  # told once per outage, not per message

    fake_engine.up = True
    produced = asyncio.run(_retry(client))
    assert produced == 2
    assert [m["message"] for m in fake_engine.received] == ["Hallo", "Noch da?"]  # in order
    texts = [m["text"] for m in history(client, conversation) if m["sender"] == "bot"]
    assert texts == ["echo: Hallo", "echo: Noch da?"]


async def _retry(client: TestClient) -> int:
    produced: int = await client.app.state.router.retry_queued()  # type: ignore[attr-defined]
    return produced


def test_messages_are_not_sent_to_the_engine_while_a_human_owns_the_conversation(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    asyncio.run(_set_state(client, conversation["id"], "human"))
    response = send(client, conversation, "Are you there?")
    assert response.status_code == 200
    assert response.json()["replies"] == []
    assert fake_engine.received == []
    assert [m["text"] for m in history(client, conversation)] == ["Are you there?"]


async def _set_state(client: TestClient, conversation_id: str, state: str) -> None:
    from bot.domain.models import Conversation, ConversationState

    async with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        conversation = await session.get(Conversation, conversation_id)
        conversation.state = ConversationState(state)
        await session.commit()


def test_control_message_from_an_action_switches_language_and_is_not_shown(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    fake_engine.reply = lambda body: [
        {"recipient_id": body["sender"], "custom": {"glueckauf": {"language": "uk", "city": "witten"}}},
        {"recipient_id": body["sender"], "text": "Гаразд"},
    ]
    response = send(client, conversation, "/choose_language")
    assert [r["text"] for r in response.json()["replies"]] == ["Гаразд"]
    assert response.json()["language"] == "uk"
    fake_engine.reply = lambda body: []
    send(client, conversation, "Hello, how are you doing today?")
    assert fake_engine.received[-1]["metadata"]["language"] == "uk"  # explicit choice sticks
    assert fake_engine.received[-1]["metadata"]["city"] == "witten"


def test_health_and_readiness(client: TestClient, fake_engine: FakeEngine) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["engine"]["model_id"] == "test-model"
    fake_engine.up = False
    not_ready = client.get("/ready")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"]["database"]["ok"] is True
    assert not_ready.json()["checks"]["engine"]["ok"] is False
    assert client.app.state.settings.engine_url not in not_ready.text  # type: ignore[attr-defined]  # no address


def test_unsupported_language_gets_a_list_of_ours_in_english_and_german(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    response = send(client, conversation, "Dove posso registrare la mia residenza a Bochum?")
    (reply,) = response.json()["replies"]
    assert "Please write in one of these languages" in reply["text"]
    assert "Bitte schreiben Sie in einer dieser Sprachen" in reply["text"]
    assert "English" in reply["text"] and "Deutsch" in reply["text"]
    assert fake_engine.received == []  # no guessing from a language the bot does not understand
    assert response.json()["language"] != "it"
    again = send(client, conversation, "Grazie, ma non parlo tedesco. Potete aiutarmi in italiano?")
    assert "Please write in one of these languages" in again.json()["replies"][0]["text"]  # not German answers now
    assert fake_engine.received == []


def test_transliterated_russian_in_a_russian_conversation_goes_to_the_engine_in_russian(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    send(client, conversation, "Здравствуйте, где находится Ausländerbehörde в Бохуме?")
    text = "privet, gde nahoditsya auslenderbehorde v bohume?"  # a trigram model reads this as Albanian
    response = send(client, conversation, text)
    assert [r["text"] for r in response.json()["replies"]] == [f"echo: {text}"]
    assert fake_engine.received[-1]["metadata"]["language"] == "ru"
    assert response.json()["language"] == "ru"


def test_a_first_message_without_language_leaves_the_choice_to_the_next(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    assert send(client, conversation, "👍").json()["language"] == "de"  # the replies' language: the default
    assert send(client, conversation, "merci").json()["language"] == "fr"  # an unsure guess, still not German


def test_keyboard_mashing_is_kept_but_not_given_an_intent(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine
) -> None:
    send(client, conversation, "Where can I register my address?")
    response = send(client, conversation, "asdfghjkl qwertzuiop")
    assert response.status_code == 200
    (reply,) = response.json()["replies"]
    assert reply["text"].startswith("How can I help?")  # in the conversation's language, not "You're welcome!"
    assert [m["message"] for m in fake_engine.received] == ["Where can I register my address?"]
    assert response.json()["language"] == "en"  # mashing never changes the language
    assert [m["text"] for m in history(client, conversation)][-2:] == ["asdfghjkl qwertzuiop", reply["text"]]


@pytest.mark.parametrize("text", ["😀😀👍", "12345 678", "https://www.bochum.de", "Приvet, wie geht's?"])
def test_odd_input_is_answered_and_stored(client: TestClient, conversation: dict[str, Any], text: str) -> None:
    response = send(client, conversation, text)
    assert response.status_code == 200
    assert response.json()["message"]["text"] == text


@pytest.mark.postgres
def test_a_database_restart_between_messages_loses_nothing(postgres_url: str, fake_engine: FakeEngine) -> None:
    """PostgreSQL restarted (every connection of the service's pool dropped): the next message is answered."""
    name = f"glueckauf-{uuid.uuid4().hex[:8]}"
    url = f"{postgres_url}&application_name={name}"
    upgrade_database(url)
    settings = Settings(database_url=url, engine_url="http://engine.test", engine_retry_interval_seconds=3600)
    with TestClient(create_app(settings, engine_transport=httpx.MockTransport(fake_engine.handle))) as client:
        conversation = client.post("/api/conversations", json={"language": "en"}).json()
        conversation["headers"] = {"Authorization": f"Bearer {conversation['token']}"}
        assert send(client, conversation, "first").status_code == 200
        with psycopg.connect(f"host={POSTGRES_HOST} port={POSTGRES_PORT} dbname=test user=postgres") as admin:
            dropped = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchone()
        assert dropped is not None and dropped[0] >= 1  # the pool held a connection that is now gone
        assert send(client, conversation, "second").status_code == 200
        assert [m["text"] for m in history(client, conversation)] == ["first", "echo: first", "second", "echo: second"]


def test_the_schema_states_the_errors_the_chat_api_answers(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, item in schema["paths"].items():
        if path.startswith("/api/conversations"):
            for method, operation in item.items():
                assert {"413", "422", "429"} <= set(operation["responses"]), (method, path)
                on_a_conversation = {"401", "403", "404"} <= set(operation["responses"])
                assert on_a_conversation == ("{conversation_id}" in path), (method, path)
    assert "ErrorResponse" in schema["components"]["schemas"]


def test_a_wrong_method_says_which_are_allowed(client: TestClient) -> None:
    response = client.patch("/api/conversations")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["allow"] == "POST"
