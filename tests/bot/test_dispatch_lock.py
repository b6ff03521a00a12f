"""One dispatch per conversation at a time, also across instances (real Redis on 127.0.0.1:6379 when reachable)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis

from bot.app import create_app
from bot.infra.dispatch_lock import DispatchBusy, DispatchLocks
from bot.infra.settings import Settings
from tests.conftest import REDIS_URL, FakeEngine


@pytest.fixture
def prefix(redis_namespace: str) -> str:
    return f"{redis_namespace}:dispatch:"


async def test_two_instances_never_dispatch_one_conversation_at_once(prefix: str) -> None:
    clients = [Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)]
    instances = [DispatchLocks(client, prefix) for client in clients]
    inside, most_inside, done = 0, 0, []

    async def dispatch(locks: DispatchLocks, name: str) -> None:
        nonlocal inside, most_inside
        async with locks.hold("c1"):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.05)
            done.append(name)
            inside -= 1

    await asyncio.gather(*(dispatch(instances[i % 2], f"d{i}") for i in range(6)))
    assert most_inside == 1 and len(done) == 6
    for client in clients:
        await client.aclose()


async def test_a_lock_held_too_long_elsewhere_gives_up_instead_of_waiting_forever(prefix: str) -> None:
    holder, waiter = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    async with DispatchLocks(holder, prefix, hold_seconds=5).hold("c1"):
        with pytest.raises(DispatchBusy):
            async with DispatchLocks(waiter, prefix, hold_seconds=0.2).hold("c1"):
                pass
    async with DispatchLocks(waiter, prefix, hold_seconds=0.2).hold("c1"):  # released: free again
        pass
    await holder.aclose()
    await waiter.aclose()


async def test_without_redis_the_lock_still_holds_within_the_instance() -> None:
    unreachable = DispatchLocks(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2), "x:")
    order: list[str] = []

    async def dispatch(name: str) -> None:
        async with unreachable.hold("c1"):
            order.append(f"{name} in")
            await asyncio.sleep(0.02)
            order.append(f"{name} out")

    await asyncio.gather(dispatch("a"), dispatch("b"))
    assert order == ["a in", "a out", "b in", "b out"]


def test_a_queued_message_reaches_the_engine_once_when_two_instances_retry_it(
    settings: Settings, fake_engine: FakeEngine, redis_namespace: str
) -> None:
    """The engine was down; both instances' retry loops find the message at the same moment."""
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "redis_namespace": redis_namespace})
    answer = fake_engine.reply

    def slow_engine(body: dict[str, Any]) -> list[dict[str, Any]]:
        time.sleep(0.3)  # both instances are past reading the queue before either has marked it done
        return answer(body)

    transport = httpx.MockTransport(fake_engine.handle)
    with (
        TestClient(create_app(shared, engine_transport=transport)) as a,
        TestClient(create_app(shared, engine_transport=transport)) as b,
    ):
        conversation = a.post("/api/conversations", json={"language": "en"}).json()
        fake_engine.up = False
        a.post(
            f"/api/conversations/{conversation['id']}/messages",
            json={"text": "Where do I register?"},
            headers={"Authorization": f"Bearer {conversation['token']}"},
        )
        fake_engine.up, fake_engine.reply = True, slow_engine
        retries = [
            threading.Thread(target=client.portal.call, args=(client.app.state.router.retry_queued,))  # type: ignore[attr-defined]
            for client in (a, b)
        ]
        for thread in retries:
            thread.start()
        for thread in retries:
            thread.join()
        assert [body["message"] for body in fake_engine.received] == ["Where do I register?"]
        history = a.get(
            f"/api/conversations/{conversation['id']}/messages",
            headers={"Authorization": f"Bearer {conversation['token']}"},
        ).json()["messages"]
        assert [m["text"] for m in history].count("echo: Where do I register?") == 1
