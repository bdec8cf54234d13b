"""The start of a turn (storage/turn_start.py): the activity claim and the state read, in one
statement on PostgreSQL, one after the other on SQLite, with the same outcome on both (the
`engine` fixture runs each test on both databases)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import turn_start
from storage.activities import ProcessedActivities
from storage.bot_state import SqlStorage
from storage.crypto import cipher_from
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
    used = 0
    real = turn_start.driver_connection

    def counting(engine: AsyncEngine):  # type: ignore[no-untyped-def]
        nonlocal used
        used += 1
        return real(engine)

    monkeypatch.setattr(turn_start, "driver_connection", counting)
    begin, _ = starts(engine)
    await begin.begin("activity-1", "dialog/a")
    assert used == (1 if engine.dialect.name == "postgresql" else 0)
