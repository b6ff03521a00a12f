"""The real stack from this checkout: Rasa engine (.venv-engine) and service, on free ports, own database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.infra.settings import PROJECT_ROOT, Settings
from bot.stack import Stack, free_port
from tests.fakes.libretranslate import FakeLibreTranslate

PASSWORD = "a long advisor password"  # of the advisors the tests create through the CLI

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def translator() -> Iterator[FakeLibreTranslate]:
    """The stack's machine translator: a local fake with LibreTranslate's API, never a cloud service."""
    fake = FakeLibreTranslate()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, translator: FakeLibreTranslate) -> Iterator[Stack]:
    model = PROJECT_ROOT / "models" / "current.tar.gz"
    if not model.exists():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    root: Path = tmp_path_factory.mktemp("stack")
    service_port, engine_port = free_port(), free_port()
    settings = Settings(
        widget_allowed_origins=f"http://127.0.0.1:{service_port}",
        database_url=f"sqlite:///{root / 'e2e.db'}",
        engine_retry_interval_seconds=1,
        office_hours="mon-sun 00:00-24:00",
        secret_key="e2e-secret",
        conversations_per_hour=100_000,  # every test starts conversations from 127.0.0.1
        translate_url=translator.url,
    )
    running = Stack(settings, service_port=service_port, engine_port=engine_port, log_dir=root / "log")
    running.start()
    try:
        running.wait_ready(timeout=240)
        yield running
    finally:
        running.stop()


ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a browser context of its own (its own storage: a new visitor)."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download); `make test` installs it when missing."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def chat(stack: Stack, text: str, conversation: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    with httpx.Client(base_url=stack.service_url, timeout=60) as http:
        if conversation is None:
            conversation = http.post("/api/conversations", json={}).json()
        response = http.post(
            f"/api/conversations/{conversation['id']}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {conversation['token']}"},
        )
        assert response.status_code == 200, response.text
        return conversation, response.json()


def ask(stack: Stack, text: str, start: dict[str, Any]) -> dict[str, Any]:
    with httpx.Client(base_url=stack.service_url, timeout=60) as http:
        conversation = http.post("/api/conversations", json=start).json()
        response = http.post(
            f"/api/conversations/{conversation['id']}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {conversation['token']}"},
        )
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def add_advisor(stack: Stack, email: str, role: str = "advisor") -> None:
    """Through the CLI, as an administrator would."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "advisor",
            "add",
            "--email",
            email,
            "--name",
            "Mira",
            "--languages",
            "en,de",
            "--role",
            role,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": stack.settings.database_url},
    )
    assert result.returncode == 0, result.stderr
    assert "created" in result.stdout


def log_in(browser: Any, stack: Stack, path: str, email: str) -> Any:
    """Opens `path`, is sent to the login form, logs in and lands on `path` again."""
    page = browser.new_page()
    page.goto(f"{stack.service_url}{path}")
    assert page.url.endswith("/console/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{stack.service_url}{path}")
    return page


class User:
    def __init__(self, stack: Stack) -> None:
        self.http = httpx.Client(base_url=stack.service_url, timeout=60)
        body = self.http.post("/api/conversations", json={"language": "en"}).json()
        self.id, self.headers = body["id"], {"Authorization": f"Bearer {body['token']}"}
        self.seen = 0

    def say(self, text: str) -> dict[str, Any]:
        response = self.http.post(f"/api/conversations/{self.id}/messages", json={"text": text}, headers=self.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        self.seen = max([self.seen, body["message"]["id"], *(r["id"] for r in body["replies"])])
        return body

    def wait_for(self, predicate: Any, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.http.get(f"/api/conversations/{self.id}/messages", headers=self.headers).json()["messages"]
            if any(predicate(m) for m in messages):
                return list(messages)
            time.sleep(0.3)
        raise AssertionError("expected message did not arrive")
