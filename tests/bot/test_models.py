"""Migrations and models on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select

from bot.domain import conversations
from bot.domain.models import Base, Conversation, DeliveryStatus, Message
from bot.infra.db import create_database_engine, create_session_factory, sync_url, upgrade_database
from bot.understanding.language import LanguageDetector


def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], "models changed without a migration: write one in bot/migrations/versions"


def test_conversation_and_messages_round_trip(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_database_engine(database_url)
        sessions = create_session_factory(engine)
        async with sessions() as session:
            conversation, token = await conversations.start_conversation(session, channel="web", language="de")
            stored = await conversations.store_user_message(
                session, conversation, "Wo melde ich mich an?", detector=LanguageDetector(), default_language="de"
            )
        async with sessions() as session:
            loaded = await session.get(Conversation, conversation.id)
            assert loaded is not None and loaded.token_hash == conversations.hash_token(token)
            (message,) = (await session.scalars(select(Message))).all()
            assert message.id == stored.id and message.text == "Wo melde ich mich an?"
            assert message.delivery_status == DeliveryStatus.QUEUED
            assert message.created_at.tzinfo == UTC
        await engine.dispose()

    asyncio.run(scenario())


def test_migrating_a_sqlite_database_puts_it_in_wal_mode(tmp_path: Path) -> None:
    """The mode is set once on the file, before the service connects: its connections never race to switch it."""
    upgrade_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    with contextlib.closing(sqlite3.connect(tmp_path / "fresh.db")) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
