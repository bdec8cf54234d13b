"""A PostgreSQL database of the bench's own (`bench_<pid>_<name>` on the server of
BENCH_POSTGRES_URL), created for one scenario and dropped after it, whatever happens."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url


def dsn(url: str) -> str:
    """SQLAlchemy URL -> libpq DSN for asyncpg."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


@asynccontextmanager
async def scratch_database(server_url: str, name: str) -> AsyncIterator[str]:
    """Yields the SQLAlchemy URL of a new, empty database; drops it afterwards."""
    database = f"bench_{os.getpid()}_{name}"
    admin = await asyncpg.connect(dsn(server_url), timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    try:
        yield make_url(server_url).set(database=database).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(dsn(server_url), timeout=10)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await admin.close()


async def backend_pids(server_url: str, database_url: str) -> list[int]:
    """Server processes serving `database_url`'s database (the bot's pooled connections)."""
    database = make_url(database_url).database
    connection = await asyncpg.connect(dsn(server_url), timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await connection.close()
    return [int(row["pid"]) for row in rows]
