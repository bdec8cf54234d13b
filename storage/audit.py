"""The audit log: an append-only record of who did or tried what with which referral, when,
and whether it was allowed. It never holds content (no texts, no names of young people or
employees); `detail` is a short reason code.

Every consultant view and action writes one entry, and so does every refused attempt
(GDPR art. 32: log access to special-category data). Entries are only ever inserted; nothing
in the bot updates or deletes them. Retention is a separate, documented job (issue #6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.models import Base
from storage.sqlutil import aware

AUDIT = Base.metadata.tables["audit_log"]

ALLOWED, REFUSED, STALE = "allowed", "refused", "stale"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    actor_role: str  # admin | consultant | employee | system | other
    action: str  # view | claim | ask | answer | transfer | suggest | close | queue | ...
    outcome: str  # allowed | refused | stale
    at: datetime
    referral_id: int | None = None
    unit: str | None = None
    detail: str | None = None
    correlation_id: str = "-"


class AuditLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(self, entry: AuditEntry) -> None:
        async with self._engine.begin() as connection:
            await record_in(connection, entry)

    async def for_referral(self, referral_id: int, *, limit: int = 200) -> list[AuditEntry]:
        """A referral's entries, oldest first."""
        query = (
            select(AUDIT)
            .where(AUDIT.c.referral_id == referral_id)
            .order_by(AUDIT.c.at, AUDIT.c.id)
            .limit(limit)
        )
        return await self._select(query)

    async def recent(
        self, *, limit: int = 100, actor: str | None = None, action: str | None = None
    ) -> list[AuditEntry]:
        """The newest entries, newest first, optionally of one actor or action."""
        query = select(AUDIT).order_by(AUDIT.c.at.desc(), AUDIT.c.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(AUDIT.c.actor == actor)
        if action is not None:
            query = query.where(AUDIT.c.action == action)
        return await self._select(query)

    async def _select(self, query: Select[Any]) -> list[AuditEntry]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            AuditEntry(
                actor=row.actor,
                actor_role=row.actor_role,
                action=row.action,
                outcome=row.outcome,
                at=aware(row.at),
                referral_id=row.referral_id,
                unit=row.unit,
                detail=row.detail,
                correlation_id=row.correlation_id,
            )
            for row in rows
        ]


async def record_in(connection: AsyncConnection, entry: AuditEntry) -> None:
    """Record inside a caller's transaction, so an action and its audit commit together."""
    await connection.execute(
        insert(AUDIT).values(
            at=entry.at,
            actor=entry.actor[:128],
            actor_role=entry.actor_role[:16],
            action=entry.action[:32],
            outcome=entry.outcome[:16],
            referral_id=entry.referral_id,
            unit=entry.unit,
            detail=entry.detail[:64] if entry.detail else None,
            correlation_id=entry.correlation_id[:32],
        )
    )
