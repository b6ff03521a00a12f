"""Machine translation between advisors and users: the LibreTranslate adapter against a local fake with the real
API format, and the console's translated transcript, reviewed replies, inserted knowledge answers and failures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.domain.models import AdvisorRole, InsightEvent, InsightKind, MessageTranslation
from bot.infra.db import create_database_engine, create_session_factory
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from bot.infra.translate import LibreTranslate, TranslationUnavailable, translator_from_settings
from bot.stack import free_port
from tests.conftest import FakeEngine
from tests.factories import PASSWORD, add_advisor, csrf_token
from tests.fakes.libretranslate import FakeLibreTranslate

ARABIC_QUESTION = "انتهت إقامتي ولا أجد موعدًا في مكتب الأجانب"


@pytest.fixture
def translator_server() -> Iterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    fake.start()
    yield fake
    fake.stop()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# ---------------------------------------------------------------- the adapter


def test_a_batch_is_one_request_and_comes_back_in_order(translator_server: FakeLibreTranslate) -> None:
    async def scenario() -> list[str]:
        translator = LibreTranslate(translator_server.url)
        try:
            return await translator.translate(["eins", "zwei", "drei"], "de", "ar")
        finally:
            await translator.aclose()

    assert run(scenario()) == ["[de→ar] eins", "[de→ar] zwei", "[de→ar] drei"]
    [request] = translator_server.requests
    assert request == {"q": ["eins", "zwei", "drei"], "source": "de", "target": "ar", "format": "text"}


def test_the_api_key_is_sent_and_a_wrong_one_is_a_clear_failure() -> None:
    fake = FakeLibreTranslate(api_key="secret")
    fake.start()

    async def scenario(key: str) -> list[str]:
        translator = LibreTranslate(fake.url, api_key=key)
        try:
            return await translator.translate(["Hallo"], "de", "tr")
        finally:
            await translator.aclose()

    try:
        assert run(scenario("secret")) == ["[de→tr] Hallo"]
        with pytest.raises(TranslationUnavailable, match="HTTP 403"):
            run(scenario("wrong"))
    finally:
        fake.stop()


def test_an_error_a_slow_answer_and_no_server_each_raise_within_the_timeout(
    translator_server: FakeLibreTranslate,
) -> None:
    async def attempt(url: str, timeout: float = 5.0) -> list[str]:
        translator = LibreTranslate(url, timeout=timeout)
        try:
            return await translator.translate(["Hallo"], "de", "uk")
        finally:
            await translator.aclose()

    translator_server.fail_with = 500
    with pytest.raises(TranslationUnavailable, match="HTTP 500"):
        run(attempt(translator_server.url))
    translator_server.fail_with, translator_server.delay = None, 3.0
    started = time.monotonic()
    with pytest.raises(TranslationUnavailable, match="Timeout"):
        run(attempt(translator_server.url, timeout=0.3))
    assert time.monotonic() - started < 2.0
    with pytest.raises(TranslationUnavailable, match="unreachable"):
        run(attempt(f"http://127.0.0.1:{free_port()}"))


def test_after_a_failure_the_translator_is_left_alone_for_a_while(translator_server: FakeLibreTranslate) -> None:
    async def scenario() -> float:
        translator = LibreTranslate(translator_server.url, timeout=0.3)
        try:
            with pytest.raises(TranslationUnavailable):
                await translator.translate(["Hallo"], "de", "ar")
            started = time.monotonic()
            with pytest.raises(TranslationUnavailable, match="paused"):
                await translator.translate(["Hallo"], "de", "ar")
            return time.monotonic() - started
        finally:
            await translator.aclose()

    translator_server.fail_with = 503
    assert run(scenario()) < 0.1  # every console refresh would otherwise wait the timeout again
    assert len(translator_server.requests) == 1


def test_same_language_needs_no_request_and_languages_are_listed(translator_server: FakeLibreTranslate) -> None:
    async def scenario() -> tuple[list[str], dict[str, set[str]]]:
        translator = LibreTranslate(translator_server.url)
        try:
            return await translator.translate(["Hallo"], "de", "de"), await translator.languages()
        finally:
            await translator.aclose()

    same, languages = run(scenario())
    assert same == ["Hallo"] and translator_server.requests == []
    assert "ar" in languages["de"] and "de" not in languages["de"]


def test_without_a_url_there_is_no_translator() -> None:
    assert translator_from_settings("", "", 5.0) is None


# ---------------------------------------------------------------- the console


def console_client(settings: Settings, fake_engine: FakeEngine, translate_url: str = "") -> TestClient:
    settings = settings.model_copy(update={"translate_url": translate_url, "translate_timeout_seconds": 1.0})
    return TestClient(create_app(settings, engine_transport=httpx.MockTransport(fake_engine.handle)))


def arabic_handoff(client: TestClient, fake_engine: FakeEngine) -> tuple[str, dict[str, str]]:
    """An Arabic conversation waiting for an advisor, with one question and the bot's reply."""
    body = client.post("/api/conversations", json={"language": "ar"}).json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    fake_engine.reply = lambda request: [
        {"recipient_id": request["sender"], "text": "سأوصلك بمستشار."},
        {"recipient_id": request["sender"], "custom": {"glueckauf": {"handoff": "asked"}}},
    ]
    reply = client.post(f"/api/conversations/{body['id']}/messages", json={"text": ARABIC_QUESTION}, headers=headers)
    assert reply.json()["state"] == "pending"
    return body["id"], headers


def claim_as(client: TestClient, settings: Settings, email: str, languages: list[str]) -> str:
    run(add_advisor(settings, email, AdvisorRole.ADVISOR, languages))
    client.post("/console/login", data={"email": email, "password": PASSWORD}, follow_redirects=False)
    return csrf_token(client)


def user_texts(client: TestClient, conversation_id: str, headers: dict[str, str]) -> list[str]:
    history = client.get(f"/api/conversations/{conversation_id}/messages", headers=headers).json()
    return [m["text"] for m in history["messages"]]


def scalar(settings: Settings, query: Any) -> Any:
    async def scenario() -> Any:
        engine = create_database_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session:
                return await session.scalar(query)
        finally:
            await engine.dispose()

    return run(scenario())


def test_an_advisor_reads_the_user_in_translation_and_replies_through_it(
    settings: Settings, fake_engine: FakeEngine, translator_server: FakeLibreTranslate
) -> None:
    with console_client(settings, fake_engine, translator_server.url) as client:
        conversation_id, headers = arabic_handoff(client, fake_engine)
        csrf = claim_as(client, settings, "ayse@example.org", ["de", "en"])
        api = f"/console/api/conversations/{conversation_id}"
        assert client.post(f"{api}/claim", headers={"x-csrf-token": csrf}).status_code == 200

        transcript = client.get(f"{api}?translate_to=de").json()
        assert transcript["translation"] == {"on": True, "target": "de", "unavailable": False, "replies": True}
        user = next(m for m in transcript["messages"] if m["sender"] == "user")
        assert user["text"] == ARABIC_QUESTION  # the original stays
        assert user["translation"] == f"[ar→de] {ARABIC_QUESTION}"
        bot = next(m for m in transcript["messages"] if m["sender"] == "bot")
        assert bot["translation"] == "[ar→de] سأوصلك بمستشار."
        # Translated once, in one batch, then read from the database.
        requests = len(translator_server.requests)
        assert requests == 1
        client.get(f"{api}?translate_to=de")
        assert len(translator_server.requests) == requests
        shown = [m for m in transcript["messages"] if m["translation"]]  # also the queue and "advisor joined" notices
        assert scalar(settings, select(func.count()).select_from(MessageTranslation)) == len(shown) >= 3

        preview = client.post(
            f"{api}/translation", json={"text": "Guten Tag, ich helfe Ihnen.", "source": "de"}, headers={}
        )
        assert preview.json() == {"text": "[de→ar] Guten Tag, ich helfe Ihnen.", "source": "de", "target": "ar"}
        edited = "[de→ar] Guten Tag, ich helfe Ihnen gern."  # the advisor changed the translation before sending
        sent = client.post(
            f"{api}/reply",
            json={"text": "Guten Tag, ich helfe Ihnen.", "translation": edited, "source": "de"},
            headers={"x-csrf-token": csrf},
        )
        assert sent.status_code == 200
        received = user_texts(client, conversation_id, headers)[-1]
        marker = catalog_for(settings.knowledge_dir / "ui").text(
            "machine_translation_original", "ar", language_name="Deutsch"
        )
        assert received == f"{edited}\n\n— {marker}\nGuten Tag, ich helfe Ihnen."

        client.post(
            f"{api}/reply",
            json={"text": "Einen Moment.", "translation": "x", "source": "de"},
            headers={"x-csrf-token": csrf},
        )
        is_translated = InsightEvent.kind == InsightKind.TRANSLATED_HANDOFF
        assert scalar(settings, select(func.count()).where(is_translated)) == 1  # once per handoff
        assert scalar(settings, select(InsightEvent.language).where(is_translated)) == "ar"

        # The user erases their data: the machine translations of their messages go with them.
        assert client.delete(f"/api/conversations/{conversation_id}/data", headers=headers).status_code in (200, 204)
        assert scalar(settings, select(func.count()).select_from(MessageTranslation)) == 0


def test_an_advisor_who_reads_the_language_gets_no_translation(
    settings: Settings, fake_engine: FakeEngine, translator_server: FakeLibreTranslate
) -> None:
    with console_client(settings, fake_engine, translator_server.url) as client:
        conversation_id, _ = arabic_handoff(client, fake_engine)
        claim_as(client, settings, "samir@example.org", ["ar", "de"])
        transcript = client.get(f"/console/api/conversations/{conversation_id}?translate_to=de").json()
        assert transcript["translation"]["replies"] is False
        assert all(m["translation"] is None for m in transcript["messages"])
        assert translator_server.requests == []


def test_when_the_translator_fails_the_originals_stand_and_replies_still_go_out(
    settings: Settings, fake_engine: FakeEngine, translator_server: FakeLibreTranslate
) -> None:
    translator_server.fail_with = 500
    with console_client(settings, fake_engine, translator_server.url) as client:
        conversation_id, headers = arabic_handoff(client, fake_engine)
        csrf = claim_as(client, settings, "ayse@example.org", ["de"])
        api = f"/console/api/conversations/{conversation_id}"
        client.post(f"{api}/claim", headers={"x-csrf-token": csrf})
        transcript = client.get(api).json()
        assert transcript["translation"]["unavailable"] is True
        assert [m["translation"] for m in transcript["messages"]] == [None] * len(transcript["messages"])
        assert ARABIC_QUESTION in [m["text"] for m in transcript["messages"]]

        translator_server.fail_with, translator_server.delay = None, 3.0  # slower than the 1 s timeout
        started = time.monotonic()
        preview = client.post(f"{api}/translation", json={"text": "Hallo", "source": "de"})
        assert preview.status_code == 503 and preview.json()["error"]["code"] == "translation_unavailable"
        assert time.monotonic() - started < 2.5

        sent = client.post(f"{api}/reply", json={"text": "Hallo, bitte warten."}, headers={"x-csrf-token": csrf})
        assert sent.status_code == 200
        assert user_texts(client, conversation_id, headers)[-1] == "Hallo, bitte warten."


def test_with_translation_off_nothing_is_sent_anywhere_and_the_console_says_so(
    settings: Settings, fake_engine: FakeEngine
) -> None:
    with console_client(settings, fake_engine) as client:
        conversation_id, _ = arabic_handoff(client, fake_engine)
        claim_as(client, settings, "ayse@example.org", ["de"])
        api = f"/console/api/conversations/{conversation_id}"
        transcript = client.get(api).json()
        assert transcript["translation"]["on"] is False and transcript["translation"]["replies"] is False
        preview = client.post(f"{api}/translation", json={"text": "Hallo", "source": "de"})
        assert preview.status_code == 503 and preview.json()["error"]["code"] == "translation_off"


def test_a_translated_reply_needs_a_known_source_language(
    settings: Settings, fake_engine: FakeEngine, translator_server: FakeLibreTranslate
) -> None:
    with console_client(settings, fake_engine, translator_server.url) as client:
        conversation_id, _ = arabic_handoff(client, fake_engine)
        csrf = claim_as(client, settings, "ayse@example.org", ["de"])
        api = f"/console/api/conversations/{conversation_id}"
        client.post(f"{api}/claim", headers={"x-csrf-token": csrf})
        sent = client.post(
            f"{api}/reply",
            json={"text": "Hallo", "translation": "مرحبا", "source": "xx"},
            headers={"x-csrf-token": csrf},
        )
        assert sent.status_code == 422 and sent.json()["error"]["code"] == "language_unknown"


def test_an_advisor_inserts_a_curated_answer_in_the_users_language_without_any_translator(
    settings: Settings, fake_engine: FakeEngine
) -> None:
    with console_client(settings, fake_engine) as client:
        conversation_id, headers = arabic_handoff(client, fake_engine)
        csrf = claim_as(client, settings, "ayse@example.org", ["de"])
        api = f"/console/api/conversations/{conversation_id}"
        client.post(f"{api}/claim", headers={"x-csrf-token": csrf})
        results = client.get("/console/api/knowledge", params={"q": "Wohnung anmelden Meldebescheinigung"}).json()
        assert results and all(r["title"] and r["id"] for r in results)
        entry_id = results[0]["id"]
        answer = client.get(f"{api}/knowledge/{entry_id}").json()
        assert answer["language"] == "ar"
        assert any("\u0600" <= ch <= "\u06ff" for ch in answer["text"])  # Arabic script: the curated translation
        assert "https://" in answer["text"]  # with its sources
        sent = client.post(f"{api}/reply", json={"text": answer["text"]}, headers={"x-csrf-token": csrf})
        assert sent.status_code == 200
        assert user_texts(client, conversation_id, headers)[-1] == answer["text"].strip()
        assert client.get(f"{api}/knowledge/no-such-entry").status_code == 404
