"""Handoff states, the atomic claim under a race (SQLite and PostgreSQL), and the bot's silence meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.domain import handoff
from bot.domain.advisors import create_advisor
from bot.domain.conversations import start_conversation
from bot.domain.models import Advisor, AdvisorRole, Conversation, ConversationState
from bot.domain.office_hours import OfficeHours
from bot.infra.db import create_database_engine, create_session_factory
from bot.infra.i18n import catalog_for
from bot.infra.settings import Settings
from tests.conftest import FakeEngine
from tests.factories import PASSWORD, add_advisor, csrf_token

ALWAYS = OfficeHours("mon-sun 00:00-24:00")


def test_states_bot_pending_human_bot_and_closed(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_database_engine(database_url)
        sessions = create_session_factory(engine)
        catalog = catalog_for(Settings().knowledge_dir / "ui")
        async with sessions() as session:
            advisor = await create_advisor(session, email="a@example.org", name="Ayşe", password=PASSWORD)
            conversation, _ = await start_conversation(session, channel="web", language="en")
            status = await handoff.request_handoff(session, conversation, "asked")
            assert conversation.state == ConversationState.PENDING and status.position == 1
            assert status.estimated_minutes is None  # no claims yet: no invented estimate
            with pytest.raises(handoff.NotYourConversation):
                await handoff.advisor_reply(session, conversation, advisor, "hello")  # not claimed yet
            claimed, _ = await handoff.claim_and_announce(session, conversation.id, advisor)
            assert claimed.state == ConversationState.HUMAN and claimed.advisor_id == advisor.id
            reply = await handoff.advisor_reply(session, claimed, advisor, "Hello, I'm Ayşe.")
            note = await handoff.add_note(session, claimed, advisor, "Needs Blue Card info")
            assert not reply.private and note.private
            notice = await handoff.hand_back(session, claimed, advisor, "Explained the Blue Card", "bot continues")
            assert claimed.state == ConversationState.BOT and claimed.advisor_id is None
            assert notice.text == "bot continues"
            await handoff.close_conversation(session, claimed, advisor, catalog.text("conversation_closed", "en"))
            assert claimed.state == ConversationState.CLOSED
            with pytest.raises(handoff.NotClaimable):
                await handoff.claim_and_announce(session, claimed.id, advisor)
        await engine.dispose()

    asyncio.run(scenario())


def test_fifty_simultaneous_claims_exactly_one_wins(database_url: str) -> None:
    async def scenario() -> list[Any]:
        engine = create_database_engine(database_url)
        sessions = create_session_factory(engine)
        async with sessions() as session:
            conversation, _ = await start_conversation(session, channel="web", language="de")
            await handoff.request_handoff(session, conversation, "asked")
            await session.commit()
            advisors = [
                Advisor(email=f"a{i}@example.org", name=f"Advisor {i}", password_hash="x", languages=["de"])
                for i in range(50)
            ]
            session.add_all(advisors)
            await session.commit()

        async def claim(advisor: Advisor) -> Any:
            async with sessions() as own_session:
                try:
                    return (await handoff.claim_and_announce(own_session, conversation.id, advisor))[0]
                except handoff.AlreadyClaimed as exc:
                    return exc

        results = await asyncio.gather(*(claim(a) for a in advisors))
        async with sessions() as session:
            stored = await session.get(Conversation, conversation.id)
            assert stored is not None
            winners = [r for r in results if isinstance(r, Conversation)]
            assert len(winners) == 1 and stored.advisor_id == winners[0].advisor_id
        await engine.dispose()
        return results

    results = asyncio.run(scenario())
    losers = [r for r in results if isinstance(r, handoff.AlreadyClaimed)]
    assert len(losers) == 49
    assert all("has already taken this conversation" in str(r) for r in losers)


def test_office_closed_means_no_queue_but_a_time_and_a_contact_offer(settings: Settings) -> None:
    async def scenario() -> None:
        from datetime import datetime

        from bot.domain.office_hours import BERLIN

        engine = create_database_engine(settings.database_url)
        sessions = create_session_factory(engine)
        catalog = catalog_for(settings.knowledge_dir / "ui")
        hours = OfficeHours("mon-fri 09:00-16:00")
        saturday = datetime(2026, 11, 28, 11, 0, tzinfo=BERLIN)
        async with sessions() as session:
            conversation, _ = await start_conversation(session, channel="web", language="de")
            notice = await handoff.start_handoff(session, conversation, "asked", catalog, hours, saturday)
            assert conversation.state == ConversationState.BOT
            assert "Mo 30.11. 09:00" in notice.text and "E-Mail" in notice.text
        await engine.dispose()

    asyncio.run(scenario())


def chat(client: TestClient, conversation: dict[str, Any], text: str) -> Any:
    return client.post(
        f"/api/conversations/{conversation['id']}/messages", json={"text": text}, headers=conversation["headers"]
    ).json()


def test_confirmed_handoff_silences_the_bot_until_hand_back(
    client: TestClient, conversation: dict[str, Any], fake_engine: FakeEngine, settings: Settings
) -> None:
    fake_engine.reply = lambda body: [{"recipient_id": body["sender"], "custom": {"glueckauf": {"handoff": "asked"}}}]
    reply = chat(client, conversation, "yes please")
    assert reply["state"] == "pending"
    assert "position 1" in reply["replies"][-1]["text"] or "Platz 1" in reply["replies"][-1]["text"]

    fake_engine.received.clear()
    chat(client, conversation, "Hello? Anyone?")
    chat(client, conversation, "I need help with my visa")
    assert fake_engine.received == []  # silent by construction

    advisor = asyncio.run(add_advisor(settings, "admin@example.org", AdvisorRole.ADMIN))
    login = client.post("/console/login", data={"email": advisor, "password": PASSWORD}, follow_redirects=False)
    assert login.status_code == 303
    csrf = csrf_token(client)
    claim = client.post(f"/console/api/conversations/{conversation['id']}/claim", headers={"x-csrf-token": csrf})
    assert claim.status_code == 200
    sent = client.post(
        f"/console/api/conversations/{conversation['id']}/reply",
        json={"text": "Hi, I am your advisor."},
        headers={"x-csrf-token": csrf},
    )
    assert sent.status_code == 200
    client.post(
        f"/console/api/conversations/{conversation['id']}/notes",
        json={"text": "private: check passport"},
        headers={"x-csrf-token": csrf},
    )
    back = client.post(
        f"/console/api/conversations/{conversation['id']}/hand-back",
        json={"text": "Visa question answered"},
        headers={"x-csrf-token": csrf},
    )
    assert back.json()["state"] == "bot"

    history = client.get(f"/api/conversations/{conversation['id']}/messages", headers=conversation["headers"]).json()
    texts = [m["text"] for m in history["messages"]]
    assert "Hi, I am your advisor." in texts
    assert not [t for t in texts if "check passport" in t or "Visa question answered" in t], texts  # notes stay private

    fake_engine.reply = lambda body: [{"recipient_id": body["sender"], "text": "bot again"}]
    assert [r["text"] for r in chat(client, conversation, "Where do I register?")["replies"]] == ["bot again"]


def test_claim_race_through_http_gives_409_with_the_winner(
    client: TestClient, conversation: dict[str, Any], settings: Settings
) -> None:
    client.post(f"/api/conversations/{conversation['id']}/handoff", headers=conversation["headers"])
    first = asyncio.run(add_advisor(settings, "first@example.org", AdvisorRole.ADVISOR))
    client.post("/console/login", data={"email": first, "password": PASSWORD})
    assert (
        client.post(
            f"/console/api/conversations/{conversation['id']}/claim", headers={"x-csrf-token": csrf_token(client)}
        ).status_code
        == 200
    )
    client.cookies.clear()
    second = asyncio.run(add_advisor(settings, "second@example.org", AdvisorRole.ADVISOR))
    client.post("/console/login", data={"email": second, "password": PASSWORD})
    lost = client.post(
        f"/console/api/conversations/{conversation['id']}/claim", headers={"x-csrf-token": csrf_token(client)}
    )
    assert lost.status_code == 409  # the staff language is German unless the browser or ?lang= says otherwise
    assert lost.json()["error"]["message"] == "first hat dieses Gespräch bereits übernommen."
    reply = client.post(
        f"/console/api/conversations/{conversation['id']}/reply",
        json={"text": "me too"},
        headers={"x-csrf-token": csrf_token(client)},
    )
    assert reply.status_code == 409


def test_console_bad_input(client: TestClient, conversation: dict[str, Any], settings: Settings) -> None:
    email = asyncio.run(add_advisor(settings, "b@example.org", AdvisorRole.ADVISOR))
    for _ in range(5):
        wrong = client.post("/console/login", data={"email": email, "password": "wrong password!!"})
        assert wrong.status_code == 401
    unknown = client.post("/console/login", data={"email": "nobody@example.org", "password": "wrong password!!"})
    assert unknown.status_code in (401, 429) and "nobody" not in unknown.text  # no user enumeration
    assert client.post("/console/login", data={"email": email, "password": PASSWORD}).status_code == 429

    asyncio.run(client.app.state.login_throttle.succeeded("testclient", email))  # type: ignore[attr-defined]
    client.post("/console/login", data={"email": email, "password": PASSWORD})
    csrf = {"x-csrf-token": csrf_token(client)}
    assert client.post("/console/api/conversations/nope/claim", headers=csrf).status_code == 404
    assert client.post(f"/console/api/conversations/{conversation['id']}/claim", headers=csrf).status_code == 409
    assert (
        client.post(
            f"/console/api/conversations/{conversation['id']}/reply", json={"text": "x"}, headers=csrf
        ).status_code
        == 409
    )
    client.post(f"/api/conversations/{conversation['id']}/handoff", headers=conversation["headers"])
    client.post(f"/console/api/conversations/{conversation['id']}/claim", headers=csrf)
    too_long = client.post(
        f"/console/api/conversations/{conversation['id']}/reply", json={"text": "x" * 5000}, headers=csrf
    )
    assert too_long.status_code == 422
    assert client.post(f"/console/api/conversations/{conversation['id']}/claim").status_code == 403  # no CSRF

    client.cookies.set("glueckauf_console", "forged.or.expired")
    expired = client.get("/console", follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"] == "/console/login"


def test_contact_request_needs_consent_and_a_real_contact(client: TestClient, conversation: dict[str, Any]) -> None:
    url = f"/api/conversations/{conversation['id']}/contact-request"
    headers = conversation["headers"]
    assert client.post(url, json={"contact": "hello", "consent": True}, headers=headers).status_code == 422
    assert client.post(url, json={"contact": "a@example.org", "consent": False}, headers=headers).status_code == 422
    done = client.post(url, json={"contact": "+49 234 123456", "consent": True}, headers=headers)
    assert done.status_code == 201 and done.json()["sender"] == "system"


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("olena@example.com", "olena@example.com"),
        ("mail: a.b-c@uni-bochum.de.", "a.b-c@uni-bochum.de"),
        ("you can reach me at +49 176 1234567, thanks", "+49 176 1234567"),
        ("my number: (0234) 91 23 45", "(0234) 91 23 45"),
        ("I arrived on 12.03.2025", None),  # a date, not a phone number
        ("am 01.02.2026 um 0800", None),
        ("order 4711 0815", None),  # people write phone numbers from 0 or +
        ("+49 12", None),  # too few digits
        ("tomorrow please", None),
    ],
)
def test_a_contact_is_found_inside_a_chat_message(text: str, contact: str | None) -> None:
    assert handoff.contact_in(text) == contact


def test_outside_office_hours_a_contact_sent_in_reply_to_the_offer_is_stored_not_answered(
    settings: Settings, fake_engine: FakeEngine
) -> None:
    import httpx
    from sqlalchemy import create_engine, select

    from bot.app import create_app
    from bot.domain.models import ContactRequest

    fake_engine.reply = lambda body: (
        [{"recipient_id": body["sender"], "custom": {"glueckauf": {"handoff": "asked"}}}]
        if body["message"] == "a person, please"
        else [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]
    )
    closed = settings.model_copy(update={"office_hours": ""})  # no hours set: nobody answers the chat
    with TestClient(create_app(closed, engine_transport=httpx.MockTransport(fake_engine.handle))) as client:
        started = client.post("/api/conversations", json={"language": "en"}).json()
        conversation = {**started, "headers": {"Authorization": f"Bearer {started['token']}"}}
        before = chat(client, conversation, "my email is olena@example.com")  # no offer yet: the bot answers
        assert before["replies"][-1]["text"] == "echo: my email is olena@example.com"

        offer = chat(client, conversation, "a person, please")
        assert fake_engine.received[-1]["metadata"]["advisors_available"] is False  # actions offer no yes/no
        assert "e-mail address or phone number" in offer["replies"][-1]["text"]
        fake_engine.received.clear()
        left = chat(client, conversation, "You can reach me at +49 176 1234567, thanks")
        assert fake_engine.received == []
        # The thanks repeats what was stored, so a wrong guess shows.
        assert (
            left["replies"][-1]["text"]
            == "Thank you! We'll get in touch at +49 176 1234567 as soon as our advice team is back."
        )
        after = chat(client, conversation, "+49 176 7654321")  # the offer is used up: back to the bot
        assert after["replies"][-1]["text"] == "echo: +49 176 7654321"

    database = create_engine(settings.database_url)
    with database.connect() as connection:
        stored = connection.execute(select(ContactRequest.contact, ContactRequest.consent)).all()
    database.dispose()
    assert [tuple(row) for row in stored] == [("+49 176 1234567", True)]


def test_an_admin_marks_a_contact_request_done(
    client: TestClient, conversation: dict[str, Any], settings: Settings
) -> None:
    url = f"/api/conversations/{conversation['id']}/contact-request"
    client.post(url, json={"contact": "+49 234 123456", "consent": True}, headers=conversation["headers"])
    admin = asyncio.run(add_advisor(settings, "admin@example.org", AdvisorRole.ADMIN))
    client.post("/console/login", data={"email": admin, "password": PASSWORD})
    headers = {"x-csrf-token": csrf_token(client)}
    (left,) = client.get("/console/api/contact-requests").json()
    assert left["conversation_id"] == conversation["id"] and left["handled"] is False

    assert client.post(f"/console/api/contact-requests/{left['id']}/handled").status_code == 403  # no CSRF token
    done = client.post(f"/console/api/contact-requests/{left['id']}/handled", headers=headers)
    assert done.status_code == 200
    assert client.get("/console/api/contact-requests").json()[0]["handled"] is True
    missing = client.post("/console/api/contact-requests/999/handled", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "contact_request_not_found"


def test_each_handoff_transition_is_one_transaction(
    client: TestClient, conversation: dict[str, Any], settings: Settings
) -> None:
    """A claim brings exactly one 'advisor joined' (a second click none); a hand-back that fails on its summary
    changes nothing: no note, no notice, the advisor still owns the conversation."""
    client.post(f"/api/conversations/{conversation['id']}/handoff", headers=conversation["headers"])
    email = asyncio.run(add_advisor(settings, "one@example.org", AdvisorRole.ADVISOR))
    client.post("/console/login", data={"email": email, "password": PASSWORD})
    console = f"/console/api/conversations/{conversation['id']}"
    headers = {"x-csrf-token": csrf_token(client)}
    assert client.post(f"{console}/claim", headers=headers).status_code == 200
    assert client.post(f"{console}/claim", headers=headers).status_code == 200  # a double click
    before = client.get(console).json()["messages"]
    assert [m["sender"] for m in before].count("system") == 2  # queued, advisor joined (once)

    failed = client.post(f"{console}/hand-back", json={"text": "   "}, headers=headers)
    assert failed.status_code == 422
    after = client.get(console).json()
    assert after["messages"] == before and after["conversation"]["state"] == "human"
