"""Real conversations through the whole stack become insights; an admin opens the dashboard in Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.stack import Stack
from tests.e2e.conftest import ARTIFACTS, User, add_advisor, log_in

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
        "Was kostet ein Angelschein?",
        "Angelschein Prüfung anmelden?",
    ):  # seven, so that one the intent classifier routes elsewhere (e.g. to "talk to a person") does not matter
        User(stack).say(question)
    add_advisor(stack, "lea@example.org", role="admin")

    page = log_in(browser, stack, "/console/insights", "lea@example.org")
    page.wait_for_selector("#chart-topics_by_city svg")
    assert "Registration · Witten" in page.inner_text("#chart-topics_by_city")  # the topic's title, not its id
    clusters = page.inner_text(".clusters")
    sizes = [int(n) for n in re.findall(r"(\d+)×", clusters)]
    assert sizes and max(sizes) >= 5 and "Angelschein" in clusters, clusters
    page.screenshot(path=str(ARTIFACTS / "insights-dashboard.png"), full_page=True)
    page.close()
