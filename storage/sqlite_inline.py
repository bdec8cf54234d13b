"""SQLite on the event loop: aiosqlite's API without aiosqlite's thread.

Why: aiosqlite runs every call (execute, fetch, commit, close) on a worker thread of its own
and wakes the event loop back with `call_soon_threadsafe`. For a local SQLite file, where a
statement takes microseconds, those hops cost more than the work: about 2 ms of CPU in a
5 ms referral turn, and the busy-handler sleeps of threads racing for SQLite's single write
lock gave a p99 of over a second at 16 users (docs/performance.md, fix 1). Here each call
runs directly on the loop's thread.

The hazard, and the guard. A write transaction may await something else between its
statements (another query's turn, a network call). If a second coroutine then started
writing on another connection, SQLite's busy handler would sleep *on the loop thread*,
blocking the first writer from ever finishing. So every connection to the same database
file in this process takes one `asyncio.Lock` before the statement that opens a write
transaction and gives it back when the transaction ends: in-process writers wait for each
other asynchronously, the way SQLite would make them wait anyway, and the busy handler only
ever waits for *another process* (a CLI command), for at most `BUSY_TIMEOUT_MS`.

SQLAlchemy's aiosqlite dialect drives this class through aiosqlite's interface: the
coroutine methods, and `_tx.put_nowait((future, fn))`, which it uses to set the isolation
level. Both are kept.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable, Generator
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

# How long an in-process writer waits for the write lock, and how long SQLite's busy handler
# waits for a lock held by another process. The first matches what the busy handler allowed
# when writers were threads; the second is short because it blocks the whole loop.
LOCK_TIMEOUT_S = 10.0
BUSY_TIMEOUT_MS = 1000

# Statements that never open a write transaction. Everything else (INSERT, UPDATE, DELETE,
# REPLACE, BEGIN, SAVEPOINT, CREATE, ALTER, DROP, WITH ... INSERT) takes the lock first.
_READ_PREFIXES = ("select", "pragma", "explain")

_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def write_lock(database: str) -> asyncio.Lock:
    """The write lock shared by every connection of this loop to `database`."""
    per_loop = _locks.setdefault(asyncio.get_running_loop(), {})
    key = str(Path(database).expanduser().resolve()) if database != ":memory:" else database
    if key == ":memory:":
        return asyncio.Lock()  # each in-memory connection is a database of its own
    return per_loop.setdefault(key, asyncio.Lock())


def _may_write(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    name = getattr(fn, "__name__", "")
    if name not in ("execute", "executemany", "executescript"):
        return False
    sql = args[0] if args and isinstance(args[0], str) else ""
    return not sql.lstrip().lower().startswith(_READ_PREFIXES)


class _InlineQueue:
    """Stands in for aiosqlite's job queue: runs the job at once and settles its future."""

    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner

    def put_nowait(self, job: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = job
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting caller
            if future is not None and not future.done():
                future.set_exception(error)
        else:
            if future is not None and not future.done():
                future.set_result(result)
        finally:
            self._owner._release_if_idle()


class InlineConnection(aiosqlite.Connection):
    """An `aiosqlite.Connection` whose calls run on the calling thread, under a write lock."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], lock: asyncio.Lock) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _InlineQueue(self)  # type: ignore[assignment]
        self._write_lock = lock
        self._holds_lock = False

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if not self._holds_lock and _may_write(fn, args):
            await self._acquire()
        try:
            return fn(*args, **kwargs)
        finally:
            self._release_if_idle()

    async def _acquire(self) -> None:
        # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that
        # arrives as the lock is granted, and a stopping worker would then run on.
        try:
            async with asyncio.timeout(LOCK_TIMEOUT_S):
                await self._write_lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._holds_lock = True

    def _release_if_idle(self) -> None:
        if not self._holds_lock:
            return
        connection = self._connection
        try:
            busy = connection is not None and connection.in_transaction
        except sqlite3.ProgrammingError:  # closed underneath us
            busy = False
        if not busy:
            self._holds_lock = False
            self._write_lock.release()

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> asyncio.Future[Any] | None:
        self._running = False
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        self._release_if_idle()
        return None


def async_creator(url: str) -> Callable[[], Any]:
    """An `async_creator` for SQLAlchemy: opens an inline connection to the URL's database.

    SQLAlchemy ignores the URL once a creator is given, so its own dialect turns the URL into
    `sqlite3.connect` arguments here (relative paths, `?timeout=`, URI mode).
    """
    from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
    from sqlalchemy.engine import make_url

    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    database = str(args[0])
    kwargs = {**kwargs, "check_same_thread": False}

    async def create() -> InlineConnection:
        connection = InlineConnection(
            partial(sqlite3.connect, *args, **kwargs), write_lock(database)
        )
        return await connection

    return create
