"""Processed activity ids, so a redelivered activity does nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.driver_sql import DriverStatement, driver_connection, uses_driver_sql
from storage.models import Base, ProcessedActivityRow

_TABLE = Base.metadata.tables[ProcessedActivityRow.__tablename__]


class ProcessedActivities:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._autocommit = engine.dialect.name == "postgresql"
        # Built once: constructing a Core statement and its cache key costs more than running it.
        self._claim = (
            self._insert(_TABLE)
            .values(activity_key=bindparam("k"), received_at=bindparam("t"))
            .on_conflict_do_nothing(index_elements=[_TABLE.c.activity_key])
        )
        # On the driver's own connection (storage/driver_sql.py).
        self._driver = DriverStatement.of(engine, self._claim) if uses_driver_sql(engine) else None

    async def claim(self, activity_key: str) -> bool:
        """Record the activity as being handled. False if it was already claimed: a duplicate."""
        if self._driver is not None:
            values = {"k": activity_key, "t": datetime.now(UTC)}
            async with driver_connection(self._engine) as driver:
                return await driver.execute(self._driver, values) == 1
        async with self._engine.connect() as connection:
            if self._autocommit:  # one statement: no BEGIN/COMMIT round trips
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await connection.execute(
                self._claim, {"k": activity_key, "t": datetime.now(UTC)}
            )
            if not self._autocommit:
                await connection.commit()
        return result.rowcount == 1

    async def release(self, activity_key: str) -> None:
        """Forget a claim whose turn failed, so Teams' redelivery gets a second chance."""
        async with self._engine.begin() as connection:
            await connection.execute(delete(_TABLE).where(_TABLE.c.activity_key == activity_key))

    async def prune(self, *, older_than: timedelta, now: datetime | None = None) -> int:
        """Teams redelivers within minutes; a day of ids is plenty."""
        cutoff = (now or datetime.now(UTC)) - older_than
        if cutoff.tzinfo is not None:
            # SQLite keeps timestamps as UTC wall-clock text and drops the zone of a bound value.
            cutoff = cutoff.astimezone(UTC)
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(_TABLE).where(_TABLE.c.received_at < cutoff))
        return int(result.rowcount or 0)
