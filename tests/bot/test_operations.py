"""What an operator runs the service with: Prometheus metrics at /metrics and JSON logs with the conversation id."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from bot.infra.logs import about_conversation, configure_logging
from bot.infra.settings import Settings
from tests.conftest import FakeEngine

METRICS_TOKEN = "metrics-secret-for-tests"


def samples(response: httpx.Response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


@pytest.fixture
def operated(settings: Settings, fake_engine: FakeEngine) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"metrics_token": METRICS_TOKEN})
    app = create_app(settings, engine_transport=httpx.MockTransport(fake_engine.handle))
    with TestClient(app) as test_client:
        yield test_client


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return samples(client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}))


def start(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.post("/api/conversations", json={}).json()
    body["headers"] = {"Authorization": f"Bearer {body['token']}"}
    return body


def test_metrics_count_turns_stages_engine_errors_handoffs_and_the_queue(
    operated: TestClient, fake_engine: FakeEngine
) -> None:
    first, second = start(operated), start(operated)
    for text in ("Hallo", "Wo melde ich mich an?"):
        operated.post(f"/api/conversations/{first['id']}/messages", json={"text": text}, headers=first["headers"])
    fake_engine.up = False
    operated.post(f"/api/conversations/{second['id']}/messages", json={"text": "Hallo"}, headers=second["headers"])
    operated.post(f"/api/conversations/{second['id']}/handoff", json={}, headers=second["headers"])

    found = scrape(operated)
    assert found[("glueckauf_turns_total", (("channel", "web"),))] == 2
    assert found[("glueckauf_engine_errors_total", ())] == 1
    assert found[("glueckauf_handoffs_total", (("reason", "asked"),))] == 1
    assert found[("glueckauf_advisor_queue", ())] == 1
    assert found[("glueckauf_stage_seconds_count", (("stage", "store"),))] == 3
    assert found[("glueckauf_stage_seconds_count", (("stage", "engine"),))] == 3  # the failed call waited too
    assert found[("glueckauf_stage_seconds_count", (("stage", "turn"),))] == 3
    assert found[("glueckauf_stage_seconds_sum", (("stage", "turn"),))] > 0


def test_metrics_need_the_token_when_one_is_set(operated: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer ä".encode()}):
        response = operated.get("/metrics", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "metrics_forbidden"


def test_without_a_token_metrics_answer_this_machine_only(settings: Settings, fake_engine: FakeEngine) -> None:
    app = create_app(settings, engine_transport=httpx.MockTransport(fake_engine.handle))
    with TestClient(app, client=("127.0.0.1", 50000)) as local:
        assert ("glueckauf_advisor_queue", ()) in samples(local.get("/metrics"))
    with TestClient(app, client=("203.0.113.9", 50000)) as remote:
        assert remote.get("/metrics").status_code == 403


def test_a_forwarded_loopback_address_from_an_untrusted_peer_is_not_this_machine(
    settings: Settings, fake_engine: FakeEngine
) -> None:
    app = create_app(settings, engine_transport=httpx.MockTransport(fake_engine.handle))
    with TestClient(app, client=("203.0.113.9", 50000)) as remote:
        assert remote.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(logger.handlers[:], logger.propagate, logger.level) for logger in loggers]
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for logger, (logger_handlers, propagate, logger_level) in zip(loggers, saved, strict=True):
        logger.handlers[:] = logger_handlers
        logger.propagate = propagate
        logger.setLevel(logger_level)


def test_json_log_lines_carry_the_conversation_id(capsys: pytest.CaptureFixture[str], restored_logging: None) -> None:
    configure_logging("INFO", "json")
    log = logging.getLogger("bot.test")
    with about_conversation("c0ffee"):
        log.warning("engine unavailable for %s", "c0ffee")
    log.info("outside any conversation")
    try:
        raise ValueError("broken")
    except ValueError:
        log.exception("with a traceback")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["conversation_id"] == "c0ffee" and lines[0]["level"] == "WARNING"
    assert lines[0]["message"] == "engine unavailable for c0ffee" and lines[0]["logger"] == "bot.test"
    assert "conversation_id" not in lines[1]
    assert "ValueError: broken" in lines[2]["exception"]


def test_json_logs_take_uvicorns_lines_and_strip_query_strings(
    capsys: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    access = logging.getLogger("uvicorn.access")
    access.addHandler(logging.StreamHandler())  # as uvicorn's own config does
    access.setLevel(logging.INFO)
    configure_logging("INFO", "json")
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/ws/conversations/c1?token=SECRET", "1.1", 101
    )
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1  # once, through the JSON handler, not also through uvicorn's own
    entry = json.loads(lines[0])
    assert entry["logger"] == "uvicorn.access" and "SECRET" not in lines[0]


def test_text_logs_are_the_default_and_plain(capsys: pytest.CaptureFixture[str], restored_logging: None) -> None:
    assert Settings().log_format == "text"
    configure_logging("INFO", "text")
    with about_conversation("c0ffee"):
        logging.getLogger("bot.test").warning("engine unavailable")
    line = capsys.readouterr().err.strip()
    assert line.endswith("WARNING bot.test: engine unavailable") and not line.startswith("{")
