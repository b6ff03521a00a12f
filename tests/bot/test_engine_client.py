"""Several engines: a conversation sticks to one and moves on only when the request cannot have reached it."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bot.infra.engine_client import EngineClient, EngineUnavailable
from bot.infra.engine_endpoints import endpoints_file, engine_endpoints
from bot.infra.settings import Settings
from bot.stack import Stack, StackError

A, B = "http://engine-a.test:5005", "http://engine-b.test:5005"


class Engines:
    """Stands in for the engines' HTTP endpoints: records who got each turn; `down` refuses connections, `slow`
    times out after the request was sent (the turn may have run)."""

    def __init__(self) -> None:
        self.turns: list[str] = []
        self.down: set[str] = set()
        self.slow: set[str] = set()

    def handle(self, request: httpx.Request) -> httpx.Response:
        engine = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        if engine in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_id": "m1"})
        self.turns.append(engine)
        if engine in self.slow:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=[{"recipient_id": "x", "text": f"from {engine}"}])


@pytest.fixture
def engines() -> Engines:
    return Engines()


def client(engines: Engines) -> EngineClient:
    return EngineClient(f"{A}, {B}/", 5, httpx.MockTransport(engines.handle))


async def test_each_conversation_sticks_to_one_engine_and_the_load_is_spread(engines: Engines) -> None:
    http = client(engines)
    for number in range(40):
        for _ in range(3):
            await http.send(f"conversation-{number}", "hallo", {})
    per_conversation = [engines.turns[i : i + 3] for i in range(0, len(engines.turns), 3)]
    assert all(len(set(turns)) == 1 for turns in per_conversation)
    assert min(Counter(engines.turns).values()) >= 30  # of 120 turns, neither engine idles
    await http.aclose()


async def test_an_unreachable_engine_is_skipped(engines: Engines) -> None:
    http = client(engines)
    first, second = http.order("c")
    engines.down.add(first)
    (reply,) = await http.send("c", "hallo", {})
    assert reply.text == f"from {second}" and engines.turns == [second]
    engines.down.add(second)
    with pytest.raises(EngineUnavailable, match="connection refused"):
        await http.send("c", "hallo", {})
    await http.aclose()


async def test_a_turn_that_may_have_run_is_not_sent_to_another_engine(engines: Engines) -> None:
    http = client(engines)
    first, _ = http.order("c")
    engines.slow.add(first)
    with pytest.raises(EngineUnavailable):
        await http.send("c", "hallo", {})
    assert engines.turns == [first]  # the message stays queued; the retry loop sends it again later
    await http.aclose()


async def test_status_is_ready_while_one_engine_answers_and_shows_each(engines: Engines) -> None:
    http = client(engines)
    engines.down.add(A)
    status = await http.status()
    assert status["model_id"] == "m1"
    assert status["engines"] == [{"url": A, "ok": False}, {"url": B, "ok": True}]
    engines.down.add(B)
    with pytest.raises(EngineUnavailable):
        await http.status()
    await http.aclose()


def test_an_empty_engine_url_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="ENGINE_URL is empty"):
        EngineClient(" , ", 5)


def test_endpoints_add_the_shared_stores_only_when_configured() -> None:
    plain = Settings(engine_tracker_store_url="", redis_url="redis://cache:6380/2")
    assert "tracker_store" not in engine_endpoints(plain) and "lock_store" not in engine_endpoints(plain)
    shared = Settings(
        engine_tracker_store_url="postgresql+psycopg://rasa:s%40cret@db:5433/trackers",
        redis_url="redis://:pw@cache:6380/2",
        redis_namespace="glueckauf-prod",
    )
    endpoints = engine_endpoints(shared)
    assert endpoints["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db",
        "port": 5433,
        "db": "trackers",
        "username": "rasa",
        "password": "s@cret",
    }
    assert endpoints["lock_store"] == {
        "type": "redis",
        "url": "cache",
        "port": 6380,
        "db": 2,
        "password": "pw",
        "key_prefix": "glueckaufprod",
    }
    assert endpoints["action_endpoint"]["url"] == "${ACTION_ENDPOINT_URL}"  # Rasa still fills these in


def test_a_tracker_store_url_that_is_not_postgresql_is_refused() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        engine_endpoints(Settings(engine_tracker_store_url="sqlite:///rasa.db"))


def test_make_run_stops_with_one_line_on_a_malformed_tracker_store_url(tmp_path: Path) -> None:
    stack = Stack(Settings(engine_tracker_store_url="mysql://db/rasa"), log_dir=tmp_path / "log")
    with pytest.raises(StackError, match="ENGINE_TRACKER_STORE_URL must look like postgresql://"):
        stack.start_engine()
    assert stack.processes == {}  # no engine was started with a half-written configuration


def test_the_completed_endpoints_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = Settings(engine_tracker_store_url="postgresql://rasa:secret@db:5432/trackers")
    path = endpoints_file(settings, tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert "secret" in path.read_text()
    assert endpoints_file(Settings(engine_tracker_store_url=""), tmp_path).name == "endpoints.yml"  # nothing to add


async def test_at_most_the_configured_number_of_turns_reach_one_engine_at_once() -> None:
    """More turns wait in the service, in order, instead of all being interleaved by the engine until they time out."""
    in_flight, peak = 0, 0

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return httpx.Response(200, json=[{"recipient_id": "x", "text": "ok"}])

    http = EngineClient(A, 5, httpx.MockTransport(handle), concurrency=3)
    replies = await asyncio.gather(*(http.send(f"conversation-{n}", "hallo", {}) for n in range(20)))
    assert peak == 3
    assert all(reply[0].text == "ok" for reply in replies)  # every turn answered, none lost
    await http.aclose()
