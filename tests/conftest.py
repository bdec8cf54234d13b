"""Shared fixtures: a clean, migrated database on SQLite and on PostgreSQL.

PostgreSQL is a real server (127.0.0.1:5432, database `test`; `TEST_POSTGRES_URL` overrides,
e.g. the Unix socket inside a network namespace); each run works in a database of its own
(tests/support/db.py). When the server is missing, the tests that need it fail; never skip.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.migrate import upgrade
from tests.support.db import POSTGRES_URL, drop_database, reset_postgres, sqlite_url

__all__ = ["POSTGRES_URL", "reset_postgres", "sqlite_url"]


@pytest.fixture(scope="session", autouse=True)
def _drop_the_runs_postgres_database() -> Iterator[None]:
    yield
    asyncio.run(drop_database())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database, once per backend."""
    if request.param == "postgres":
        await reset_postgres()
        return POSTGRES_URL
    return sqlite_url(tmp_path)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database on each backend."""
    engine = create_engine(database_url)
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url(tmp_path))
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()
