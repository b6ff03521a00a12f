"""Two real engines sharing their trackers in PostgreSQL (and their locks in Redis when it is reachable): the
engine a conversation uses goes down between two turns, the other one continues the conversation where it was."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.infra.engine_client import engine_order, engine_urls
from bot.infra.settings import Settings
from bot.stack import Stack, free_port
from tests.conftest import (
    POSTGRES_HOST,
    POSTGRES_PORT,
    REDIS_URL,
    postgres_admin,
    postgres_reachable,
    redis_reachable,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tracker_database() -> Iterator[str]:
    if not postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable on {POSTGRES_HOST}:{POSTGRES_PORT}: the engines need it to share")
    name = f"trackers_{uuid.uuid4().hex[:10]}"
    postgres_admin(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    postgres_admin(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def two_engines(tracker_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("engines")
    shared = {"redis_url": REDIS_URL, "redis_namespace": f"e2e{uuid.uuid4().hex[:8]}"} if redis_reachable() else {}
    settings = Settings(
        database_url=f"sqlite:///{root / 'service.db'}",
        engine_tracker_store_url=tracker_database,
        engine_retry_interval_seconds=1,
        office_hours="mon-sun 00:00-24:00",
        secret_key="e2e-engines",
        **shared,
    )
    stack = Stack(
        settings,
        service_port=free_port(),
        engine_port=free_port(),
        more_engine_ports=(free_port(),),
        log_dir=root / "log",
    )
    stack.start()
    try:
        ready = stack.wait_ready(timeout=300)
        assert [engine["ok"] for engine in ready["checks"]["engine"]["engines"]] == [True, True]
        yield stack
    finally:
        stack.stop()


def test_the_other_engine_continues_a_conversation_when_its_engine_is_down(two_engines: Stack) -> None:
    stack = two_engines
    with httpx.Client(base_url=stack.service_url, timeout=60) as http:
        conversation = http.post("/api/conversations", json={"language": "de"}).json()
        headers = {"Authorization": f"Bearer {conversation['token']}"}
        url = f"/api/conversations/{conversation['id']}/messages"

        asked = http.post(url, json={"text": "Wo melde ich meine Wohnung an?"}, headers=headers).json()
        (question,) = [r for r in asked["replies"] if r.get("data", {}).get("buttons")]
        witten = next(b for b in question["data"]["buttons"] if '"witten"' in b["payload"])

        # Its engine goes down; only the tracker in PostgreSQL remembers what the user asked.
        first = engine_order(engine_urls(stack.engine_url), conversation["id"])[0]
        stack.stop_process(stack.engine_name(stack.engine_ports.index(int(first.rsplit(":", 1)[1]))))

        answered = http.post(url, json={"text": witten["payload"]}, headers=headers)
        assert answered.status_code == 200, answered.text
        body = answered.json()
        knowledge = [r["data"]["knowledge"] for r in body["replies"] if (r.get("data") or {}).get("knowledge")]
        assert knowledge and {k["entry_id"] for k in knowledge} == {"address-registration"}, body["replies"]

        ready = http.get("/ready").json()["checks"]["engine"]
        assert ready["ok"] and sorted(e["ok"] for e in ready["engines"]) == [False, True]
