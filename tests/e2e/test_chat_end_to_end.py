"""Both real processes from this checkout, talked to through the chat API only."""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.stack import Stack
from tests.e2e.conftest import chat

pytestmark = pytest.mark.e2e


def test_greetings_are_answered_in_the_users_language_by_the_custom_action(stack: Stack) -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    german, reply_de = chat(stack, "Hallo")
    english, reply_en = chat(stack, "hello")
    assert reply_de["language"] == "de" and reply_en["language"] == "en"
    assert [r["text"] for r in reply_de["replies"]] == [catalog.text("greeting", "de")]
    assert [r["text"] for r in reply_en["replies"]] == [catalog.text("greeting", "en")]

    # The greeting text exists only in the catalog the action server reads: the engine called /webhook.
    service_log = stack.log_path("service").read_text()
    assert service_log.count("POST /webhook") >= 2

    database = make_url(stack.settings.database_url).database
    with sqlite3.connect(str(database)) as db:
        rows = db.execute("SELECT conversation_id, sender, text, delivery_status FROM messages ORDER BY id").fetchall()
    assert (german["id"], "user", "Hallo", "delivered") in rows
    assert (english["id"], "user", "hello", "delivered") in rows
    assert (german["id"], "bot", catalog.text("greeting", "de"), "delivered") in rows


def test_engine_outage_loses_nothing(stack: Stack) -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    stack.stop_process("engine")
    try:
        conversation, during = chat(stack, "hello")
        assert [r["text"] for r in during["replies"]] == [catalog.text("engine_unavailable", "en")]
    finally:
        stack.start_engine()
        stack.wait_ready(timeout=240)
    headers = {"Authorization": f"Bearer {conversation['token']}"}
    url = f"{stack.service_url}/api/conversations/{conversation['id']}/messages"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        texts = [m["text"] for m in httpx.get(url, headers=headers).json()["messages"] if m["sender"] == "bot"]
        if texts:
            break
        time.sleep(0.5)
    assert texts == [catalog.text("greeting", "en")]
