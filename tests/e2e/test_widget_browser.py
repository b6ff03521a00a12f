"""The widget in Debian's Chromium on the demo page: answers, Arabic, reload, a service restart, axe-core, origins."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy.engine import make_url

from bot.domain.answering import suggestion_title
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.knowledge.base import load_knowledge
from bot.stack import Stack
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e
ARABIC = re.compile(r"[\u0600-\u06FF]")


def widget(page: Any) -> Any:
    return page.locator("#glueckauf-widget")


def log_texts(page: Any) -> list[str]:
    return [text.strip() for text in widget(page).locator("ol.log li").all_inner_texts()]


def ask(page: Any, text: str) -> None:
    widget(page).locator("textarea").fill(text)
    widget(page).locator("form button").click()


def start_chat(page: Any, stack: Stack, text: str, reply_contains: str = "") -> None:
    """The demo page, the widget opened, `text` sent, and a reply of the bot (containing the text given) shown."""
    page.goto(stack.service_url + "/")
    widget(page).locator("button.launcher").click()
    ask(page, text)
    page.wait_for_function(
        "(part) => [...document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li.bot')]"
        ".some(li => li.textContent.includes(part))",
        arg=reply_contains,
    )


def test_widget_answers_switches_to_arabic_and_keeps_history(stack: Stack, page: Any) -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    start_chat(page, stack, "Hallo", "Fragen Sie mich")
    assert "Hallo" in log_texts(page)
    page.screenshot(path=str(ARTIFACTS / "widget-answer.png"))

    widget(page).locator("select").select_option("ar")
    panel = widget(page).locator("section.panel")
    page.wait_for_function(
        "() => document.querySelector('#glueckauf-widget').shadowRoot.querySelector('.panel').dir === 'rtl'"
    )
    title = widget(page).locator("#title").inner_text()
    assert title == catalog.text("widget_title", "ar") and ARABIC.search(title)
    assert panel.get_attribute("lang") == "ar"
    page.screenshot(path=str(ARTIFACTS / "widget-arabic.png"))

    page.reload()
    widget(page).locator("button.launcher").click()
    page.wait_for_function(
        "() => document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li.user').length >= 1"
    )
    assert log_texts(page).count("Hallo") == 1  # history after reload, not shown twice


def test_knowledge_answer_can_be_rated_and_the_rating_reaches_insights(stack: Stack, page: Any) -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    page.goto(stack.service_url + "/")
    widget(page).locator("button.launcher").click()
    ask(page, "Was ist das beschleunigte Fachkräfteverfahren?")
    helpful = widget(page).locator(".quick button", has_text=catalog.text("feedback_not_helpful", "de"))
    helpful.wait_for()
    helpful.click()
    page.wait_for_function(
        "() => document.querySelector('#glueckauf-widget').shadowRoot.querySelector('.status').textContent"
        f" === {catalog.text('feedback_thanks', 'de')!r}"
    )
    with sqlite3.connect(str(make_url(stack.settings.database_url).database)) as db:
        ratings = db.execute("SELECT entry_id, rating FROM insight_events WHERE kind = 'feedback'").fetchall()
    assert ratings == [("accelerated-skilled-worker-procedure", -1)]


def test_a_suggested_topic_is_a_chip_whose_click_answers_it(stack: Stack, page: Any) -> None:
    """The demo page is an employer's: "a permit for foreign staff" could be the hiring steps or the Federal
    Employment Agency's approval, so both are offered as chips."""
    kb, _ = load_knowledge(Settings().knowledge_dir)
    card = kb.entries["employment-approval"]
    page.goto(stack.service_url + "/")
    widget(page).locator("button.launcher").click()
    ask(page, "Genehmigung für ausländische Mitarbeiter?")
    title = suggestion_title(card, "de")  # the entry's first question, shortened for a button
    suggestion = widget(page).locator(".quick button", has_text=title)
    suggestion.wait_for()
    suggestion.click()
    first_sentence = card.answer["de"].text.split(". ")[0]
    page.wait_for_function(
        "(text) => [...document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li.bot')]"
        ".some(li => li.textContent.includes(text))",
        arg=first_sentence,
    )
    assert title in log_texts(page)  # the chosen title stands as the user's message


def test_employers_find_the_checklist_beside_the_chat_and_in_the_answer(stack: Stack, page: Any) -> None:
    """The demo page is an employer's: the greeting says what the bot does for employers, the "digital folder" is a
    link beside the chat, and asking for the steps answers with its addresses."""
    page.goto(stack.service_url + "/")
    widget(page).locator("button.launcher").click()
    assert log_texts(page)[0] == catalog_for(Settings().knowledge_dir / "ui").text("greeting_employer", "de")
    link = widget(page).locator("a.chip", has_text="Checkliste für Arbeitgeber")
    link.wait_for()
    assert link.get_attribute("target") == "_blank"
    assert page.request.get(link.get_attribute("href")).status == 200
    ask(page, "Was müssen wir tun, um eine Fachkraft aus dem Ausland einzustellen?")
    page.wait_for_function(
        "() => [...document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li.bot')]"
        ".some(li => li.textContent.includes('/checklists/hiring-from-third-country.pdf?language=de'))"
    )


def test_message_written_during_a_service_restart_arrives_once(stack: Stack, page: Any) -> None:
    page.goto(stack.service_url + "/")
    widget(page).locator("button.launcher").click()
    ask(page, "Hallo")
    page.wait_for_function(
        "() => document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li.bot').length >= 2"
    )
    stack.stop_process("service")
    try:
        ask(page, "Vielen Dank")
    finally:
        stack.start_service()
        stack.wait_ready(timeout=120)
    page.wait_for_function(
        "() => [...document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li.bot')]"
        ".some(li => li.textContent.includes('Gern geschehen'))",
        timeout=60_000,
    )
    assert log_texts(page).count("Vielen Dank") == 1
    page.screenshot(path=str(ARTIFACTS / "widget-after-restart.png"))


def test_no_serious_accessibility_violations(stack: Stack, page: Any) -> None:
    page.goto(stack.service_url + "/")
    widget(page).locator("button.launcher").click()
    page.keyboard.press("Tab")  # keyboard reaches the widget's controls
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious]


@pytest.fixture
def foreign_site(tmp_path: Path, stack: Stack) -> Iterator[str]:
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html lang="en"><title>Other site</title><body><h1>Other site</h1>'
        f'<script src="{stack.service_url}/widget.js"></script></body></html>'
    )

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def test_a_foreign_origin_is_refused(stack: Stack, page: Any, foreign_site: str) -> None:
    page.goto(foreign_site)
    outcome = page.evaluate(
        """async (base) => {
            let api;
            try { await fetch(base + '/api/conversations', {method: 'POST', headers: {'content-type':
                  'application/json'}, body: '{}'}); api = 'allowed'; } catch (e) { api = 'blocked'; }
            const socket = await new Promise((resolve) => {
                const ws = new WebSocket(base.replace('http', 'ws') + '/ws/conversations/x?token=y');
                ws.onopen = () => resolve('open');
                ws.onclose = () => resolve('closed');
            });
            return {api, socket};
        }""",
        stack.service_url,
    )
    assert outcome == {"api": "blocked", "socket": "closed"}


def test_help_without_a_topic_shows_the_employer_topics_and_one_person_chip(stack: Stack, page: Any) -> None:
    """The demo page is an employer's: "I need help" offers the employer topics of knowledge/i18n/menu.yml as chips,
    and "talk to a person" once (the bot's button and the widget's own used to stand side by side)."""
    settings = Settings()
    kb, _ = load_knowledge(settings.knowledge_dir)
    person = catalog_for(settings.knowledge_dir / "ui").text("button_human", "de")
    page.goto(stack.service_url + "/")
    widget(page).locator("button.launcher").click()
    ask(page, "Ich brauche Hilfe")
    first = widget(page).locator(".quick button", has_text=kb.entries[kb.menu.employer[0]].questions["de"][0][:30])
    first.wait_for()
    chips = [text.strip() for text in widget(page).locator(".quick button").all_inner_texts()]
    assert len(chips) == len(kb.menu.employer) + 1, chips
    assert chips.count(person) == 1


def test_the_page_language_gives_way_to_the_language_the_user_writes(stack: Stack, page: Any) -> None:
    """The demo page says data-language="de": a hint. Someone writing English gets English, and the panel follows."""
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    page.goto(stack.service_url + "/")
    widget(page).locator("button.launcher").click()
    assert widget(page).locator("section.panel").get_attribute("lang") == "de"
    ask(page, "Where do I register my address in Bochum?")
    page.wait_for_function(
        "() => document.querySelector('#glueckauf-widget').shadowRoot.querySelector('.panel').lang === 'en'"
    )
    assert widget(page).locator("#title").inner_text() == catalog.text("widget_title", "en")
    assert widget(page).locator("select").input_value() == "en"
    assert widget(page).locator("ol.log li.bot[lang=en]").count() >= 1

    widget(page).locator("select").select_option("de")  # the user's own choice sticks from now on
    ask(page, "How long does it take?")
    page.wait_for_function(
        "() => [...document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li.bot')]"
        ".slice(-1)[0].lang === 'de'"
    )
    assert widget(page).locator("section.panel").get_attribute("lang") == "de"


def test_delete_my_data_erases_the_conversation_and_the_page_forgets_it(stack: Stack, page: Any) -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    start_chat(page, stack, "Hallo")
    # A bot line on the page does not prove the widget has stored the conversation yet (this read once failed in CI).
    saved = "Object.entries(localStorage).find(([k]) => k.startsWith('glueckauf'))"
    page.wait_for_function(f"() => {{ const found = {saved}; return found && JSON.parse(found[1]).token; }}")
    stored = page.evaluate(f"() => JSON.parse({saved}[1])")
    assert stored["id"] and stored["token"]
    page.once("dialog", lambda dialog: dialog.accept())
    widget(page).locator("button.erase").click()
    widget(page).locator(".status").get_by_text(catalog.text("widget_data_deleted", "de")).wait_for()
    assert log_texts(page) == []
    gone = httpx.get(
        f"{stack.service_url}/api/conversations/{stored['id']}/messages",
        headers={"Authorization": f"Bearer {stored['token']}"},
    )
    assert gone.status_code == 404
    privacy = widget(page).locator("a.privacy")
    assert privacy.inner_text() == catalog.text("widget_privacy", "de")
    assert httpx.get(privacy.get_attribute("href")).status_code == 200
