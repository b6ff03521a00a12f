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
        User(stack).say("Wo melde ich mich in Witten an?")
    for question in (  # not covered by the knowledge base: one group for the editors
        "Wo bekomme ich einen Angelschein?",
        "Angelschein beantragen, wie?",
        "Wie bekomme ich einen Angelschein in Bochum?",
        "Wo kann man einen Angelschein machen?",
        "Angelschein – wer stellt den aus?",
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
    assert "registration · witten" in page.inner_text("#chart-topics_by_city")
    clusters = page.inner_text(".clusters")
    assert "5×" in clusters and "Angelschein" in clusters
    page.screenshot(path=str(ARTIFACTS / "insights-dashboard.png"), full_page=True)
    page.close()
