"""Every route × every identity: anonymous, a user's token for another conversation, advisor, admin, partner."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bot.app import create_app
from bot.domain.models import AdvisorRole
from bot.infra.settings import Settings
from tests.conftest import FakeEngine
from tests.factories import PASSWORD, add_advisor, csrf_token

IDENTITIES = ("anonymous", "other_user", "advisor", "admin", "partner")
OPEN = "open"  # anything but 401/403
SIGNED_IN = "signed in"  # not 401; 403/409 may follow from who owns the conversation (tested in test_handoff)
PUBLIC_PREFIXES = (
    "/health",
    "/ready",
    "/checklists",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/console/login",
    "/api/ui/",
    "/widget.js",
    "/privacy",
)


def expected(method: str, path: str, identity: str) -> str | int:
    """The access rule of each route; a route without a rule fails the test (new routes must be added)."""
    if path.startswith(PUBLIC_PREFIXES) or path == "/" or (method, path) == ("POST", "/api/conversations"):
        return OPEN
    if path == "/webhook":
        return 403  # only the engine, with its token
    if path == "/metrics":
        return 403  # Prometheus with METRICS_TOKEN, or this machine (the test client is neither): test_operations
    if path == "/telegram/webhook":
        return 404  # Telegram is off here; with a token only Telegram's secret header opens it (test_telegram)
    if path.startswith("/api/conversations/{conversation_id}"):
        return {"anonymous": 401, "other_user": 403}.get(identity, 401)
    if path == "/console":
        return OPEN if identity in ("advisor", "admin") else 303  # partners go to their insights
    if path == "/console/insights":  # the page: log in first; then only admins and partners
        return {"admin": OPEN, "partner": OPEN, "advisor": 403}.get(identity, 303)
    if path.startswith("/console/insights/"):
        return {"admin": OPEN, "partner": OPEN, "advisor": 403}.get(identity, 401)
    if path == "/console/logout":
        return OPEN if identity in ("advisor", "admin", "partner") else 401
    if identity == "partner" and path.startswith("/console/"):
        return 403  # never the queue, transcripts or contact requests
    if path.startswith("/console/api/contact-requests"):
        return {"advisor": 403, "admin": OPEN}.get(identity, 401)
    if path.startswith("/console/api/conversations/") and identity == "advisor":
        return SIGNED_IN
    if path.startswith("/console/"):
        return OPEN if identity in ("advisor", "admin") else 401
    raise AssertionError(f"no access rule for {method} {path}")


@pytest.fixture
def matrix_client(settings: Settings, fake_engine: FakeEngine) -> Iterator[TestClient]:
    secured = settings.model_copy(update={"action_endpoint_token": "engine-secret"})
    app = create_app(secured, engine_transport=httpx.MockTransport(fake_engine.handle))
    with TestClient(app) as client:
        yield client


# Routes kept out of the OpenAPI schema (HTML pages and forms).
HIDDEN_ROUTES = [
    ("GET", "/console"),
    ("GET", "/console/login"),
    ("POST", "/console/login"),
    ("POST", "/console/logout"),
    ("GET", "/console/insights"),
]


def routes(client: TestClient) -> list[tuple[str, str]]:
    """Every route: the OpenAPI schema's plus the hidden pages."""
    schema = client.get("/openapi.json").json()
    found = [(method.upper(), path) for path, item in schema["paths"].items() for method in item]
    return found + HIDDEN_ROUTES


def test_every_route_checks_authentication_and_role(matrix_client: TestClient, settings: Settings) -> None:
    client = matrix_client
    mine = client.post("/api/conversations", json={}).json()
    other = client.post("/api/conversations", json={}).json()
    client.post(f"/api/conversations/{mine['id']}/handoff", headers={"Authorization": f"Bearer {mine['token']}"})
    logins = {
        role: asyncio.run(add_advisor(settings, f"{role}@example.org", AdvisorRole(role)))
        for role in ("advisor", "admin", "partner")
    }
    checked = 0
    for method, path in routes(client):
        if path == "/console/api/events":
            continue  # an endless stream; its login check is the shared dependency checked on every other route
        url = (
            path.replace("{conversation_id}", mine["id"])
            .replace("{checklist_id}", "nope")
            .replace("{language}", "en")
            .replace("{month}", "2026-11")
            .replace("{fmt}", "html")
            .replace("{request_id}", "1")
        )
        for identity in IDENTITIES:
            client.cookies.clear()
            headers: dict[str, str] = {}
            if identity == "other_user":
                headers["Authorization"] = f"Bearer {other['token']}"
            elif identity in logins:
                client.post("/console/login", data={"email": logins[identity], "password": PASSWORD})
                headers["x-csrf-token"] = csrf_token(client)
            body: dict[str, Any] = {"text": "hello"} if method == "POST" else {}
            response = client.request(method, url, json=body or None, headers=headers, follow_redirects=False)
            rule = expected(method, path, identity)
            if rule == OPEN:
                assert response.status_code not in (401, 403), (method, path, identity, response.text)
            elif rule == SIGNED_IN:
                assert response.status_code != 401, (method, path, identity, response.text)
            else:
                assert response.status_code == rule, (method, path, identity, response.status_code, response.text)
            checked += 1
    assert checked >= 5 * 24


def test_sse_stream_needs_a_login(matrix_client: TestClient, conversation: dict[str, Any]) -> None:
    assert matrix_client.get("/console/api/events").status_code == 401
    assert matrix_client.get("/console/api/events", headers=conversation["headers"]).status_code == 401


def test_the_socket_needs_the_conversations_own_token(matrix_client: TestClient) -> None:
    mine = matrix_client.post("/api/conversations", json={}).json()
    other = matrix_client.post("/api/conversations", json={}).json()
    for query in ("", "?token=", f"?token={other['token']}"):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            matrix_client.websocket_connect(f"/ws/conversations/{mine['id']}{query}") as socket,
        ):
            if not query:
                socket.send_json({"type": "auth", "token": other["token"]})
            socket.receive_json()
        assert refused.value.code == 4401, query


def test_partners_get_no_live_events(matrix_client: TestClient, settings: Settings) -> None:
    partner = asyncio.run(add_advisor(settings, "partner-events@example.org", AdvisorRole.PARTNER))
    matrix_client.post("/console/login", data={"email": partner, "password": PASSWORD})
    with matrix_client.stream("GET", "/console/api/events") as response:
        assert response.status_code == 403


def test_an_advisor_cannot_read_another_advisors_conversation(matrix_client: TestClient, settings: Settings) -> None:
    conversation = matrix_client.post("/api/conversations", json={}).json()
    headers = {"Authorization": f"Bearer {conversation['token']}"}
    matrix_client.post(f"/api/conversations/{conversation['id']}/handoff", headers=headers)
    first = asyncio.run(add_advisor(settings, "first-reader@example.org", AdvisorRole.ADVISOR))
    second = asyncio.run(add_advisor(settings, "second-reader@example.org", AdvisorRole.ADVISOR))
    matrix_client.post("/console/login", data={"email": first, "password": PASSWORD})
    url = f"/console/api/conversations/{conversation['id']}"
    assert matrix_client.post(f"{url}/claim", headers={"x-csrf-token": csrf_token(matrix_client)}).status_code == 200
    assert matrix_client.get(url).status_code == 200
    matrix_client.cookies.clear()
    matrix_client.post("/console/login", data={"email": second, "password": PASSWORD})
    assert matrix_client.get(url).status_code == 403
