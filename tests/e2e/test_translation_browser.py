"""An Arabic-speaking user and a German-speaking advisor, in Chromium: the advisor reads the user's words in
machine translation under the original and replies in German; the user's widget shows the Arabic translation with
the German original below it. The translator is a local fake with LibreTranslate's API."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.stack import Stack
from tests.e2e.conftest import ARTIFACTS, add_advisor, log_in
from tests.fakes.libretranslate import FakeLibreTranslate, fake_translation

pytestmark = pytest.mark.e2e

QUESTION = "أريد التحدث مع موظف من فريق الاستشارة من فضلك"
REPLY = "Guten Tag, ich bin Mira. Ich helfe Ihnen gern."
REPLY_IN_ARABIC = "مرحبًا، أنا ميرا. يسعدني أن أساعدك."


def shadow_texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator("#glueckauf-widget").locator(selector).all_inner_texts()]


def test_a_german_advisor_and_an_arabic_user_understand_each_other(
    stack: Stack, browser: Any, page: Any, translator: FakeLibreTranslate
) -> None:
    catalog = catalog_for(Settings().knowledge_dir / "ui")
    translator.phrases[(REPLY, "de", "ar")] = REPLY_IN_ARABIC
    widget = page.locator("#glueckauf-widget")
    page.goto(stack.service_url + "/")
    widget.locator("button.launcher").click()
    widget.locator("select").select_option("ar")
    widget.locator("textarea").fill(QUESTION)
    widget.locator("form button").click()
    yes = widget.locator(".quick button", has_text=catalog.text("button_yes", "ar"))
    yes.wait_for()
    yes.click()
    page.wait_for_function(
        "() => document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li.bot').length >= 2"
    )

    add_advisor(stack, "mira.de@example.org")  # reads English and German
    console = log_in(browser, stack, "/console?lang=de", "mira.de@example.org")
    assert not console.is_checked("#only-my-languages")  # with translation, conversations in every language
    waiting = console.locator("#waiting button", has_text=QUESTION)
    waiting.click()
    console.click("#claim")
    console.wait_for_selector("#reply-form:not([hidden])")
    user_item = console.locator("#transcript li.user", has_text=QUESTION)
    original = user_item.locator(".original")
    assert original.inner_text() == QUESTION and original.get_attribute("lang") == "ar"  # the original stays
    translated = user_item.locator(".translation")
    assert fake_translation(QUESTION, "ar", "de") in translated.inner_text()
    assert "Maschinelle Übersetzung (ar → de)" in translated.inner_text()

    console.fill("#reply", REPLY)
    console.click("#translate")
    console.wait_for_function("() => document.querySelector('#reply-translation').value.length > 0")
    assert console.input_value("#reply-translation") == REPLY_IN_ARABIC  # reviewed before it goes out
    console.click("#send-reply")
    console.wait_for_selector(f"#transcript li.advisor >> text={REPLY_IN_ARABIC}")
    console.screenshot(path=str(ARTIFACTS / "console-translation.png"), full_page=True)
    console.close()

    page.wait_for_function(
        "(text) => [...document.querySelector('#glueckauf-widget').shadowRoot.querySelectorAll('li')]"
        ".some(li => li.textContent.includes(text))",
        arg=REPLY_IN_ARABIC,
    )
    received = next(text for text in shadow_texts(page, "ol.log li") if REPLY_IN_ARABIC in text)
    marker = catalog.text("machine_translation_original", "ar", language_name="Deutsch")
    assert re.search(re.escape(REPLY_IN_ARABIC) + r"\s+— " + re.escape(marker) + r"\s+" + re.escape(REPLY), received)
    page.screenshot(path=str(ARTIFACTS / "widget-translated-reply.png"))
