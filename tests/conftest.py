"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), Redis (when reachable), settings, an app
with a stand-in engine."""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.infra.db import upgrade_database
from bot.infra.settings import Settings

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


# One test with its set-up and teardown (the slowest starts two engines: a few minutes on a slow day). A test that
# hangs (an app's shutdown once waited forever for a task) stops the run at once, with what it waits for, instead
# of holding CI until its limit.
TEST_TIME_LIMIT = float(os.environ.get("GLUECKAUF_TEST_TIME_LIMIT", "600"))


def _report_hang_and_exit(item: pytest.Item) -> None:
    capture = item.config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.suspend_global_capture()  # what is printed below must reach the terminal, not the test's capture
    out, nodeid = sys.stderr, item.nodeid
    print(f"\n{nodeid} took more than {TEST_TIME_LIMIT:.0f} s: threads and unfinished asyncio tasks", file=out)
    faulthandler.dump_traceback(file=out, all_threads=True)
    for candidate in gc.get_objects():
        try:
            if isinstance(candidate, asyncio.Task) and not candidate.done():
                print(f"--- {candidate!r}", file=out)
                candidate.print_stack(file=out)
        except Exception:  # another thread's task may finish while it is read: the rest still helps
            continue
    out.flush()
    os._exit(3)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    watchdog = threading.Timer(TEST_TIME_LIMIT, _report_hang_and_exit, args=(item,))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_reachable() -> bool:
    return reachable(POSTGRES_HOST, POSTGRES_PORT)


def redis_reachable() -> bool:
    return reachable(REDIS_HOST, REDIS_PORT)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the `test` database, dropped afterwards."""
    if not postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable on {POSTGRES_HOST}:{POSTGRES_PORT}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    postgres_admin(f'CREATE SCHEMA "{schema}"')
    yield f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test?options=-csearch_path%3D{schema}"
    postgres_admin(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_admin(statement: str) -> None:
    """Runs one statement as the superuser in the `test` database, outside a transaction (CREATE DATABASE too)."""
    conninfo = f"host={POSTGRES_HOST} port={POSTGRES_PORT} dbname=test user=postgres"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A key prefix and channel name of this test's own (Redis channels are global), its keys removed afterwards."""
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'glueckauf.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once per database backend."""
    url: str = request.getfixturevalue(f"{'postgres' if request.param == 'postgresql' else 'sqlite'}_url")
    upgrade_database(url)
    return url


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    upgrade_database(sqlite_url)
    return Settings(
        database_url=sqlite_url,
        engine_url="http://engine.test",
        engine_retry_interval_seconds=3600,
        office_hours="mon-sun 00:00-24:00",
        secret_key="test-secret",
    )


class FakeEngine:
    """Stands in for Rasa's REST channel: records what it receives, answers with a scripted reply or fails."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.trackers_replaced: list[tuple[str, Any]] = []  # (conversation id, new events): Rasa's PUT …/tracker/events
        self.up = True
        self.reply: Callable[[dict[str, Any]], list[dict[str, Any]]] = lambda body: [
            {"recipient_id": body["sender"], "text": f"echo: {body['message']}"}
        ]

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("engine is down", request=request)
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_id": "test-model"})
        if request.method == "PUT" and request.url.path.endswith("/tracker/events"):
            conversation_id = request.url.path.removeprefix("/conversations/").removesuffix("/tracker/events")
            self.trackers_replaced.append((conversation_id, json.loads(request.content)))
            return httpx.Response(200, json={"sender_id": conversation_id, "events": []})
        body = json.loads(request.content)
        self.received.append(body)
        return httpx.Response(200, json=self.reply(body))


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def client(settings: Settings, fake_engine: FakeEngine) -> Iterator[TestClient]:
    app = create_app(settings, engine_transport=httpx.MockTransport(fake_engine.handle))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def conversation(client: TestClient) -> dict[str, Any]:
    """A started conversation: its id, token and ready-made auth headers."""
    body: dict[str, Any] = client.post("/api/conversations", json={}).json()
    body["headers"] = {"Authorization": f"Bearer {body['token']}"}
    return body


def poll_until(found: Callable[[], Any], seconds: float = 5.0) -> Any:
    """What `found` returns once it is truthy, polled for a while: for work in the app's own loop or another
    instance (queue followers, relayed events); its last value if it never was."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.05)
    return found()
