"""The start of a turn (storage/turn_start.py): the activity claim and the state read, in one
statement on PostgreSQL, one after the other on SQLite, with the same outcome on both (the
`engine` fixture runs each test on both databases)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import turn_start
from storage.activities import ProcessedActivities
from storage.bot_state import SqlStorage
from storage.crypto import cipher_from
from storage.driver_sql import driver_connection
from tests.storage.test_driver_sql import count_driver_connections
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY


def starts(
    engine: AsyncEngine, *, encrypted: bool = False
) -> tuple[turn_start.TurnStarts, SqlStorage]:
    cipher = cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY) if encrypted else None
    storage = SqlStorage(engine, cipher)
    return turn_start.TurnStarts(engine, ProcessedActivities(engine), storage), storage


async def claimed_keys(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        found = await connection.execute(text("SELECT activity_key FROM processed_activities"))
        return sorted(found.scalars())


async def test_a_first_delivery_is_claimed_and_reads_the_stored_state(engine: AsyncEngine) -> None:
    begin, storage = starts(engine, encrypted=True)
    await storage.write({"dialog/a": {"dialog": {"step": "concern"}}})
    stored_etag = (await storage.read(["dialog/a"]))["dialog/a"]["e_tag"]

    start = await begin.begin("activity-1", "dialog/a")

    assert start.claimed
    assert start.document["dialog"] == {"step": "concern"}
    assert start.document["e_tag"] == stored_etag  # the next write's concurrency check
    assert await claimed_keys(engine) == ["activity-1"]


async def test_a_conversation_without_state_is_claimed_and_reads_nothing(
    engine: AsyncEngine,
) -> None:
    begin, storage = starts(engine)
    await storage.write({"dialog/other": {"dialog": {"step": 1}}})

    start = await begin.begin("activity-1", "dialog/new")

    assert start.claimed and start.document is None
    assert await claimed_keys(engine) == ["activity-1"]


async def test_a_redelivery_is_not_claimed_and_reads_nothing(engine: AsyncEngine) -> None:
    begin, storage = starts(engine)
    await storage.write({"dialog/a": {"dialog": {"step": 1}}})
    await begin.begin("activity-1", "dialog/a")

    again = await begin.begin("activity-1", "dialog/a")

    assert not again.claimed and again.document is None
    assert await claimed_keys(engine) == ["activity-1"]


async def test_concurrent_deliveries_of_one_activity_are_claimed_once(engine: AsyncEngine) -> None:
    begin, _ = starts(engine)
    outcomes = await asyncio.gather(*(begin.begin("activity-1", "dialog/a") for _ in range(8)))
    assert sum(start.claimed for start in outcomes) == 1


async def test_on_postgresql_claim_and_read_are_one_statement(
    engine: AsyncEngine, monkeypatch
) -> None:
    # One driver checkout per turn start on PostgreSQL (the point of the module); on SQLite
    # the claim and the read each take their own.
    used = count_driver_connections(monkeypatch, turn_start)
    begin, _ = starts(engine)
    await begin.begin("activity-1", "dialog/a")
    assert used() == (1 if engine.dialect.name == "postgresql" else 0)


@pytest.mark.postgres
async def test_on_postgresql_only_the_claims_own_commit_skips_the_wal_flush(
    postgres_engine: AsyncEngine,
) -> None:
    """Fix 14: the claim commits without waiting for a WAL flush; the setting is local to its
    statement, so the state write after it on the same kept connection still waits."""

    async def wal_syncs() -> int:
        """The server's WAL sync count, once the backends have reported theirs (as they exit)."""
        await postgres_engine.dispose()
        last = None
        for _ in range(50):  # until two readings 0.1 s apart agree
            await asyncio.sleep(0.1)
            async with postgres_engine.connect() as connection:
                found = await connection.execute(text("SELECT wal_sync FROM pg_stat_wal"))
                value = int(found.scalar())
            if value == last:
                return value
            last = value
        raise AssertionError("the WAL statistics did not settle")

    begin, storage = starts(postgres_engine)
    before = await wal_syncs()
    for number in range(200):
        await begin.begin(f"activity-{number}", "dialog/a")
    claims = await wal_syncs() - before
    assert claims < 50  # ~1 each when every claim waits for its flush

    before = await wal_syncs()
    await begin.begin("activity-last", "dialog/a")
    async with driver_connection(postgres_engine) as kept:  # the one just used (kept LIFO)
        assert await kept._connection.fetchval("SHOW synchronous_commit") == "on"
    for number in range(50):
        await storage.write({f"dialog/{number}": {"dialog": {"step": number}}})
    assert await wal_syncs() - before >= 50  # every state write waits for its flush
