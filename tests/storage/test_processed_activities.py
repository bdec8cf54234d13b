"""`ProcessedActivities`, on SQLite and PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.activities import ProcessedActivities
from storage.models import ProcessedActivityRow

_TABLE = ProcessedActivityRow.__table__
CLAIMERS = 20


async def received_at(engine: AsyncEngine, activity_key: str, when: datetime) -> None:
    """Backdate a claim (claims are stamped with the current time)."""
    async with engine.begin() as connection:
        await connection.execute(
            update(_TABLE).where(_TABLE.c.activity_key == activity_key).values(received_at=when)
        )


async def claimed_keys(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.scalars(select(_TABLE.c.activity_key))).all())


async def test_a_key_is_claimed_once(engine: AsyncEngine) -> None:
    processed = ProcessedActivities(engine)

    assert await processed.claim("msteams:conv:activity-1") is True
    assert await processed.claim("msteams:conv:activity-1") is False
    assert await processed.claim("msteams:conv:activity-1") is False
    assert await processed.claim("msteams:conv:activity-2") is True


async def test_of_concurrent_claims_of_one_key_exactly_one_wins(engine: AsyncEngine) -> None:
    processed = ProcessedActivities(engine)

    outcomes = await asyncio.gather(
        *(processed.claim("msteams:conv:redelivered") for _ in range(CLAIMERS))
    )

    assert sorted(outcomes) == [False] * (CLAIMERS - 1) + [True]
    assert await claimed_keys(engine) == {"msteams:conv:redelivered"}


async def test_release_lets_the_key_be_claimed_again(engine: AsyncEngine) -> None:
    processed = ProcessedActivities(engine)
    await processed.claim("msteams:conv:failed")
    await processed.claim("msteams:conv:other")

    await processed.release("msteams:conv:failed")

    assert await claimed_keys(engine) == {"msteams:conv:other"}
    assert await processed.claim("msteams:conv:failed") is True
    assert await processed.claim("msteams:conv:failed") is False


async def test_release_of_an_unclaimed_key_does_nothing(engine: AsyncEngine) -> None:
    processed = ProcessedActivities(engine)
    await processed.claim("msteams:conv:kept")

    await processed.release("msteams:conv:never-claimed")

    assert await claimed_keys(engine) == {"msteams:conv:kept"}


async def test_prune_deletes_only_older_rows_and_counts_them(engine: AsyncEngine) -> None:
    processed = ProcessedActivities(engine)
    now = datetime.now(UTC)
    for key in ("old-1", "old-2", "old-3", "recent", "new"):
        await processed.claim(key)
    for key in ("old-1", "old-2", "old-3"):
        await received_at(engine, key, now - timedelta(days=2))
    await received_at(engine, "recent", now - timedelta(hours=23))

    assert await processed.prune(older_than=timedelta(days=1), now=now) == 3

    assert await claimed_keys(engine) == {"recent", "new"}
    assert await processed.claim("old-1") is True
    assert await processed.claim("recent") is False
    assert await processed.prune(older_than=timedelta(days=1), now=now) == 0


async def test_prune_defaults_to_the_current_time(engine: AsyncEngine) -> None:
    processed = ProcessedActivities(engine)
    await processed.claim("old")
    await processed.claim("new")
    await received_at(engine, "old", datetime.now(UTC) - timedelta(hours=2))

    assert await processed.prune(older_than=timedelta(hours=1)) == 1
    assert await claimed_keys(engine) == {"new"}


async def test_prune_compares_instants_whatever_the_time_zone_of_now(engine: AsyncEngine) -> None:
    """`now` in Copenhagen summer time (UTC+2) means the same instant on both backends."""
    processed = ProcessedActivities(engine)
    claimed = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    await processed.claim("activity")
    await received_at(engine, "activity", claimed)
    copenhagen = timezone(timedelta(hours=2))
    twenty_minutes_later = (claimed + timedelta(minutes=20)).astimezone(copenhagen)

    assert await processed.prune(older_than=timedelta(minutes=30), now=twenty_minutes_later) == 0
    assert await claimed_keys(engine) == {"activity"}
    forty_minutes_later = (claimed + timedelta(minutes=40)).astimezone(copenhagen)
    assert await processed.prune(older_than=timedelta(minutes=30), now=forty_minutes_later) == 1
