"""Users' rights and retention: export of a conversation, its erasure from every store (messages, contact requests,
the engine's tracker, the insight texts), the purge of old data and its dry run."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from bot.app import create_app
from bot.domain.models import ContactRequest, Conversation, InsightEvent, Message, utcnow
from bot.domain.privacy import Eraser, purge
from bot.infra.db import create_database_engine, create_session_factory
from bot.infra.engine_client import EngineClient
from bot.infra.settings import PROJECT_ROOT, Settings
from tests.conftest import FakeEngine


def _leave_contact(client: TestClient, conversation: dict[str, Any]) -> None:
    response = client.post(
        f"/api/conversations/{conversation['id']}/contact-request",
        json={"contact": "+49 234 123456", "consent": True},
        headers=conversation["headers"],
    )
    assert response.status_code == 201


async def _rows(settings: Settings, conversation_id: str) -> dict[str, Any]:
    database = create_database_engine(settings.database_url)
    async with create_session_factory(database)() as session:
        counts = {
            model.__name__: await session.scalar(
                select(func.count()).select_from(model).where(model.conversation_id == conversation_id)
            )
            for model in (Message, ContactRequest, InsightEvent)
        }
        counts["Conversation"] = await session.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.id == conversation_id)
        )
        texts = (await session.scalars(select(InsightEvent.question).where(InsightEvent.question.is_not(None)))).all()
    await database.dispose()
    return {**counts, "insight_texts": list(texts)}


def test_a_user_exports_what_is_stored_about_the_conversation(client: TestClient, conversation: dict[str, Any]) -> None:
    client.post(
        f"/api/conversations/{conversation['id']}/messages", json={"text": "Hallo"}, headers=conversation["headers"]
    )
    _leave_contact(client, conversation)
    exported = client.get(f"/api/conversations/{conversation['id']}/data", headers=conversation["headers"])
    assert exported.status_code == 200
    data = exported.json()
    assert data["conversation"]["id"] == conversation["id"]
    assert [m["text"] for m in data["messages"] if m["sender"] == "user"] == ["Hallo"]
    assert "echo: Hallo" in [m["text"] for m in data["messages"]]
    assert data["contact_requests"][0]["contact"] == "+49 234 123456"
    other = client.post("/api/conversations", json={}).json()
    stranger = {"Authorization": f"Bearer {other['token']}"}
    assert client.get(f"/api/conversations/{conversation['id']}/data", headers=stranger).status_code == 403


def test_erasure_removes_the_conversation_from_every_store(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine, settings: Settings
) -> None:
    client.post(
        f"/api/conversations/{conversation['id']}/messages", json={"text": "Hallo"}, headers=conversation["headers"]
    )
    _leave_contact(client, conversation)
    asyncio.run(_add_insight_question(settings, conversation["id"], "Ich bin Anna und suche eine Wohnung"))

    erased = client.delete(f"/api/conversations/{conversation['id']}/data", headers=conversation["headers"])
    assert erased.status_code == 204
    rows = asyncio.run(_rows(settings, conversation["id"]))
    assert rows == {"Message": 0, "ContactRequest": 0, "InsightEvent": 0, "Conversation": 0, "insight_texts": []}
    assert fake_engine.trackers_replaced == [(conversation["id"], [])]  # the engine's tracker: emptied
    gone = client.get(f"/api/conversations/{conversation['id']}/messages", headers=conversation["headers"])
    assert gone.status_code == 404


async def _add_insight_question(settings: Settings, conversation_id: str, question: str) -> None:
    database = create_database_engine(settings.database_url)
    async with create_session_factory(database)() as session:
        session.add(InsightEvent(kind="unanswered", conversation_id=conversation_id, question=question, topic="x"))
        await session.commit()
    await database.dispose()


def test_the_purge_removes_what_is_older_than_the_retention_period(settings: Settings, fake_engine: FakeEngine) -> None:
    def app() -> TestClient:
        return TestClient(create_app(settings, engine_transport=httpx.MockTransport(fake_engine.handle)))

    # The data comes through the API; the purge runs after the app has stopped, so that the app's own scheduled
    # purge (at start-up) cannot run between the ageing of the rows and the purge measured here.
    with app() as client:
        old = client.post("/api/conversations", json={}).json()
        old["headers"] = {"Authorization": f"Bearer {old['token']}"}
        _leave_contact(client, old)
        recent = client.post("/api/conversations", json={}).json()

    async def scenario() -> tuple[str, str, int]:
        database = create_database_engine(settings.database_url)
        sessions = create_session_factory(database)
        long_ago = utcnow() - timedelta(days=200)
        async with sessions() as session:
            await session.execute(update(Conversation).where(Conversation.id == old["id"]).values(updated_at=long_ago))
            await session.execute(update(ContactRequest).values(created_at=long_ago))
            await session.commit()
        engine_client = EngineClient(settings.engine_url, 5, transport=httpx.MockTransport(fake_engine.handle))
        eraser = Eraser(engine_client)
        dry = await purge(sessions, eraser, retention_days=180, dry_run=True)
        done = await purge(sessions, eraser, retention_days=180)
        async with sessions() as session:
            left = await session.scalar(select(func.count()).select_from(Conversation))
        await engine_client.aclose()
        await database.dispose()
        return str(dry), str(done), int(left or 0)

    dry, done, left = asyncio.run(scenario())
    assert dry.startswith("1 conversations, 1 contact requests") and dry == done
    assert left == 1  # the recent one stays
    assert [c for c, _ in fake_engine.trackers_replaced] == [old["id"]]
    with app() as client:
        recent_headers = {"Authorization": f"Bearer {recent['token']}"}
        assert client.get(f"/api/conversations/{recent['id']}/messages", headers=recent_headers).status_code == 200


def test_the_purge_command_has_a_dry_run(settings: Settings) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--dry-run"],
        cwd=PROJECT_ROOT,
        env={"DATABASE_URL": settings.database_url, "RETENTION_DAYS": "30", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("older than 30 days (RETENTION_DAYS): would purge 0 conversations")


def test_the_privacy_notice_in_every_language_names_the_retention_period(client: TestClient) -> None:
    for code in client.get("/api/ui/en").json()["languages"]:
        page = client.get("/privacy", params={"lang": code["code"]})
        assert page.status_code == 200 and f'lang="{code["code"]}"' in page.text
        assert "180" in page.text and "/delete" in page.text
    assert client.get("/privacy", params={"lang": "xx"}).status_code == 422


def test_an_employers_site_may_send_the_erasure_across_origins(settings: Settings, fake_engine: FakeEngine) -> None:
    allowed = settings.model_copy(update={"widget_allowed_origins": "https://www.muster-gmbh.de"})
    with TestClient(create_app(allowed, engine_transport=httpx.MockTransport(fake_engine.handle))) as client:
        preflight = client.options(
            "/api/conversations/abc/data",
            headers={"origin": "https://www.muster-gmbh.de", "access-control-request-method": "DELETE"},
        )
    assert preflight.status_code == 200 and "DELETE" in preflight.headers["access-control-allow-methods"]
