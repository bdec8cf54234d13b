"""The start of a turn: claim the activity and read the conversation's dialog state.

Why one statement: on PostgreSQL every statement is a round trip and a pool checkout, and at
one user a turn is mostly waiting on them (docs/performance.md, fix 12). The claim (an INSERT
that does nothing on a duplicate) and the state read (a primary-key lookup) touch different
tables, so a data-modifying CTE runs both in one statement, atomically, in autocommit:

    WITH claimed AS (INSERT ... ON CONFLICT DO NOTHING RETURNING 1)
    SELECT (SELECT count(*) FROM claimed), s.codec, s.document, s.etag
    FROM (SELECT 1) AS one LEFT OUTER JOIN bot_state AS s ON s.key = :state_key

The claim's commit does not wait for its WAL flush (`set_config('synchronous_commit', 'off',
true)`, local to this statement's transaction; fix 14): the claim is a marker against Teams'
redelivery, not data. Any later synchronous commit flushes the WAL up to and including it, and
every turn that changes something commits synchronously (its state, a referral, a sign-up). So
a claim can only be lost in a crash of the database server within ~0.2 s of a turn that changed
nothing, and a redelivery of exactly that activity would then be answered a second time.

SQLite allows no INSERT in a CTE; there both statements already run on the event loop without
a round trip (storage/sqlite_inline.py), so they simply run one after the other. Either way the
result is the same: a duplicate reads nothing (the caller does nothing with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.activities import ProcessedActivities
from storage.bot_state import SqlStorage
from storage.driver_sql import DriverStatement, driver_connection
from storage.models import Base, BotStateRow, ProcessedActivityRow

_CLAIMS = Base.metadata.tables[ProcessedActivityRow.__tablename__]
_STATES = Base.metadata.tables[BotStateRow.__tablename__]


@dataclass(frozen=True, slots=True)
class TurnStart:
    """`claimed` is False for a duplicate delivery; `document` is the stored state, or None."""

    claimed: bool
    document: Any | None


class TurnStarts:
    def __init__(
        self, engine: AsyncEngine, processed: ProcessedActivities, storage: SqlStorage
    ) -> None:
        self._engine = engine
        self._processed = processed
        self._storage = storage
        self._one_trip = (
            DriverStatement.of(engine, _claim_and_read())
            if (engine.dialect.name, engine.dialect.driver) == ("postgresql", "asyncpg")
            else None
        )

    async def begin(self, claim_key: str, state_key: str) -> TurnStart:
        if self._one_trip is None:
            if not await self._processed.claim(claim_key):
                return TurnStart(False, None)
            return TurnStart(True, (await self._storage.read([state_key])).get(state_key))
        values = {"k": claim_key, "t": datetime.now(UTC), "s": state_key}
        async with driver_connection(self._engine) as driver:
            row = await driver.fetchrow(self._one_trip, values)
        claimed, _, codec, document, etag = row
        if not claimed:
            return TurnStart(False, None)
        if codec is None:
            return TurnStart(True, None)
        return TurnStart(True, self._storage.open_row(codec, document, etag))


def _claim_and_read() -> Any:
    claimed = (
        postgresql.insert(_CLAIMS)
        .values(activity_key=bindparam("k"), received_at=bindparam("t"))
        .on_conflict_do_nothing(index_elements=[_CLAIMS.c.activity_key])
        .returning(literal_column("1"))
        .cte("claimed")
    )
    one = select(literal_column("1").label("one")).subquery("one")
    return select(
        select(func.count()).select_from(claimed).scalar_subquery().label("claimed"),
        # This statement's own commit only: see the module's docstring.
        literal_column("set_config('synchronous_commit', 'off', true)").label("async_commit"),
        _STATES.c.codec,
        _STATES.c.document,
        _STATES.c.etag,
    ).select_from(one.outerjoin(_STATES, _STATES.c.key == bindparam("s")))
