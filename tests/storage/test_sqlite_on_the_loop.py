"""SQLite runs on the event loop (storage/sqlite_inline.py), and writers never block the loop.

These are the hazards of running sqlite3 on the loop thread, each with a test that fails
without its guard: a write transaction that yields while another coroutine writes (the
asyncio write lock), a lock held by another process (a short busy_timeout that raises instead
of stalling), and a transaction that ends in an error (the lock is given back).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage import sqlite_inline
from storage.engine import create_engine


@pytest.fixture
async def loop_engine(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'loop.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    await engine.dispose()


async def test_statements_run_on_the_loop_thread_without_worker_threads(loop_engine) -> None:
    seen: list[int] = []

    async with loop_engine.connect() as connection:
        raw = await connection.get_raw_connection()
        sqlite_connection = raw.driver_connection._connection  # type: ignore[union-attr]
        sqlite_connection.create_function("whoami", 0, lambda: seen.append(threading.get_ident()))
        threads_before = threading.active_count()
        await connection.execute(text("SELECT whoami()"))
        assert threading.active_count() == threads_before

    assert seen == [threading.get_ident()]


async def test_write_transactions_that_yield_wait_for_each_other_instead_of_locking(
    loop_engine,
) -> None:
    """Without the write lock, B's INSERT meets A's open transaction: SQLite's busy handler
    then sleeps on the loop thread, A cannot finish, and B fails with 'database is locked'."""

    async def writer(name: str) -> None:
        async with loop_engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": name})
            await asyncio.sleep(0.05)  # the transaction yields to the loop, still open
            await connection.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": name})

    await asyncio.gather(*(writer(name) for name in ("a", "b", "c")))

    async with loop_engine.connect() as connection:
        rows = (await connection.execute(text("SELECT who FROM t ORDER BY id"))).scalars().all()
    # All three committed, and each ran whole before the next one started writing.
    assert rows == ["a", "a", "b", "b", "c", "c"]


async def test_the_loop_keeps_running_while_a_transaction_is_open(loop_engine) -> None:
    ticks = 0
    stop = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    beat = asyncio.create_task(heartbeat())

    async def slow_writer() -> None:
        async with loop_engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES ('slow')"))
            await asyncio.sleep(0.2)

    async def second_writer() -> None:
        await asyncio.sleep(0.01)
        async with loop_engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES ('second')"))

    ticks_before = ticks
    await asyncio.gather(slow_writer(), second_writer())
    stop.set()
    await beat
    # While the second writer waited for the first, the loop kept serving other work.
    assert ticks - ticks_before >= 10


async def test_a_failed_transaction_gives_the_write_lock_back(loop_engine) -> None:
    async with loop_engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (id, who) VALUES (1, 'first')"))

    with pytest.raises(IntegrityError):
        async with loop_engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES ('kept?')"))
            await connection.execute(text("INSERT INTO t (id, who) VALUES (1, 'duplicate')"))

    async def next_writer() -> None:
        async with loop_engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES ('next')"))

    await asyncio.wait_for(next_writer(), timeout=5)
    async with loop_engine.connect() as connection:
        rows = (await connection.execute(text("SELECT who FROM t ORDER BY id"))).scalars().all()
    assert rows == ["first", "next"]


async def test_a_lock_held_by_another_process_fails_the_write_quickly(
    loop_engine, tmp_path: Path
) -> None:
    """Another process (here: a plain sqlite3 connection, which shares no asyncio lock) holds
    the write lock. The busy handler may block the loop only for BUSY_TIMEOUT_MS, then the
    statement fails as 'database is locked'; once the other writer is done, writes work."""
    other = sqlite3.connect(tmp_path / "loop.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with loop_engine.begin() as connection:
                await connection.execute(text("INSERT INTO t (who) VALUES ('blocked')"))
    finally:
        other.execute("ROLLBACK")
        other.close()

    async with loop_engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (who) VALUES ('after')"))
    async with loop_engine.connect() as connection:
        rows = (await connection.execute(text("SELECT who FROM t"))).scalars().all()
    assert rows == ["after"]


async def test_a_writer_waiting_too_long_for_the_lock_gets_database_is_locked(
    loop_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "LOCK_TIMEOUT_S", 0.1)
    release = asyncio.Event()

    async def holder() -> None:
        async with loop_engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES ('holder')"))
            await release.wait()

    task = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    with pytest.raises(OperationalError, match="database is locked"):
        async with loop_engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES ('waiter')"))
    release.set()
    await task


async def test_autocommit_connections_set_their_isolation_level_inline(loop_engine) -> None:
    async with loop_engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("INSERT INTO t (who) VALUES ('auto')"))
    # No commit was called: the row is there because the statement committed itself, and the
    # write lock was given back at once (the next writer does not wait for a timeout).
    async with loop_engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (who) VALUES ('next')"))
        rows = (await connection.execute(text("SELECT who FROM t ORDER BY id"))).scalars().all()
    assert rows == ["auto", "next"]


def test_each_event_loop_has_its_own_write_lock(tmp_path: Path) -> None:
    database = str(tmp_path / "x.sqlite3")

    async def lock_of() -> asyncio.Lock:
        return sqlite_inline.write_lock(database)

    first, second = asyncio.run(lock_of()), asyncio.run(lock_of())
    assert first is not second


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
async def test_a_cancellation_that_arrives_as_the_lock_is_granted_is_not_lost(
    tmp_path: Path, steps: int
) -> None:
    """Python 3.11's `asyncio.wait_for` returns the result and drops the cancellation when
    both arrive together; a worker being stopped would then go on writing, and the app's
    shutdown hung on it. The lock is waited for with `asyncio.timeout` instead: a cancel
    the task accepted (it was not finished) always ends it with CancelledError."""
    lock = asyncio.Lock()
    connection = sqlite_inline.InlineConnection(
        lambda: sqlite3.connect(tmp_path / "c.sqlite3", check_same_thread=False), lock
    )
    await connection
    await lock.acquire()  # another writer holds it
    waiting = asyncio.create_task(connection._acquire())
    await asyncio.sleep(0)  # the task now waits for the lock
    lock.release()  # granted ...
    for _ in range(steps):
        await asyncio.sleep(0)
    accepted = waiting.cancel()  # ... and cancelled in (about) the same moment
    if accepted:
        with pytest.raises(asyncio.CancelledError):
            await waiting
    else:
        assert waiting.done() and not waiting.cancelled()
    await connection.close()
