"""The widget's server side: script, UI strings, WebSocket with acks and resume, origins, limits."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from bot.app import create_app
from bot.channels import widget
from bot.channels.widget import FRAMES_PER_MESSAGE, SOCKETS_PER_CONVERSATION, WIDGET_JS
from bot.domain.models import AdvisorRole, Message
from bot.infra.db import create_database_engine, create_session_factory
from bot.infra.settings import Settings
from tests.conftest import REDIS_URL, FakeEngine, poll_until
from tests.factories import PASSWORD, add_advisor, csrf_token


def test_widget_script_is_small_and_cacheable(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age" in response.headers["cache-control"] and response.headers.get("etag")
    assert len(gzip.compress(WIDGET_JS.read_bytes())) <= 30 * 1024


def test_demo_page_embeds_the_widget_with_one_tag(client: TestClient) -> None:
    page = client.get("/").text
    assert page.count('<script src="http://testserver/widget.js" data-audience="employer"') == 1
    assert 'href="/console"' in page and 'href="/docs"' in page


def test_ui_strings_for_every_language(client: TestClient) -> None:
    english = client.get("/api/ui/en").json()
    assert english["direction"] == "ltr" and english["strings"]["widget_send"] == "Send"
    codes = [language["code"] for language in english["languages"]]
    for code in codes:
        assert client.get(f"/api/ui/{code}").status_code == 200
    assert client.get("/api/ui/xx").status_code == 422


def test_the_employers_checklist_is_offered_in_the_widgets_language(client: TestClient) -> None:
    ui = client.get("/api/ui/uk").json()
    assert ui["strings"]["widget_checklist"] == "📋 Чекліст для роботодавців"
    (checklist,) = ui["checklists"]
    page = client.get(checklist["html"])
    assert page.status_code == 200 and 'lang="uk"' in page.text


def frames_until(socket: Any, kind: str, limit: int = 10) -> list[dict[str, Any]]:
    seen = []
    for _ in range(limit):
        frame = socket.receive_json()
        seen.append(frame)
        if frame["type"] == kind:
            return seen
    raise AssertionError(f"no {kind} frame in {seen}")


def test_socket_acks_replies_and_resumes(client: TestClient, conversation: dict[str, Any]) -> None:
    url = f"/ws/conversations/{conversation['id']}?token={conversation['token']}"
    with client.websocket_connect(url) as socket:
        socket.send_json({"type": "message", "id": "c-1", "text": "Hallo"})
        ack = frames_until(socket, "ack")[-1]
        assert ack["id"] == "c-1" and ack["message"]["text"] == "Hallo"
        replies = [f for f in frames_until(socket, "message", 5) if f["type"] == "message"]
        texts = [f["message"]["text"] for f in replies]
        while "echo: Hallo" not in texts:
            texts.append(socket.receive_json()["message"]["text"])
        socket.send_json({"type": "message", "id": "c-1", "text": "Hallo"})  # resent after a drop
        assert frames_until(socket, "ack")[-1]["message"]["id"] == ack["message"]["id"]  # stored once
    with client.websocket_connect(url) as socket:
        socket.send_json({"type": "resume", "after": ack["message"]["id"]})
        resumed = socket.receive_json()
        assert resumed["type"] == "message" and resumed["message"]["text"] == "echo: Hallo"


def test_socket_rejects_wrong_token_and_bad_frames(client: TestClient, conversation: dict[str, Any]) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(f"/ws/conversations/{conversation['id']}?token=wrong") as socket,
    ):
        socket.receive_json()
    assert refused.value.code == 4401
    with client.websocket_connect(f"/ws/conversations/{conversation['id']}?token={conversation['token']}") as socket:
        socket.send_text("not json")
        assert socket.receive_json()["code"] == "invalid_frame"
        socket.send_json({"type": "message", "id": "e", "text": "   "})
        assert frames_until(socket, "error")[-1]["code"] == "message_empty"


def test_the_token_can_come_in_the_first_frame_instead_of_the_url(
    client: TestClient, conversation: dict[str, Any]
) -> None:
    url = f"/ws/conversations/{conversation['id']}"
    with client.websocket_connect(url) as socket:
        socket.send_json({"type": "auth", "token": conversation["token"]})
        socket.send_json({"type": "message", "id": "f-1", "text": "Hallo"})
        assert frames_until(socket, "ack")[-1]["id"] == "f-1"
    for first in ({"type": "auth", "token": "wrong"}, {"type": "message", "id": "x", "text": "Hallo"}):
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(url) as socket:
            socket.send_json(first)
            socket.receive_json()
        assert refused.value.code == 4401


def test_a_huge_frame_is_refused_at_once_and_others_are_served_meanwhile(
    client: TestClient, conversation: dict[str, Any]
) -> None:
    other = client.post("/api/conversations", json={}).json()
    with (
        client.websocket_connect(f"/ws/conversations/{other['id']}?token={other['token']}") as bystander,
        client.websocket_connect(f"/ws/conversations/{conversation['id']}?token={conversation['token']}") as flood,
    ):
        flood.send_text('{"type": "message", "id": "big", "text": "' + "x" * (16 * 1024 * 1024) + '"}')
        started = time.monotonic()
        bystander.send_json({"type": "message", "id": "b-1", "text": "Hallo"})
        assert frames_until(bystander, "ack")[-1]["id"] == "b-1"
        assert time.monotonic() - started < 1.0
        assert frames_until(flood, "error")[-1]["code"] == "payload_too_large"
        with pytest.raises(WebSocketDisconnect) as closed:
            flood.receive_json()
        assert closed.value.code == 1009


def test_a_conversation_has_a_few_sockets_at_most(client: TestClient, conversation: dict[str, Any]) -> None:
    url = f"/ws/conversations/{conversation['id']}?token={conversation['token']}"
    with contextlib.ExitStack() as tabs:
        for _ in range(SOCKETS_PER_CONVERSATION):
            tabs.enter_context(client.websocket_connect(url)).send_json({"type": "resume", "after": 0})
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(url) as one_too_many:
            one_too_many.receive_json()
        assert refused.value.code == 4429
    with client.websocket_connect(url) as again:  # closed tabs free their places
        again.send_json({"type": "message", "id": "a-1", "text": "Hallo"})
        assert frames_until(again, "ack")[-1]["id"] == "a-1"


def test_resume_replays_only_the_newest_messages(
    client: TestClient, conversation: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"/ws/conversations/{conversation['id']}?token={conversation['token']}"
    chat_url = f"/api/conversations/{conversation['id']}/messages"
    client.post(chat_url, json={"text": "Hallo"}, headers=conversation["headers"])
    monkeypatch.setattr(widget, "RESUME_MESSAGES", 1)
    with client.websocket_connect(url) as socket:
        socket.send_json({"type": "resume", "after": 0})
        assert socket.receive_json()["message"]["text"] == "echo: Hallo"  # not the user's older "Hallo"


@pytest.fixture
def strict_client(settings: Settings, fake_engine: FakeEngine) -> Iterator[TestClient]:
    strict = settings.model_copy(
        update={"widget_allowed_origins": "https://www.muster-gmbh.de", "messages_per_minute": 3}
    )
    with TestClient(create_app(strict, engine_transport=httpx.MockTransport(fake_engine.handle))) as client:
        yield client


def test_foreign_origins_are_refused(strict_client: TestClient) -> None:
    conversation = strict_client.post("/api/conversations", json={}).json()
    url = f"/ws/conversations/{conversation['id']}?token={conversation['token']}"
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        strict_client.websocket_connect(url, headers={"origin": "https://evil.example"}) as socket,
    ):
        socket.receive_json()
    assert refused.value.code == 4403
    with strict_client.websocket_connect(url, headers={"origin": "https://www.muster-gmbh.de"}) as socket:
        socket.send_json({"type": "resume", "after": 0})
    preflight = strict_client.options(
        "/api/conversations",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    allowed = strict_client.options(
        "/api/conversations",
        headers={"origin": "https://www.muster-gmbh.de", "access-control-request-method": "POST"},
    )
    assert allowed.headers["access-control-allow-origin"] == "https://www.muster-gmbh.de"


def test_too_many_messages_get_a_friendly_429(strict_client: TestClient) -> None:
    conversation = strict_client.post("/api/conversations", json={"language": "en"}).json()
    headers = {"Authorization": f"Bearer {conversation['token']}"}
    url = f"/api/conversations/{conversation['id']}/messages"
    statuses = [strict_client.post(url, json={"text": f"hi {i}"}, headers=headers).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = strict_client.post(url, json={"text": "again"}, headers=headers).json()
    assert last["error"]["message"] == "That was a lot of messages at once. Please wait a moment."


def test_every_frame_counts_against_the_limit(strict_client: TestClient) -> None:
    conversation = strict_client.post("/api/conversations", json={}).json()
    url = f"/ws/conversations/{conversation['id']}?token={conversation['token']}"
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        strict_client.websocket_connect(url, headers={"origin": "https://www.muster-gmbh.de"}) as socket,
    ):
        for _ in range(3 * FRAMES_PER_MESSAGE + 1):  # 3 messages a minute: 9 frames, then the socket closes
            socket.send_text("not json")
        codes = [socket.receive_json()["code"] for _ in range(3 * FRAMES_PER_MESSAGE + 1)]
        socket.receive_json()  # the close that follows
    assert codes[-1] == "rate_limited" and set(codes[:-1]) == {"invalid_frame"}
    assert closed.value.code == 1008


def test_language_switch_is_explicit(client: TestClient, conversation: dict[str, Any]) -> None:
    url = f"/api/conversations/{conversation['id']}/language"
    assert client.put(url, json={"language": "de"}, headers=conversation["headers"]).json()["language"] == "de"
    assert client.put(url, json={"language": "xx"}, headers=conversation["headers"]).status_code == 422


def test_a_waiting_user_sees_their_place_in_the_queue_move_up(
    client: TestClient, conversation: dict[str, Any], settings: Settings
) -> None:
    second: dict[str, Any] = client.post("/api/conversations", json={"language": "de"}).json()
    for waiting in (conversation, second):
        headers = {"Authorization": f"Bearer {waiting['token']}"}
        assert client.post(f"/api/conversations/{waiting['id']}/handoff", headers=headers).status_code == 200
    url = f"/ws/conversations/{second['id']}?token={second['token']}"
    with client.websocket_connect(url) as socket:
        socket.send_json({"type": "resume", "after": 0})
        assert frames_until(socket, "queue")[-1] == {
            "type": "queue",
            "position": 2,
            "text": "Ihr Platz in der Warteschlange: 2",
        }
        advisor = asyncio.run(add_advisor(settings, "queue@example.org", AdvisorRole.ADVISOR))
        client.post("/console/login", data={"email": advisor, "password": PASSWORD})
        csrf = {"x-csrf-token": csrf_token(client)}
        assert client.post(f"/console/api/conversations/{conversation['id']}/claim", headers=csrf).status_code == 200
        assert frames_until(socket, "queue")[-1]["position"] == 1  # the one ahead was taken
        assert client.post(f"/console/api/conversations/{second['id']}/claim", headers=csrf).status_code == 200
        assert frames_until(socket, "queue")[-1] == {"type": "queue", "position": None, "text": ""}


def test_a_reply_stored_on_another_instance_reaches_the_socket(
    settings: Settings, fake_engine: FakeEngine, redis_namespace: str
) -> None:
    """Two instances behind a load balancer: the user's socket is open on one, the message arrives on the other."""
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "redis_namespace": redis_namespace})
    transport = httpx.MockTransport(fake_engine.handle)
    with (
        TestClient(create_app(shared, engine_transport=transport)) as a,
        TestClient(create_app(shared, engine_transport=transport)) as b,
    ):
        for client in (a, b):
            assert poll_until(lambda c=client: c.get("/ready").json()["checks"]["redis"]["ok"])
        conversation = a.post("/api/conversations", json={"language": "de"}).json()
        with b.websocket_connect(f"/ws/conversations/{conversation['id']}?token={conversation['token']}") as socket:
            sent = a.post(
                f"/api/conversations/{conversation['id']}/messages",
                json={"text": "Hallo"},
                headers={"Authorization": f"Bearer {conversation['token']}"},
            )
            assert sent.status_code == 200
            texts = [f["message"]["text"] for f in frames_until(socket, "message", 3) if f["type"] == "message"]
            while "echo: Hallo" not in texts:
                texts.append(socket.receive_json()["message"]["text"])
            assert texts == ["Hallo", "echo: Hallo"]
        assert a.get("/ready").json()["checks"]["redis"] == {"ok": True, "required": False}


def test_shutting_down_lets_the_engine_finish_answering_a_socket_message(
    settings: Settings, fake_engine: FakeEngine
) -> None:
    """The user writes and closes the tab; the service stops while the engine is still answering. The reply is
    stored (the dispatch was left running unwatched and died with the event loop; the shutdown could hang)."""

    async def slow_engine(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.5)
        return fake_engine.handle(request)

    with TestClient(create_app(settings, engine_transport=httpx.MockTransport(slow_engine))) as client:
        conversation = client.post("/api/conversations", json={"language": "de"}).json()
        with client.websocket_connect(f"/ws/conversations/{conversation['id']}?token={conversation['token']}") as s:
            s.send_json({"type": "message", "id": "bye", "text": "Hallo"})
            assert frames_until(s, "ack")[-1]["id"] == "bye"
    assert asyncio.run(_texts(settings)) == ["Hallo", "echo: Hallo"]


async def _texts(settings: Settings) -> list[str]:
    engine = create_database_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.scalars(select(Message.text).order_by(Message.id))).all())
    finally:
        await engine.dispose()
