"""Telegram through python-telegram-bot against a local fake Bot API: no internet, real PTB."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select

from bot.app import create_app
from bot.channels.telegram import split_message, to_html
from bot.domain.answering import entry_payload
from bot.domain.models import (
    AdvisorRole,
    ContactRequest,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    SenderKind,
    utcnow,
)
from bot.infra.settings import Settings
from tests.conftest import REDIS_URL, FakeEngine, poll_until
from tests.factories import PASSWORD, add_advisor, csrf_token
from tests.fakes.telegram_api import FakeBotApi

SECRET = "telegram-test-secret"
CHAT = 777001
_update_ids = itertools.count(1000)


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    fake = FakeBotApi()
    fake.base_url = fake.start()  # type: ignore[attr-defined]
    yield fake
    fake.stop()


def with_telegram(settings: Settings, bot_api: FakeBotApi) -> Settings:
    """`settings` with Telegram in webhook mode against the fake Bot API."""
    return settings.model_copy(
        update={
            "telegram_token": "123456:TEST",
            "telegram_webhook_url": "https://glueckauf.example.org/telegram/webhook",
            "telegram_webhook_secret": SECRET,
            "telegram_api_url": bot_api.base_url,  # type: ignore[attr-defined]
        }
    )


@pytest.fixture
def telegram(settings: Settings, fake_engine: FakeEngine, bot_api: FakeBotApi) -> Iterator[TestClient]:
    app = create_app(with_telegram(settings, bot_api), engine_transport=httpx.MockTransport(fake_engine.handle))
    with TestClient(app) as client:
        yield client


def user(language_code: str = "en") -> dict[str, Any]:
    return {"id": CHAT, "is_bot": False, "first_name": "Olena", "language_code": language_code}


def message_update(text: str | None = None, update_id: int | None = None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": 1764000000,
        "chat": {"id": CHAT, "type": "private"},
        "from": user(),
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id or next(_update_ids), "message": message}


def button_update(data: str) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user(),
            "chat_instance": "x",
            "data": data,
            "message": {"message_id": 1, "date": 1764000000, "chat": {"id": CHAT, "type": "private"}, "text": "?"},
        },
    }


def post(client: TestClient, update: dict[str, Any], secret: str = SECRET) -> Any:
    return client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})


def test_webhook_is_registered_with_the_secret(telegram: TestClient, bot_api: FakeBotApi) -> None:
    (webhook,) = bot_api.sent("setWebhook")
    assert webhook["url"] == "https://glueckauf.example.org/telegram/webhook"
    assert webhook["secret_token"] == SECRET


def test_wrong_or_missing_secret_is_rejected(telegram: TestClient, bot_api: FakeBotApi) -> None:
    assert post(telegram, message_update("hi"), secret="wrong").status_code == 403
    assert telegram.post("/telegram/webhook", json=message_update("hi")).status_code == 403
    assert bot_api.sent() == []


def test_start_offers_languages_and_the_choice_sticks(telegram: TestClient, bot_api: FakeBotApi) -> None:
    assert post(telegram, message_update("/start")).status_code == 200
    (welcome,) = bot_api.sent()
    keyboard = welcome["reply_markup"]["inline_keyboard"]
    labels = [button["text"] for row in keyboard for button in row]
    assert "✓ English" in labels and "Deutsch" in labels  # preselected from language_code
    post(telegram, button_update("lang:de"))
    assert bot_api.sent("answerCallbackQuery")
    assert bot_api.sent("editMessageReplyMarkup")  # the keyboard works once
    assert bot_api.sent()[-1]["text"] == "Gern, wir schreiben jetzt auf Deutsch."


def test_question_is_answered_with_typing_indicator(
    telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine
) -> None:
    fake_engine.reply = lambda body: [
        {"recipient_id": body["sender"], "text": "Register at the Bürgerbüro <Witten> & see https://www.witten.de"}
    ]
    post(telegram, message_update("Where do I register my address in Witten?"))
    assert bot_api.sent("sendChatAction")[0]["action"] == "typing"
    (answer,) = bot_api.sent()
    assert answer["parse_mode"] == "HTML"
    assert "&lt;Witten&gt; &amp;" in answer["text"]
    assert '<a href="https://www.witten.de">' in answer["text"]
    assert fake_engine.received[0]["metadata"]["channel"] == "telegram"


def test_last_part_of_a_knowledge_answer_can_be_rated_with_buttons(
    telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine
) -> None:
    fake_engine.reply = lambda body: [
        {"recipient_id": body["sender"], "custom": {"glueckauf": {"knowledge": {"entry_id": "jobcenter"}}}},
        {"recipient_id": body["sender"], "text": "The Jobcenter helps."},
        {"recipient_id": body["sender"], "text": "Source: jobcenter.de"},
    ]
    post(telegram, message_update("Jobcenter?"))
    answer, source = bot_api.sent()
    assert "reply_markup" not in answer
    labels = [b["callback_data"] for row in source["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0].startswith("rate:") and labels[0].endswith(":1") and labels[1].endswith(":0")
    post(telegram, button_update(labels[1]))
    assert bot_api.sent()[-1]["text"] == "Thank you for your feedback!"
    post(telegram, button_update("rate:999999:1"))  # a stale button: no crash, no thanks
    assert bot_api.sent()[-1]["text"] == "Thank you for your feedback!" and len(bot_api.sent()) == 3


def test_duplicate_update_is_processed_once(telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine) -> None:
    update = message_update("hello there", update_id=555)
    post(telegram, update)
    post(telegram, update)
    assert len(fake_engine.received) == 1
    assert len(bot_api.sent()) == 1


def test_flood_limit_is_waited_out_and_nothing_is_sent_twice(
    telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine
) -> None:
    bot_api.flood_next["sendMessage"] = 1
    post(telegram, message_update("hello"))
    assert [name for name, _ in bot_api.calls if name.startswith("sendMessage")] == ["sendMessage:429", "sendMessage"]
    assert len(bot_api.sent()) == 1


def test_media_and_groups(telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine) -> None:
    post(telegram, message_update(photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]))
    assert bot_api.sent()[-1]["text"] == "Sorry, I can only read text. Please write your question."
    group = message_update("/start")
    group["message"]["chat"] = {"id": -100, "type": "group", "title": "Team"}
    post(telegram, group)
    assert "private chat" in bot_api.sent()[-1]["text"]
    assert fake_engine.received == []


def test_handoff_and_advisor_reply_reach_telegram(
    telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine, settings: Settings
) -> None:
    post(telegram, message_update("/human"))
    assert "queue" in bot_api.sent()[-1]["text"]
    post(telegram, message_update("My permit expires soon"))
    assert fake_engine.received == []  # the bot is silent during the handoff

    email = asyncio.run(add_advisor(settings, "tg-admin@example.org", AdvisorRole.ADMIN))
    telegram.post("/console/login", data={"email": email, "password": PASSWORD})
    csrf = {"x-csrf-token": csrf_token(telegram)}
    waiting = telegram.get("/console/api/queue").json()["waiting"]
    (conversation,) = [c for c in waiting if c["channel"] == "telegram"]
    telegram.post(f"/console/api/conversations/{conversation['id']}/claim", headers=csrf)
    telegram.post(
        f"/console/api/conversations/{conversation['id']}/reply", json={"text": "Hello, this is Mira."}, headers=csrf
    )
    texts = [m["text"] for m in bot_api.sent()]
    assert "Hello, this is Mira." in texts
    assert any("is here for you now" in t for t in texts)


def test_a_waiting_users_queue_notice_is_edited_in_place_when_the_queue_moves(
    telegram: TestClient, bot_api: FakeBotApi, settings: Settings
) -> None:
    other_chat = CHAT + 1
    post(telegram, message_update("/human"))
    post(
        telegram,
        message_update(
            "/human",
            chat={"id": other_chat, "type": "private"},
            **{"from": {**user(), "id": other_chat}},  # type: ignore[arg-type]
        ),
    )
    notice = bot_api.sent()[-1]
    assert notice["chat_id"] == other_chat and "position 2" in notice["text"]
    assert bot_api.sent("editMessageText") == []  # joining the end of the queue moves nobody

    email = asyncio.run(add_advisor(settings, "tg-queue@example.org", AdvisorRole.ADMIN))
    telegram.post("/console/login", data={"email": email, "password": PASSWORD})
    csrf = {"x-csrf-token": csrf_token(telegram)}
    first = telegram.get("/console/api/queue").json()["waiting"][0]
    telegram.post(f"/console/api/conversations/{first['id']}/claim", headers=csrf)

    (edit,) = poll_until(lambda: bot_api.sent("editMessageText"))
    assert edit["chat_id"] == other_chat and edit["message_id"] == bot_api.message_id(notice)
    assert "position 1" in edit["text"]
    assert len(bot_api.sent()) == 3  # edited, not sent again: two queue notices and the advisor's join note


def test_delete_erases_the_conversation_after_confirmation(
    telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine
) -> None:
    post(telegram, message_update("hello"))
    (sender,) = {body["sender"] for body in fake_engine.received}
    post(telegram, message_update("/delete"))
    assert "really" in bot_api.sent()[-1]["text"]
    post(telegram, button_update("delete:yes"))
    assert bot_api.sent()[-1]["text"].startswith("Done")
    assert fake_engine.trackers_replaced == [(sender, [])]  # the engine forgot it too
    post(telegram, message_update("/export"))
    exported = json.loads(bot_api.sent("sendDocument")[-1]["document"]["content"])
    assert "hello" not in [m["text"] for m in exported["messages"]]


def test_export_sends_the_stored_data_as_a_file_and_privacy_names_the_retention(
    telegram: TestClient, bot_api: FakeBotApi
) -> None:
    post(telegram, message_update("hello"))
    post(telegram, message_update("/export"))
    (call,) = bot_api.sent("sendDocument")
    assert call["document"]["filename"] == "glueckauf-data.json"
    exported = json.loads(call["document"]["content"])
    assert "hello" in [m["text"] for m in exported["messages"] if m["sender"] == "user"]
    post(telegram, message_update("/privacy"))
    assert "180" in bot_api.sent()[-1]["text"] and "/export" in bot_api.sent()[-1]["text"]


def test_long_messages_are_split_at_paragraphs_and_html_is_escaped() -> None:
    text = ("a" * 3000) + "\n\n" + ("b" * 3000)
    assert split_message(text) == ["a" * 3000, "b" * 3000]
    assert all(len(piece) <= 4096 for piece in split_message("word " * 3000))
    assert to_html("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


def test_a_suggested_entry_is_a_button_whose_click_asks_for_that_entry(
    telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine
) -> None:
    payload = entry_payload("accelerated-skilled-worker-procedure")  # the longest id we have
    fake_engine.reply = lambda body: [
        {
            "recipient_id": body["sender"],
            "text": "Did you mean one of these topics?",
            "buttons": [{"title": "What is the accelerated procedure?", "payload": payload}],
        }
    ]
    post(telegram, message_update("fast procedure?"))
    (offer,) = bot_api.sent()
    (button,) = [b for row in offer["reply_markup"]["inline_keyboard"] for b in row]
    assert button == {"text": "What is the accelerated procedure?", "callback_data": payload}
    post(telegram, button_update(payload))
    assert fake_engine.received[-1]["message"] == payload


def test_a_reply_left_queued_is_sent_once_when_two_instances_send_again(
    telegram: TestClient, bot_api: FakeBotApi, fake_engine: FakeEngine, redis_namespace: str
) -> None:
    """Telegram was unreachable; afterwards both webhook instances' retry loops find the queued reply at once."""
    post(telegram, message_update("hello"))
    shared = telegram.app.state.settings.model_copy(  # type: ignore[attr-defined]
        update={"redis_url": REDIS_URL, "redis_namespace": redis_namespace}
    )
    transport = httpx.MockTransport(fake_engine.handle)
    with (
        TestClient(create_app(shared, engine_transport=transport)) as a,
        TestClient(create_app(shared, engine_transport=transport)) as b,
    ):
        a.portal.call(_queue_old_reply, a.app.state.sessions, "Sorry for the wait")  # type: ignore[attr-defined]
        bot_api.delay["sendMessage"] = 0.3  # both have read the queue before either has sent it
        retries = [
            threading.Thread(
                target=client.portal.call,  # type: ignore[attr-defined]
                args=(client.app.state.delivery.redeliver_queued, client.app.state.sessions),
            )
            for client in (a, b)
        ]
        for thread in retries:
            thread.start()
        for thread in retries:
            thread.join()
    assert [m["text"] for m in bot_api.sent()].count("Sorry for the wait") == 1


def test_an_advisor_reply_through_an_instance_without_telegram_is_sent_at_once(
    settings: Settings, fake_engine: FakeEngine, bot_api: FakeBotApi, redis_namespace: str
) -> None:
    """Telegram runs on instance A only (polling allows one); the advisor's console request lands on B."""
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "redis_namespace": redis_namespace})
    transport = httpx.MockTransport(fake_engine.handle)
    with (
        TestClient(create_app(with_telegram(shared, bot_api), engine_transport=transport)) as a,
        TestClient(create_app(shared, engine_transport=transport)) as b,
    ):
        for client in (a, b):
            assert poll_until(lambda c=client: c.app.state.relay.subscribed.is_set())  # type: ignore[attr-defined]
        post(a, message_update("/human"))
        email = asyncio.run(add_advisor(settings, "tg-elsewhere@example.org", AdvisorRole.ADVISOR))
        b.post("/console/login", data={"email": email, "password": PASSWORD})
        csrf = {"x-csrf-token": csrf_token(b)}
        (waiting,) = b.get("/console/api/queue").json()["waiting"]
        assert b.post(f"/console/api/conversations/{waiting['id']}/claim", headers=csrf).status_code == 200
        b.post(f"/console/api/conversations/{waiting['id']}/reply", json={"text": "Hi, Mira here."}, headers=csrf)

        def sent() -> list[str]:
            return [m["text"] for m in bot_api.sent()]

        # Redelivery would take 30 s and more: this comes from A acting on B's relayed event.
        assert poll_until(lambda: "Hi, Mira here." in sent())
        assert any("is here for you now" in text for text in sent())
        stored = a.portal.call(_statuses, a.app.state.sessions)  # type: ignore[attr-defined]
    assert stored["Hi, Mira here."] == DeliveryStatus.DELIVERED
    assert sent().count("Hi, Mira here.") == 1


async def _statuses(sessions: Any) -> dict[str, DeliveryStatus]:
    async with sessions() as session:
        rows = await session.execute(select(Message.text, Message.delivery_status))
        return {text: status for text, status in rows.all()}


async def _queue_old_reply(sessions: Any, text: str) -> None:
    async with sessions() as session:
        conversation = (await session.scalars(select(Conversation).where(Conversation.channel == "telegram"))).one()
        session.add(
            Message(
                conversation_id=conversation.id,
                direction=Direction.OUTBOUND,
                sender=SenderKind.ADVISOR,
                text=text,
                delivery_status=DeliveryStatus.QUEUED,
                created_at=utcnow() - timedelta(minutes=5),
            )
        )
        await session.commit()


def test_outside_office_hours_one_tap_shares_the_users_own_phone_number(
    settings: Settings, fake_engine: FakeEngine, bot_api: FakeBotApi
) -> None:
    closed = with_telegram(settings, bot_api).model_copy(update={"office_hours": ""})
    app = create_app(closed, engine_transport=httpx.MockTransport(fake_engine.handle))
    with TestClient(app) as telegram:
        post(telegram, message_update("/human"))
        offer = bot_api.sent()[-1]
        assert "e-mail address or phone number" in offer["text"]
        (row,) = offer["reply_markup"]["keyboard"]
        assert row[0]["request_contact"] is True and row[0]["text"] == "📱 Share my phone number"

        stranger = {"phone_number": "4915112345678", "first_name": "Someone", "user_id": CHAT + 1}
        post(telegram, message_update(contact=stranger))  # a contact card forwarded: not theirs to give
        assert bot_api.sent()[-1]["text"] == "Sorry, I can only read text. Please write your question."

        own = {"phone_number": "4917612345678", "first_name": "Olena", "user_id": CHAT}
        post(telegram, message_update(contact=own))
        thanks = bot_api.sent()[-1]
        assert thanks["text"] == "Thank you! We'll get in touch at +4917612345678 as soon as our advice team is back."
        assert thanks["reply_markup"] == {"remove_keyboard": True}
        assert fake_engine.received == []

    database = create_engine(settings.database_url)
    with database.connect() as connection:
        assert connection.execute(select(ContactRequest.contact)).scalars().all() == ["+4917612345678"]
    database.dispose()


def test_a_flooding_chat_is_told_to_wait_not_answered_message_by_message(
    settings: Settings, fake_engine: FakeEngine, bot_api: FakeBotApi
) -> None:
    limited = with_telegram(settings, bot_api).model_copy(update={"messages_per_minute": 2})
    app = create_app(limited, engine_transport=httpx.MockTransport(fake_engine.handle))
    with TestClient(app) as client:
        for number in range(3):
            post(client, message_update(f"question {number}"))
    assert [body["message"] for body in fake_engine.received] == ["question 0", "question 1"]
    assert bot_api.sent()[-1]["text"] == "That was a lot of messages at once. Please wait a moment."
