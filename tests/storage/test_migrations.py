"""Migrations build exactly the schema of `storage.models`; engine set-up details."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine, normalise_url
from storage.migrate import alembic_config, upgrade
from storage.models import Base, ProcessedActivityRow


def _schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _schema(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
        )
        for table in sorted(inspector.get_table_names())
    }


async def test_the_migrated_schema_equals_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences)

    assert differences == []


async def test_the_comparison_notices_a_model_the_migrations_lack(engine: AsyncEngine) -> None:
    """Guards the test above: an empty diff must mean agreement, not a blind comparison."""
    async with engine.connect() as connection:
        await connection.run_sync(
            lambda sync: sync.exec_driver_sql("DROP INDEX ix_processed_activities_received_at")
        )
        differences = await connection.run_sync(_schema_differences)

    assert [difference[0] for difference in differences] == ["add_index"]


async def test_upgrade_reaches_the_head_revision(engine: AsyncEngine) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    async with engine.connect() as connection:
        assert await connection.run_sync(_current_revision) == head
    assert head is not None


async def test_migrating_twice_is_a_no_op(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(ProcessedActivityRow.__table__).values(
                activity_key="kept", received_at=datetime.now(UTC)
            )
        )
        schema_before = await connection.run_sync(_schema)
        revision_before = await connection.run_sync(_current_revision)

    await upgrade(engine)

    async with engine.connect() as connection:
        assert await connection.run_sync(_schema) == schema_before
        assert await connection.run_sync(_current_revision) == revision_before
        assert await connection.run_sync(_schema_differences) == []
        keys = (await connection.scalars(select(ProcessedActivityRow.activity_key))).all()
    assert keys == ["kept"]


async def test_create_engine_creates_the_folder_of_a_new_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "not" / "yet" / "there" / "bot.sqlite3"
    assert not database.parent.exists()

    engine = create_engine(f"sqlite:///{database}")
    try:
        assert database.parent.is_dir()
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_schema_differences) == []
    finally:
        await engine.dispose()
    assert database.is_file()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://bot:secret@db.example:5432/vink",
            "postgresql+asyncpg://bot:secret@db.example:5432/vink",
        ),
        (
            "postgresql://bot:secret@db.example:5432/vink?sslmode=require",
            "postgresql+asyncpg://bot:secret@db.example:5432/vink?sslmode=require",
        ),
        (
            "postgresql+asyncpg://bot@db.example/vink",
            "postgresql+asyncpg://bot@db.example/vink",
        ),
        ("sqlite:///data/bot.sqlite3", "sqlite+aiosqlite:///data/bot.sqlite3"),
        ("sqlite+aiosqlite:///data/bot.sqlite3", "sqlite+aiosqlite:///data/bot.sqlite3"),
    ],
)
def test_normalise_url_picks_the_async_driver(url: str, expected: str) -> None:
    assert normalise_url(url) == expected
