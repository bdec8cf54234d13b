"""Apply the Alembic migrations: from `python -m bot migrate` (which the service runs as a child
process at start), and in tests.

Alembic is imported inside the functions, never at module level: with Mako and Pygments it is
~11 MiB that the serving process must not carry (docs/performance.md, fix 4;
tests/bot/test_serving_imports.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision`. Safe to run concurrently from several instances on
    PostgreSQL: an advisory lock serialises them."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            from sqlalchemy import text

            await connection.execute(text("SELECT pg_advisory_xact_lock(7301)"))
        await connection.run_sync(_upgrade, revision)
