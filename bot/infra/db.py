"""Database engines and sessions: one URL from the settings, async for the app, sync for migrations."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def sync_url(url: str) -> str:
    """The URL with a synchronous driver (Alembic, CLI): sqlite:// or postgresql+psycopg://."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """The URL with an asyncio driver: aiosqlite or psycopg (which speaks both)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder; do that so the default URL works on a fresh clone."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_database_engine(url: str) -> AsyncEngine:
    ensure_sqlite_directory(url)
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    engine = create_async_engine(
        async_url(url),
        pool_pre_ping=not is_sqlite,  # survive a PostgreSQL restart without a failed request
        connect_args={"timeout": 30} if is_sqlite else {},
    )
    if is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    # WAL lets the retry worker read while a request writes. upgrade_database sets it on the file; a database made
    # elsewhere is switched by its first connection (switching needs a lock, so a connection asks first).
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session


def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply the Alembic migrations (used by `make run`, `python -m bot migrate` and the tests)."""
    from alembic import command
    from alembic.config import Config

    ensure_sqlite_directory(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    command.upgrade(config, revision)
    database = make_url(url).database if make_url(url).get_backend_name() == "sqlite" else None
    if database and database != ":memory:":
        # WAL is a property of the file: set once here, before the service opens its connections, so that no two
        # connections race to switch the mode later (one of them would fail with "database is locked").
        with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
