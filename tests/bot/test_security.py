"""Secrets stay secret and partners' files stay harmless: any text in a secret header is a clean 403, the engine's
token travels in a header, no access log line carries a query string, CSV cells cannot become formulas."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection

from bot.app import create_app
from bot.console.auth import LoginThrottle, TooManyAttempts
from bot.domain.models import AdvisorRole
from bot.infra.security import (
    NoQueryStrings,
    client_address,
    keep_secrets_out_of_logs,
    same_secret,
    spreadsheet_safe,
)
from bot.infra.settings import PROJECT_ROOT, Settings
from bot.insights import figures
from bot.insights.dashboard import Insights, as_csv
from bot.insights.figures import Filters
from tests.conftest import FakeEngine
from tests.factories import PASSWORD, add_advisor


def test_secrets_compare_any_text_without_raising() -> None:
    assert same_secret("geheim", "geheim")
    assert not same_secret("gehéim", "geheim")
    assert not same_secret("ä", "a")
    assert not same_secret(None, "geheim")


def test_a_non_ascii_csrf_token_is_refused_not_a_server_error(client: TestClient, settings: Settings) -> None:
    email = asyncio.run(add_advisor(settings, "umlaut@example.org", AdvisorRole.ADVISOR))
    client.post("/console/login", data={"email": email, "password": PASSWORD})
    response = client.post("/console/api/conversations/nope/claim", headers={"x-csrf-token": "ä".encode()})
    assert response.status_code == 403


def test_the_engine_token_is_a_bearer_header_not_a_query_parameter(client: TestClient, settings: Settings) -> None:
    secured = settings.model_copy(update={"action_endpoint_token": "engine-secret"})
    client.app.state.settings = secured  # type: ignore[attr-defined]
    call = {"next_action": "action_listen", "tracker": {}, "domain": {}}
    assert client.post("/webhook", params={"token": "engine-secret"}, json=call).status_code == 403
    assert client.post("/webhook", headers={"authorization": "Bearer wrong"}, json=call).status_code == 403
    umlaut = {"authorization": "Bearer ä".encode()}
    assert client.post("/webhook", headers=umlaut, json=call).status_code == 403
    allowed = client.post("/webhook", headers={"authorization": "Bearer engine-secret"}, json=call)
    assert allowed.status_code != 403


def test_access_log_lines_lose_their_query_string() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/webhook?token=engine-secret", "1.1", 200),
        None,
    )
    NoQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "POST /webhook HTTP/1.1" 200'


def test_request_urls_with_the_bot_token_are_not_logged_at_info() -> None:
    keep_secrets_out_of_logs()
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert any(isinstance(f, NoQueryStrings) for f in logging.getLogger("uvicorn.access").filters)


def test_spreadsheet_cells_that_would_be_formulas_become_text() -> None:
    for dangerous in ('=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(dangerous) == "'" + dangerous
    assert spreadsheet_safe("Wo melde ich mich an?") == "Wo melde ich mich an?"
    assert spreadsheet_safe(-3) == -3


def test_the_partners_csv_neutralises_an_example_question() -> None:
    empty = figures.Suppressed(rows=[], hidden=0)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    insights = Insights(
        filters=Filters(start=start, end=datetime(2026, 12, 1, tzinfo=UTC)),
        totals=None,
        topics_by_city=empty,
        unanswered_by_topic=empty,
        handoff_reasons=empty,
        handoff_outcomes=empty,
        translated_handoffs=empty,
        waiting={},
        languages_over_time=empty,
        thumbs_down=empty,
        barriers={},
        clusters=[{"example": '=HYPERLINK("http://evil.example","Klick")', "languages": ["de"], "questions": 7}],
        hidden_clusters=0,
        stale_entries=[],
    )
    rows = list(csv.reader(io.StringIO(as_csv(insights))))
    cluster = next(row for row in rows if row[0] == "unanswered_clusters")
    assert cluster[1] == '\'=HYPERLINK("http://evil.example","Klick")'


async def test_a_stranger_guessing_passwords_does_not_lock_the_advisor_out() -> None:
    throttle = LoginThrottle(5)
    for _ in range(5):
        await throttle.failed("203.0.113.9", "advisor@example.org")
    with pytest.raises(TooManyAttempts):
        await throttle.check("203.0.113.9", "advisor@example.org")  # the guesser is stopped
    await throttle.check("198.51.100.7", "advisor@example.org")  # the advisor, from her office, is not


async def test_one_address_trying_many_e_mails_is_stopped_too() -> None:
    throttle = LoginThrottle(5)
    for number in range(5 * LoginThrottle.ADDRESS_FACTOR):
        await throttle.failed("203.0.113.9", f"guess{number}@example.org")
    with pytest.raises(TooManyAttempts):
        await throttle.check("203.0.113.9", "someone-else@example.org")


@pytest.fixture
def limited_client(settings: Settings, fake_engine: FakeEngine) -> Iterator[TestClient]:
    limited = settings.model_copy(
        update={"conversations_per_hour": 3, "advisor_requests_per_hour": 2, "trusted_proxies": "10.9.9.9"}
    )
    with TestClient(create_app(limited, engine_transport=httpx.MockTransport(fake_engine.handle))) as client:
        yield client


def test_one_address_cannot_start_conversations_without_end(limited_client: TestClient) -> None:
    statuses = [limited_client.post("/api/conversations", json={"language": "tr"}).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    refused = limited_client.post("/api/conversations", json={})
    assert refused.json()["error"]["code"] == "too_many_requests"


def test_the_advisor_queue_cannot_be_flooded_from_one_address(limited_client: TestClient) -> None:
    started = [limited_client.post("/api/conversations", json={}).json() for _ in range(3)]
    statuses = [
        limited_client.post(
            f"/api/conversations/{c['id']}/handoff", headers={"authorization": f"Bearer {c['token']}"}
        ).status_code
        for c in started
    ]
    assert statuses == [200, 200, 429]


def _connection(peer: str, forwarded: str | None = None) -> HTTPConnection:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return HTTPConnection({"type": "http", "client": (peer, 5000), "headers": headers})


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    proxies = Settings(trusted_proxies="10.0.0.5, 172.16.0.0/12").proxy_networks()
    assert client_address(_connection("203.0.113.9", "1.2.3.4"), proxies) == "203.0.113.9"  # forged: ignored
    assert client_address(_connection("10.0.0.5", "198.51.100.7"), proxies) == "198.51.100.7"
    # The client wrote its own X-Forwarded-For; our proxies appended the address they saw: that one counts.
    assert client_address(_connection("10.0.0.5", "1.2.3.4, 198.51.100.7, 172.16.3.4"), proxies) == "198.51.100.7"
    assert client_address(_connection("10.0.0.5"), proxies) == "10.0.0.5"


SAFE_PRODUCTION = {
    "environment": "production",
    "action_endpoint_token": "engine-secret",
    "widget_allowed_origins": "https://www.muster-gmbh.de",
    "secret_key": "a-long-random-secret",
    "public_url": "https://bot.example.org",
}


@pytest.mark.parametrize(
    ("unsafe", "named"),
    [
        ({"action_endpoint_token": ""}, "ACTION_ENDPOINT_TOKEN"),
        ({"widget_allowed_origins": "*"}, "WIDGET_ALLOWED_ORIGINS"),
        ({"secret_key": ""}, "SECRET_KEY"),
        ({"public_url": "http://bot.example.org"}, "PUBLIC_URL"),
    ],
)
def test_production_mode_names_each_setting_that_fails_open(unsafe: dict[str, str], named: str) -> None:
    assert Settings(**SAFE_PRODUCTION).production_problems() == []
    (problem,) = Settings(**{**SAFE_PRODUCTION, **unsafe}).production_problems()
    assert problem.startswith(named) and "\n" not in problem
    assert Settings(**{**SAFE_PRODUCTION, **unsafe, "environment": "development"}).production_problems() == []


@pytest.mark.parametrize(
    "command", [["-m", "bot", "run"], ["-c", "from bot.app import app_from_environment as a; a()"]]
)
def test_the_service_and_the_runner_refuse_to_start_in_production_with_defaults(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        env={"ENVIRONMENT": "production", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "refusing to start in production mode" in result.stderr
    assert "WIDGET_ALLOWED_ORIGINS is *" in result.stderr and "SECRET_KEY is empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_in_production_a_socket_without_origin_is_refused() -> None:
    production = Settings(**SAFE_PRODUCTION)
    assert not production.origin_allowed(None)
    assert production.origin_allowed("https://www.muster-gmbh.de")
    assert Settings().origin_allowed(None)  # curl and tests, locally


def test_logout_ends_the_session_on_the_server_too(client: TestClient, settings: Settings) -> None:
    email = asyncio.run(add_advisor(settings, "leaving@example.org", AdvisorRole.ADVISOR))
    client.post("/console/login", data={"email": email, "password": PASSWORD})
    cookie = client.cookies.get("glueckauf_console")
    assert cookie and client.get("/console/api/queue").status_code == 200
    page = client.get("/console").text
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    assert client.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set("glueckauf_console", cookie)  # a copy of the cookie, kept by somebody
    assert client.get("/console/api/queue").status_code == 401


def test_console_pages_forbid_inline_script_and_say_so(client: TestClient, settings: Settings) -> None:
    email = asyncio.run(add_advisor(settings, "csp@example.org", AdvisorRole.ADMIN))
    client.post("/console/login", data={"email": email, "password": PASSWORD})
    for path in ("/console", "/console/insights", "/console/login", "/privacy"):
        response = client.get(path)
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert "<script>" not in response.text, path
    assert client.get("/health").headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in client.get("/health").headers  # http locally; https sets HSTS


def test_a_trusted_proxy_that_is_no_address_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match=r"TRUSTED_PROXIES: 'proxy\.local' is no IP address"):
        Settings(trusted_proxies="10.0.0.5, proxy.local")
