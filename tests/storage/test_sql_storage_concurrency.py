"""`SqlStorage` under real concurrency, on SQLite and PostgreSQL (the `engine` fixture):
eTags let exactly one of several simultaneous writers win, and a batch is one transaction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.bot_state import ETagConflict, SqlStorage

WRITERS = 20


async def test_of_concurrent_writers_of_one_read_exactly_one_wins(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    await storage.write({"conversation": {"turn": 0, "writer": None}})
    everyone_has_read = asyncio.Barrier(WRITERS)

    async def writer(number: int) -> None:
        document = (await storage.read(["conversation"]))["conversation"]
        await everyone_has_read.wait()  # all read the same version before anyone writes
        document["turn"] += 1
        document["writer"] = number
        await storage.write({"conversation": document})

    outcomes = await asyncio.gather(
        *(writer(number) for number in range(WRITERS)), return_exceptions=True
    )

    winners = [number for number, outcome in enumerate(outcomes) if outcome is None]
    losers = [outcome for outcome in outcomes if outcome is not None]
    assert len(winners) == 1, outcomes
    assert len(losers) == WRITERS - 1
    assert all(isinstance(loser, ETagConflict) for loser in losers), losers
    assert all(isinstance(loser, KeyError) for loser in losers)

    final = (await storage.read(["conversation"]))["conversation"]
    del final["e_tag"]
    assert final == {"turn": 1, "writer": winners[0]}


async def test_of_concurrent_stale_writers_of_a_deleted_document_one_recreates_it(
    engine: AsyncEngine,
) -> None:
    """A stale eTag for a missing key recreates the document (MemoryStorage semantics); when
    many race to do so, the losers get the conflict too, not a database error. A few rounds,
    as a race may happen not to show in one."""
    storage = SqlStorage(engine)
    for _ in range(3):
        await storage.write({"conversation": {"writer": None}})
        stale_etag = (await storage.read(["conversation"]))["conversation"]["e_tag"]
        await storage.delete(["conversation"])
        ready = asyncio.Barrier(WRITERS)

        async def writer(number: int, etag: str, ready: asyncio.Barrier) -> None:
            await ready.wait()
            await storage.write({"conversation": {"writer": number, "e_tag": etag}})

        outcomes = await asyncio.gather(
            *(writer(number, stale_etag, ready) for number in range(WRITERS)),
            return_exceptions=True,
        )

        winners = [number for number, outcome in enumerate(outcomes) if outcome is None]
        losers = [outcome for outcome in outcomes if outcome is not None]
        assert len(winners) == 1, outcomes
        assert all(isinstance(loser, ETagConflict) for loser in losers), losers
        final = (await storage.read(["conversation"]))["conversation"]
        assert final["writer"] == winners[0]


async def test_a_batch_with_a_conflict_writes_nothing(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    await storage.write({"first": {"value": 1}, "second": {"value": 1}})
    read = await storage.read(["first", "second"])
    # Someone else saves `second` after we read it.
    await storage.write({"second": {"value": 2, "e_tag": read["second"]["e_tag"]}})
    before = await storage.read(["first", "second"])

    first, stale_second = read["first"], read["second"]
    first["value"] = 10
    stale_second["value"] = 20
    with pytest.raises(ETagConflict):
        await storage.write({"first": first, "second": stale_second})

    # `first` was valid, yet its update went with the failed batch: same value, same eTag.
    assert await storage.read(["first", "second"]) == before
    assert before["first"]["value"] == 1
    assert before["second"]["value"] == 2


async def test_a_batch_with_an_empty_etag_writes_nothing(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    await storage.write({"first": {"value": 1}, "second": {"value": 1}})
    before = await storage.read(["first", "second"])

    with pytest.raises(ValueError, match="empty eTag"):
        await storage.write(
            {
                "first": {"value": 10, "e_tag": before["first"]["e_tag"]},
                "new": {"value": 1},
                "second": {"value": 20, "e_tag": ""},
            }
        )

    assert await storage.read(["first", "second", "new"]) == before
