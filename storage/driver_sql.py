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
pool, in autocommit mode, so pool sizing, recycling and disconnect handling stay in one place;
only statements that are atomic on their own run this way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
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

    async def fetchrow(self, statement: DriverStatement, values: Mapping[str, Any]) -> Any:
        return await self._connection.fetchrow(statement.sql, *statement.arguments(values))

    async def execute(self, statement: DriverStatement, values: Mapping[str, Any]) -> int:
        status = await self._connection.execute(statement.sql, *statement.arguments(values))
        return affected_rows(status)


class _Sqlite:
    def __init__(self, connection: Any) -> None:
        self._connection = connection  # storage.sqlite_inline.InlineConnection

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
    """A pooled connection in autocommit mode, as the driver's own connection.

    SQLAlchemy does not see the errors raised here, so it cannot tell a dropped connection
    (a server restart) from a failed statement: any error invalidates the connection, and the
    pool opens a fresh one for the next checkout instead of handing the dead one out again.
    """
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # No BEGIN/COMMIT round trips. (SQLite commits each write itself, see _Sqlite:
            # switching its isolation level on every checkout costs more than that.)
            await connection.execution_options(isolation_level="AUTOCOMMIT")
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        try:
            yield _Asyncpg(driver) if engine.dialect.name == "postgresql" else _Sqlite(driver)
        except BaseException:
            await connection.invalidate()
            raise


def affected_rows(status: str) -> int:
    """The row count of an asyncpg command status such as 'INSERT 0 1' or 'UPDATE 1'."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
