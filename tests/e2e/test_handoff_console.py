"""A user asks for a person; an advisor claims, replies and hands back in the console in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from bot.stack import Stack
from tests.e2e.conftest import ARTIFACTS, User, add_advisor, log_in

pytestmark = pytest.mark.e2e


def test_advisor_takes_over_and_hands_back(stack: Stack, browser: Any) -> None:
    add_advisor(stack, "mira@example.org")
    user = User(stack)
    offer = user.say("I want to talk to a real person")
    assert offer["replies"][-1]["data"]["buttons"][0]["payload"] == "/affirm"
    queued = user.say("/affirm")
    assert queued["state"] == "pending" and "position 1" in queued["replies"][-1]["text"]

    page = log_in(browser, stack, "/console", "mira@example.org")
    page.click(f"#waiting button[data-id='{user.id}']")
    page.click("#claim")
    page.wait_for_selector("#reply-form:not([hidden])")
    page.fill("#reply", "Hello, I am Mira from the advice team.")
    page.click("#send-reply")
    page.wait_for_selector("text=Hello, I am Mira from the advice team.")
    page.screenshot(path=str(ARTIFACTS / "console-claimed.png"), full_page=True)

    messages = user.wait_for(lambda m: m["text"] == "Hello, I am Mira from the advice team.")
    assert any("Mira from the advice team is here" in m["text"] for m in messages)

    user.say("Thanks!")  # goes to the advisor, not the engine
    page.wait_for_selector("#transcript li.user >> text=Thanks!")
    page.fill("#summary", "Explained where to get advice on the Blue Card")
    page.click("#handback-form button")
    user.wait_for(lambda m: "the bot answers again" in m["text"])
    page.close()

    greeting = user.say("hello")
    assert greeting["replies"] and greeting["replies"][0]["sender"] == "bot"
    assert "Glück auf!" in greeting["replies"][0]["text"]


def test_an_admin_opens_a_contact_request_and_marks_it_done(stack: Stack, browser: Any) -> None:
    add_advisor(stack, "lead@example.org", role="admin")
    user = User(stack)
    user.say("Where do I register my flat in Witten?")
    left = user.http.post(
        f"/api/conversations/{user.id}/contact-request",
        json={"contact": "olena@example.com", "consent": True},
        headers=user.headers,
    )
    assert left.status_code == 201

    page = log_in(browser, stack, "/console", "lead@example.org")
    request = page.locator("#contact-requests li", has_text="olena@example.com")
    request.get_by_role("button", name="Open conversation").click()
    page.wait_for_selector("#transcript li.user >> text=Where do I register my flat in Witten?")
    request.get_by_role("button", name="Mark as done").click()
    page.wait_for_selector("#contact-requests li.handled:has-text('olena@example.com')")
    assert request.get_by_role("button", name="Mark as done").count() == 0
    page.screenshot(path=str(ARTIFACTS / "console-contact-request.png"), full_page=True)
    page.close()
