"""Database URLs for tests: SQLite in a temporary folder, the real PostgreSQL server."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from storage.engine import create_engine

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'bot.sqlite3'}"


async def reset_postgres(url: str = POSTGRES_URL) -> None:
    """Empty the test database: every test starts from a clean schema."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


# Test-only keys (never used outside tests): production mode needs encryption keys.
TEST_KEYS = "test1:j1Uw7tf6AHjt6wClPDTDOgL_Uv0mMMJDC05V-dLLczc"
TEST_PSEUDONYM_KEY = "sZhZVpDstWpcSsenqwzpBfhOzEk1niSKiVIFtVnNy6A"
