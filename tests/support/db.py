"""Database URLs for tests: SQLite in a temporary folder, the real PostgreSQL server.

PostgreSQL tests run in a database of their own per test run (`test_<pid>`, created on the
server named by `TEST_POSTGRES_URL`, default database `test` on 127.0.0.1:5432, and dropped at
the end), so two runs on one machine never reset each other's schema mid-test.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.engine import create_engine

BASE_POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
_base = make_url(BASE_POSTGRES_URL)
RUN_DATABASE = f"{_base.database}_{os.getpid()}"
POSTGRES_URL = _base.set(database=RUN_DATABASE).render_as_string(hide_password=False)
_created = False

# Test-only keys (never used outside tests): production mode needs encryption keys.
TEST_KEYS = "test1:j1Uw7tf6AHjt6wClPDTDOgL_Uv0mMMJDC05V-dLLczc"
TEST_PSEUDONYM_KEY = "sZhZVpDstWpcSsenqwzpBfhOzEk1niSKiVIFtVnNy6A"


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'bot.sqlite3'}"


async def _admin(statement: str) -> None:
    engine = create_async_engine(BASE_POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def ensure_database() -> None:
    global _created
    if _created:
        return
    await _admin(f'DROP DATABASE IF EXISTS "{RUN_DATABASE}" WITH (FORCE)')
    await _admin(f'CREATE DATABASE "{RUN_DATABASE}"')
    _created = True


async def drop_database() -> None:
    if _created:
        await _admin(f'DROP DATABASE IF EXISTS "{RUN_DATABASE}" WITH (FORCE)')


async def reset_postgres(url: str = POSTGRES_URL) -> None:
    """Empty the run's test database: every test starts from a clean schema."""
    await ensure_database()
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
