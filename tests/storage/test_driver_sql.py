"""The hot statements on the driver's own connection (storage/driver_sql.py).

The storage contract suite already runs `SqlStorage` on both databases (through this path for
one-document reads and writes) and `ProcessedActivities` has its own tests; here: that the
path is really taken, and that a PostgreSQL connection the server dropped is not handed out
again, which SQLAlchemy cannot see for itself when the error comes from the driver.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage import bot_state, driver_sql
from storage.activities import ProcessedActivities
from storage.bot_state import ETagConflict, SqlStorage
from storage.driver_sql import DriverStatement, affected_rows, driver_connection
from storage.engine import create_engine
from tests.support.db import RUN_DATABASE, _admin, sqlite_url

ONE = DriverStatement("SELECT 1", (), ())
BROKEN = DriverStatement("SELECT * FROM no_such_table", (), ())


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Waits for tasks to reach a state (however loaded the machine), or fails."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def count_driver_connections(monkeypatch: pytest.MonkeyPatch, module: Any) -> Callable[[], int]:
    """Counts the driver connections `module` takes; call the result for the count so far."""
    used = 0
    real = module.driver_connection

    def counting(engine: AsyncEngine):  # type: ignore[no-untyped-def]
        nonlocal used
        used += 1
        return real(engine)

    monkeypatch.setattr(module, "driver_connection", counting)
    return lambda: used


async def keep_three(engine: AsyncEngine) -> None:
    """Three users at once, then none: three connections kept idle."""
    release = asyncio.Event()

    async def use() -> None:
        async with driver_connection(engine):
            await release.wait()

    users = [asyncio.create_task(use()) for _ in range(3)]
    await until(lambda: engine.sync_engine.pool.checkedout() == 3)
    release.set()
    await asyncio.gather(*users)


async def test_one_document_reads_and_writes_take_the_driver_path(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    used = count_driver_connections(monkeypatch, bot_state)
    storage = SqlStorage(engine)
    await storage.write({"dialog/a": {"dialog": {"step": 1}}})
    read = await storage.read(["dialog/a"])
    await storage.write({"dialog/a": {"dialog": {"step": 2}, "e_tag": read["dialog/a"]["e_tag"]}})
    with pytest.raises(ETagConflict):  # the old eTag is stale now
        await storage.write(
            {"dialog/a": {"dialog": {"step": 3}, "e_tag": read["dialog/a"]["e_tag"]}}
        )
    assert (await storage.read(["dialog/a"]))["dialog/a"]["dialog"] == {"step": 2}
    assert used() == 5


@pytest.mark.postgres
async def test_a_connection_the_server_dropped_is_replaced_not_reused(
    postgres_engine: AsyncEngine,
) -> None:
    storage = SqlStorage(postgres_engine)
    claims = ProcessedActivities(postgres_engine)
    await storage.write({"dialog/a": {"dialog": {"step": 1}}})
    # Warm the pool, then drop every connection of this database, as a server restart would.
    for _ in range(3):
        await storage.read(["dialog/a"])
    terminate = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608 - the run's own database
        f"WHERE datname = '{RUN_DATABASE}' AND pid <> pg_backend_pid()"
    )
    await _admin(terminate)

    outcomes: list[str] = []
    for attempt in range(12):
        try:
            if attempt % 2:
                await claims.claim(f"activity-{attempt}")
            else:
                await storage.read(["dialog/a"])
            outcomes.append("ok")
        except Exception:  # the dropped connections fail once each
            outcomes.append("failed")
    # Each dead connection failed at most once, was thrown away, and the pool recovered.
    assert outcomes.count("failed") <= 3
    assert outcomes[-6:] == ["ok"] * 6


async def test_a_connection_is_kept_between_uses_not_checked_out_each_time(
    engine: AsyncEngine,
) -> None:
    async with driver_connection(engine) as first:
        pass
    async with driver_connection(engine) as second:
        pass
    assert second is first  # kept, so no pool checkout (and its greenlet switches) per use
    assert engine.sync_engine.pool.checkedout() == 1  # held out of the pool: it counts


async def test_at_most_eight_are_open_and_more_users_wait_their_turn_in_order(
    engine: AsyncEngine,
) -> None:
    release = asyncio.Event()
    order: list[int] = []

    async def use(number: int) -> None:
        async with driver_connection(engine):
            order.append(number)
            await release.wait()

    users = [asyncio.create_task(use(number)) for number in range(12)]
    kept = driver_sql._kept(engine)
    await until(lambda: len(order) == 8 and len(kept._waiters) == 4)
    assert engine.sync_engine.pool.checkedout() == 8 and sorted(order) == list(range(8))
    # The pool is not crowded out: the rest of the bot still gets connections at once.
    async with asyncio.timeout(1), engine.connect() as other:
        assert (await other.execute(text("SELECT 1"))).scalar() == 1
    release.set()
    await asyncio.gather(*users)
    assert order[8:] == [8, 9, 10, 11]  # the waiters: first come, first served
    assert engine.sync_engine.pool.checkedout() == 8  # kept for the next turns


async def test_a_waiter_cancelled_as_a_connection_reaches_it_passes_the_connection_on(
    engine: AsyncEngine,
) -> None:
    """A turn cancelled (the client went away, a timeout) in the instant between being handed
    a connection and resuming must not take the connection with it."""
    kept = driver_sql._kept(engine)
    held = [await kept.acquire() for _ in range(8)]
    waiting = asyncio.create_task(kept.acquire())
    await asyncio.sleep(0.01)
    assert len(kept._waiters) == 1
    await kept.give_back(held.pop())  # handed to the waiter ...
    waiting.cancel()  # ... which is cancelled before it resumes
    with pytest.raises(asyncio.CancelledError):
        await waiting
    for connection in held:
        await kept.give_back(connection)
    async with asyncio.timeout(2):  # all eight still there to be used at once
        again = [await kept.acquire() for _ in range(8)]
    for connection in again:
        await kept.give_back(connection)
    assert engine.sync_engine.pool.checkedout() == 8


async def test_a_failed_statement_drops_its_connection_and_every_kept_one(
    engine: AsyncEngine,
) -> None:
    await keep_three(engine)
    async with driver_connection(engine) as before:
        pass
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
        async with driver_connection(engine) as failing:
            await failing.fetchrow(BROKEN, {})
    assert engine.sync_engine.pool.checkedout() == 0  # none kept: they may all be dead
    async with driver_connection(engine) as after:
        assert await after.fetchrow(ONE, {}) is not None
    assert after is not before


async def test_kept_connections_are_recycled_like_the_pools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_async_engine(sqlite_url(tmp_path), pool_recycle=60)
    try:
        async with driver_connection(engine) as first:
            pass
        later = time.monotonic() + 61
        monkeypatch.setattr(driver_sql.time, "monotonic", lambda: later)
        async with driver_connection(engine) as second:
            pass
        assert second is not first
    finally:
        await engine.dispose()


async def test_disposing_the_engine_closes_the_kept_connections(database_url: str) -> None:
    engine = create_engine(database_url)
    async with driver_connection(engine) as kept:
        pass
    raw = kept._connection
    await engine.dispose()
    if engine.dialect.name == "postgresql":
        assert raw.is_closed()
    else:
        assert raw._connection is None  # storage.sqlite_inline.InlineConnection, closed
    assert engine.sync_engine.pool.checkedout() == 0


@pytest.mark.postgres
async def test_kept_connections_the_server_closed_while_idle_are_skipped_not_used(
    postgres_engine: AsyncEngine,
) -> None:
    """After a database restart while the bot was idle, the next turn must not fail (and
    apologise) on a dead kept connection."""
    await keep_three(postgres_engine)
    terminate = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608 - the run's own database
        f"WHERE datname = '{RUN_DATABASE}' AND pid <> pg_backend_pid()"
    )
    await _admin(terminate)
    await asyncio.sleep(0.2)  # the loop sees the sockets close
    async with driver_connection(postgres_engine) as fresh:
        assert await fresh.fetchrow(ONE, {}) is not None


@pytest.mark.parametrize(
    ("status", "rows"), [("INSERT 0 1", 1), ("INSERT 0 0", 0), ("UPDATE 3", 3), ("", 0)]
)
def test_affected_rows_reads_asyncpg_command_status(status: str, rows: int) -> None:
    assert affected_rows(status) == rows
