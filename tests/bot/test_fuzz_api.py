"""The OpenAPI schema states what the service really answers: schemathesis generates requests for every operation
(valid and invalid), sends them to the running service over HTTP and runs all its checks — no server error, every
status, content type, header and body as the schema declares, invalid data refused, 405 with `Allow`.

Chat operations get a fresh conversation and its token per case, so the generated bodies reach the handlers instead
of stopping at "unknown conversation"; the console's operations are fuzzed without a login (what a stranger sees).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from bot.app import create_app
from bot.infra.db import upgrade_database
from bot.infra.settings import Settings
from bot.stack import free_port
from tests.conftest import FakeEngine

CASES_PER_OPERATION = 60  # up to; operations without parameters have fewer distinct cases
MINIMUM_CASES = 1000
sent: list[str] = []


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The service on a free port (its own thread and event loop), the engine faked at the HTTP boundary."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}"
    upgrade_database(url)
    configured = Settings(
        database_url=url,
        engine_url="http://engine.test",
        secret_key="fuzz-secret",
        office_hours="mon-sun 00:00-24:00",
        conversations_per_hour=1_000_000,  # every case starts a conversation; the limits have tests of their own
        messages_per_minute=1_000_000,
        advisor_requests_per_hour=1_000_000,
        feedback_per_hour=1_000_000,
    )
    app = create_app(configured, engine_transport=httpx.MockTransport(FakeEngine().handle))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(timeout=30)
    print(f"\nschemathesis sent {len(sent)} generated requests")


# Invalid data must be refused; a body above MAX_BODY_BYTES is refused before it is parsed, with 413 (a text at
# its maximum length can exceed the byte limit once every character is JSON-escaped).
REJECTIONS = [*SchemathesisConfig().projects.default.checks.negative_data_rejection.expected_statuses, "413"]
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}})
# The schema as the app publishes it at /openapi.json (building the app reads no database and starts nothing).
schema = schemathesis.openapi.from_dict(create_app(Settings(secret_key="fuzz-secret")).openapi(), config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: a failure in CI is one you can reproduce
)
def test_every_operation_answers_as_its_schema_says(case: Any, service: tuple[str, Any]) -> None:
    base_url, _ = service
    headers: dict[str, str] = {}
    if case.path.startswith("/api/conversations/{conversation_id}"):
        started = requests.post(f"{base_url}/api/conversations", json={}, timeout=30).json()
        case.path_parameters = {**(case.path_parameters or {}), "conversation_id": started["id"]}
        headers["Authorization"] = f"Bearer {started['token']}"
    sent.append(f"{case.method} {case.path}")
    case.call_and_validate(base_url=base_url, headers=headers or None)


def test_the_fuzzing_run_was_large(request: pytest.FixtureRequest) -> None:
    """Runs after the operations above (same module): at least MINIMUM_CASES requests were generated and sent."""
    if not sent:
        pytest.skip("the fuzzing test was not selected in this run")
    assert len(sent) >= MINIMUM_CASES
