"""Real conversations through the whole stack become insights; an admin opens the dashboard in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from bot.stack import Stack
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_handoff_console import PASSWORD, User, add_advisor

pytestmark = pytest.mark.e2e


def test_admin_sees_answered_topics_and_unanswered_clusters(stack: Stack, browser: Any) -> None:
    for _ in range(5):
        User(stack).say("Wo melde ich meine Wohnung in Bochum an?")
    for question in (
        "Wie melde ich meinen Hund für die Hundesteuer an?",
        "How do I register my dog for the dog tax?",
        "Hundesteuer anmelden, wo geht das?",
        "Where do I pay dog tax for my dog?",
        "Hund anmelden Steuer",
    ):
        User(stack).say(question)
    add_advisor(stack, "lea@example.org", role="admin")

    page = browser.new_page()
    page.goto(f"{stack.service_url}/console/insights")
    assert page.url.endswith("/console/login")
    page.fill("#email", "lea@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{stack.service_url}/console/insights")
    page.wait_for_selector("#chart-topics_by_city svg")
    assert "registration · bochum" in page.inner_text("#chart-topics_by_city")
    clusters = page.inner_text(".clusters")
    assert "5×" in clusters and ("Hund" in clusters or "dog" in clusters)
    page.screenshot(path=str(ARTIFACTS / "insights-dashboard.png"), full_page=True)
    page.close()
