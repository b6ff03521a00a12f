"""The real stack from this checkout: Rasa engine (.venv-engine) and service, on free ports, own database."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT, Settings
from bot.stack import Stack

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
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
    )
    running = Stack(settings, service_port=service_port, engine_port=engine_port, log_dir=root / "log")
    running.start()
    try:
        running.wait_ready(timeout=240)
        yield running
    finally:
        running.stop()


ARTIFACTS = PROJECT_ROOT / "test-artifacts"


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
