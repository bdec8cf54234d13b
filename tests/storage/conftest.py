"""The botbuilder `Storage` under test, once per implementation: botbuilder's own `MemoryStorage`
(the reference semantics) and our `SqlStorage` on SQLite and on PostgreSQL, plain and with
documents encrypted.

The SQL variants are built like the `engine` fixture of `tests/conftest.py` (whose database
parameters this fixture cannot reuse, as it adds the memory one): an empty database from
`tests.support.db`, migrated with `storage.migrate.upgrade`.
When PostgreSQL is missing, the `sql-postgres` tests fail; they never skip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botbuilder.core import MemoryStorage, Storage
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.bot_state import SqlStorage
from storage.crypto import cipher_from
from storage.engine import create_engine
from storage.migrate import upgrade
from tests.support.db import (
    POSTGRES_URL,
    TEST_KEYS,
    TEST_PSEUDONYM_KEY,
    reset_postgres,
    sqlite_url,
)


@pytest.fixture(
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("sqlite", id="sql-sqlite"),
        pytest.param("sqlite-encrypted", id="sql-sqlite-encrypted"),
        pytest.param("postgres", id="sql-postgres", marks=pytest.mark.postgres),
        pytest.param("postgres-encrypted", id="sql-postgres-encrypted", marks=pytest.mark.postgres),
    ]
)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    if request.param.startswith("postgres"):
        await reset_postgres()
        url = POSTGRES_URL
    else:
        url = sqlite_url(tmp_path)
    cipher = None
    if request.param.endswith("encrypted"):
        cipher = cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        yield SqlStorage(engine, cipher)
    finally:
        await engine.dispose()


@pytest.fixture
async def postgres_engine() -> AsyncIterator[AsyncEngine]:
    """A migrated, empty PostgreSQL database, for what only PostgreSQL has."""
    await reset_postgres()
    engine = create_engine(POSTGRES_URL)
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()
