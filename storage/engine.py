"""Database engine set-up: one async engine per process, SQLite or PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.sqlite_inline import BUSY_TIMEOUT_MS, async_creator


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `postgresql://`) and pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def _ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Short: with SQLite on the event loop (storage/sqlite_inline.py) the busy handler blocks
    # the loop, and it only ever waits for another process; writers in this process queue
    # on an asyncio lock instead.
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the async engine. Nothing is connected until first use."""
    url = normalise_url(url)
    if is_sqlite(url):
        _ensure_sqlite_directory(url)
        # SQLite runs on the event loop, not in aiosqlite's threads (docs/performance.md, fix 1).
        # The pool is as large as the number of coroutines that use the database at once, so
        # a turn never waits behind a connection handed back one loop iteration late.
        engine = create_async_engine(
            url,
            echo=echo,
            pool_size=16,
            max_overflow=16,
            async_creator=async_creator(url),
        )
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    # No pre-ping: it costs a round trip per checkout. The statements every turn runs use kept
    # connections that skip one the server has closed (storage/driver_sql.py); elsewhere a
    # connection dropped by a server restart fails one turn, SQLAlchemy then invalidates the
    # pool, the turn's activity claim is released and Teams' redelivery succeeds
    # (docs/performance.md, fix 5).
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=False, pool_recycle=1800
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)
