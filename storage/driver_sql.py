"""The hot statements of every turn, run on the driver's own connection.

Why: each turn claims the activity, reads the dialog state and writes it back. Through
SQLAlchemy's execution layer (execution context, result objects, a greenlet hop per call)
those three statements cost ~0.35 ms of CPU on PostgreSQL, more than the statements
themselves; asyncpg runs the same SQL, prepared once per connection, for about a third of
that (docs/performance.md). On SQLite, where the statements run on the event loop
(storage/sqlite_inline.py), SQLAlchemy's layer is most of what is left of the database's
cost. The SQL is not written twice: each statement is the same Core statement, compiled once
for the engine's dialect, its values converted by SQLAlchemy's own bind processors (SQLite
stores timestamps as SQLAlchemy formats them). The connection still comes from SQLAlchemy's
pool, in autocommit mode, and a few are kept checked out between uses (`KeptConnections`,
fix 13): they count against the pool's size and follow its recycling. Only statements that
are atomic on their own run this way.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable


def uses_driver_sql(engine: AsyncEngine) -> bool:
    return (engine.dialect.name, engine.dialect.driver) in (
        ("postgresql", "asyncpg"),
        ("sqlite", "aiosqlite"),
    )


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A Core statement compiled once: its SQL text, its parameters in order, and how
    SQLAlchemy would convert each value for this driver."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def of(cls, engine: AsyncEngine, statement: Executable) -> DriverStatement:
        compiled = statement.compile(dialect=engine.dialect)  # type: ignore[attr-defined]
        names = tuple(compiled.positiontup or ())
        convert = compiled._bind_processors  # SQLAlchemy's own value conversions
        return cls(str(compiled), names, tuple(convert.get(name) for name in names))

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        return [
            value if convert is None else convert(value)
            for convert, value in zip(
                self.processors, (values[name] for name in self.names), strict=True
            )
        ]


class _Asyncpg:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def seems_alive(self) -> bool:
        """False once the server closed it (a restart, an idle timeout): asyncpg sees the
        socket's end as soon as the loop polls it, with no round trip."""
        return not self._connection.is_closed()

    async def fetchrow(self, statement: DriverStatement, values: Mapping[str, Any]) -> Any:
        return await self._connection.fetchrow(statement.sql, *statement.arguments(values))

    async def execute(self, statement: DriverStatement, values: Mapping[str, Any]) -> int:
        status = await self._connection.execute(statement.sql, *statement.arguments(values))
        return affected_rows(status)


class _Sqlite:
    def __init__(self, connection: Any) -> None:
        self._connection = connection  # storage.sqlite_inline.InlineConnection

    def seems_alive(self) -> bool:
        return True  # a file: nothing can close it behind our back

    async def fetchrow(self, statement: DriverStatement, values: Mapping[str, Any]) -> Any:
        cursor = await self._connection.execute(statement.sql, statement.arguments(values))
        return await cursor.fetchone()

    async def execute(self, statement: DriverStatement, values: Mapping[str, Any]) -> int:
        cursor = await self._connection.execute(statement.sql, statement.arguments(values))
        rows = int(cursor.rowcount)
        await self._connection.commit()  # sqlite3 opened a transaction for the write
        return rows


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A connection in autocommit mode, as the driver's own connection.

    Taken from the engine's kept connections (`KeptConnections`): a checkout from SQLAlchemy's
    pool costs ~0.1 ms of CPU (three greenlet switches, each a fresh 16 KiB frame stack),
    as much as the statement it serves. SQLAlchemy does not see the errors raised here, so it
    cannot tell a dropped connection (a server restart) from a failed statement: any error
    invalidates the connection and every kept one, and the next use opens fresh ones instead
    of handing a dead one out again.
    """
    kept = _kept(engine)
    held = await kept.acquire()
    try:
        yield held.driver
    except BaseException:
        await kept.invalidate(held)
        raise
    await kept.give_back(held)


@dataclass(slots=True)
class _Held:
    connection: AsyncConnection
    driver: _Asyncpg | _Sqlite
    opened: float
    generation: int


class KeptConnections:
    """At most `keep` connections for the hot statements, checked out of SQLAlchemy's pool and
    kept between uses; a use finds one idle, opens one while fewer than `keep` are open, or
    waits its turn (first come, first served, up to the pool's timeout).

    Why a limit instead of borrowing more from the pool under load: the hot statements take
    well under a millisecond, so a few connections serve any load this process can produce;
    what they must not do is crowd the rest of the bot (filings, the consultant side's
    transactions) out of the pool. At 64 users, when they could borrow, the filing turn waited
    in the pool's queue behind them: p50 760 ms against 23 ms for the other turns. They count
    against the pool's size, so the pool stays the one limit on connections; they are recycled
    like the pool's (`pool_recycle`), dropped when any of them fails, and closed when the
    engine is disposed."""

    def __init__(self, engine: AsyncEngine, keep: int) -> None:
        self._engine = engine
        self._keep = keep
        self._idle: list[_Held] = []
        self._waiters: deque[asyncio.Future[_Held | None]] = deque()
        self._open = 0  # connections open plus slots handed to a waiter to open one
        self._generation = 0
        pool: Any = engine.sync_engine.pool
        recycle = getattr(pool, "_recycle", -1)
        self._max_age = float(recycle) if recycle and recycle > 0 else float("inf")
        self._timeout = float(getattr(pool, "_timeout", 30.0))
        event.listen(engine.sync_engine, "engine_disposed", self._on_dispose)

    async def acquire(self) -> _Held:
        while self._idle:
            held = self._idle.pop()  # the most recently used: warm, and the others may age out
            if not held.driver.seems_alive():  # dropped by the server while kept: no apology
                self._close_later(held, invalidate=True)
            elif time.monotonic() - held.opened < self._max_age:
                return held
            else:
                self._close_later(held)
            self._free_slot()
        if self._open < self._keep:
            self._open += 1
            return await self._open_one()
        waiter: asyncio.Future[_Held | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self._timeout):
                handed = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._pass_on(waiter.result())  # handed over just as we gave up
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        return handed if handed is not None else await self._open_one()

    async def give_back(self, held: _Held) -> None:
        if held.generation != self._generation:  # opened before a failure: may be dead too
            await held.connection.invalidate()
            self._free_slot()
            return
        self._pass_on(held)

    async def invalidate(self, held: _Held) -> None:
        """A failed statement: this connection and the kept ones may be dead (a restart)."""
        self._generation += 1
        idle, self._idle = self._idle, []
        for connection in [held.connection, *(other.connection for other in idle)]:
            await connection.invalidate()
            self._free_slot()

    async def _open_one(self) -> _Held:
        """Opens a connection in a slot already counted in `_open`."""
        engine = self._engine
        try:
            connection = await engine.connect()
        except BaseException:
            self._free_slot()
            raise
        try:
            if engine.dialect.name == "postgresql":
                # No BEGIN/COMMIT round trips. (SQLite commits each write itself, see _Sqlite:
                # switching its isolation level on every checkout costs more than that.)
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            raw = (await connection.get_raw_connection()).driver_connection
        except BaseException:
            await connection.close()
            self._free_slot()
            raise
        driver = _Asyncpg(raw) if engine.dialect.name == "postgresql" else _Sqlite(raw)
        return _Held(connection, driver, time.monotonic(), self._generation)

    def _pass_on(self, item: _Held | None) -> None:
        """A connection (or, None, a free slot) goes to the longest waiter, else back."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        if item is None:
            self._open -= 1
        else:
            self._idle.append(item)

    def _free_slot(self) -> None:
        self._pass_on(None)

    def _close_later(self, held: _Held, *, invalidate: bool = False) -> None:
        connection = held.connection
        closing = connection.invalidate() if invalidate else connection.close()
        task = asyncio.get_running_loop().create_task(closing)
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    def _on_dispose(self, _engine: Any) -> None:
        # Runs inside AsyncEngine.dispose()'s greenlet, so the synchronous close may await.
        self._generation += 1
        idle, self._idle = self._idle, []
        for held in idle:
            held.connection.sync_connection.invalidate()  # type: ignore[union-attr]
            self._free_slot()


_closing: set[asyncio.Task[None]] = set()
_KEEP = 8


def _kept(engine: AsyncEngine) -> KeptConnections:
    # Kept on the engine itself: it lives exactly as long as the engine does.
    sync_engine: Any = engine.sync_engine
    kept: KeptConnections | None = getattr(sync_engine, "_vink_kept_connections", None)
    if kept is None:
        kept = sync_engine._vink_kept_connections = KeptConnections(engine, _KEEP)
    return kept


def affected_rows(status: str) -> int:
    """The row count of an asyncpg command status such as 'INSERT 0 1' or 'UPDATE 1'."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
