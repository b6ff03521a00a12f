"""Erasure and secrets against the real stack: the engine's tracker is emptied with the conversation, and neither the
engine's token nor a conversation's token appears in any log line, also when a client put it in a URL."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.sync.client import connect

from bot.stack import Stack

pytestmark = pytest.mark.e2e


def _start(http: httpx.Client) -> tuple[str, str, dict[str, str]]:
    conversation = http.post("/api/conversations", json={"language": "de"}).json()
    return conversation["id"], conversation["token"], {"Authorization": f"Bearer {conversation['token']}"}


def test_erasure_empties_the_engines_tracker(stack: Stack) -> None:
    with httpx.Client(base_url=stack.service_url, timeout=60) as http:
        conversation_id, _, headers = _start(http)
        assert http.post(f"/api/conversations/{conversation_id}/messages", json={"text": "Hallo"}, headers=headers)
        tracker = httpx.get(f"{stack.engine_url}/conversations/{conversation_id}/tracker", timeout=30).json()
        assert any(event.get("event") == "user" for event in tracker["events"])

        assert http.delete(f"/api/conversations/{conversation_id}/data", headers=headers).status_code == 204

        tracker = httpx.get(f"{stack.engine_url}/conversations/{conversation_id}/tracker", timeout=30).json()
        assert not [event for event in tracker["events"] if event.get("event") == "user"]
        assert http.get(f"/api/conversations/{conversation_id}/messages", headers=headers).status_code == 404


def test_no_token_reaches_a_log_file(stack: Stack) -> None:
    socket_url = stack.service_url.replace("http", "ws")
    with httpx.Client(base_url=stack.service_url, timeout=60) as http:
        conversation_id, token, headers = _start(http)
        http.post(f"/api/conversations/{conversation_id}/messages", json={"text": "Hallo"}, headers=headers)
        # An old page puts the token in the URL; the widget sends it in the first frame.
        for url, first in (
            (f"{socket_url}/ws/conversations/{conversation_id}?token={token}", None),
            (f"{socket_url}/ws/conversations/{conversation_id}", {"type": "auth", "token": token}),
        ):
            with connect(url, origin=stack.service_url) as socket:
                if first:
                    socket.send(json.dumps(first))
                socket.send(json.dumps({"type": "message", "id": url[-6:], "text": "Danke"}))
                while json.loads(socket.recv(timeout=30))["type"] != "ack":
                    pass
        http.get(f"/api/conversations/{conversation_id}/messages", params={"token": token})  # a client's mistake
    logs = {path.name: path.read_text(errors="replace") for path in stack.log_dir.glob("*.log")}
    assert logs and "POST /webhook" in logs["service.log"]  # the engine did call the actions: the log is written
    for name, text in logs.items():
        assert stack.action_token not in text, name
        assert token not in text, name
