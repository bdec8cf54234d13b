"""Retention: what is kept how long (docs/privacy.md). Each function does one bounded batch
and returns how many rows it handled; the bot's workers run them daily and log the counts.

- Closed referrals older than the retention period are reduced to their statistical fields
  (mode, unit, rule, age band, signs, crime status, profession, administration, dates,
  outcome): the free text, context, identities, the employee's pseudonym, additions and
  relayed messages go. Or, with `delete=True`, the referral goes entirely.
- Audit entries older than their own period are deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base

REFERRALS = Base.metadata.tables["referrals"]
EVENTS = Base.metadata.tables["referral_events"]
ADDITIONS = Base.metadata.tables["referral_additions"]
MESSAGES = Base.metadata.tables["referral_messages"]
AUDIT = Base.metadata.tables["audit_log"]
OUTBOX = Base.metadata.tables["outbox"]

# What a reduced referral keeps is what the annual figures count; everything else is cleared.
_CLEARED = {
    "description_enc": "",
    "context_enc": "",
    "youth_enc": None,
    "employee_name_enc": None,
    "employee_contact_enc": None,
    "employee_pseudonym": "",
    "claimed_by": None,
    "claimed_by_name": None,
}


async def reduce_closed_referrals(
    engine: AsyncEngine,
    *,
    closed_before: datetime,
    now: datetime,
    delete_all: bool = False,
    batch: int = 500,
) -> int:
    async with engine.begin() as connection:
        ids = list(
            (
                await connection.execute(
                    select(REFERRALS.c.id)
                    .where(
                        REFERRALS.c.status == "closed",
                        REFERRALS.c.closed_at < closed_before,
                        REFERRALS.c.reduced_at.is_(None),
                    )
                    .order_by(REFERRALS.c.id)
                    .limit(batch)
                )
            ).scalars()
        )
        if not ids:
            return 0
        if delete_all:
            await connection.execute(delete(REFERRALS).where(REFERRALS.c.id.in_(ids)))
            return len(ids)
        await connection.execute(delete(ADDITIONS).where(ADDITIONS.c.referral_id.in_(ids)))
        await connection.execute(delete(MESSAGES).where(MESSAGES.c.referral_id.in_(ids)))
        await connection.execute(delete(OUTBOX).where(OUTBOX.c.referral_id.in_(ids)))
        await connection.execute(
            update(REFERRALS)
            .where(REFERRALS.c.id.in_(ids))
            .values(**_CLEARED, reduced_at=now, updated_at=now)
        )
        rows = (
            await connection.execute(
                select(REFERRALS.c.id, REFERRALS.c.unit).where(REFERRALS.c.id.in_(ids))
            )
        ).all()
        await connection.execute(
            insert(EVENTS),
            [
                {
                    "referral_id": row.id,
                    "at": now,
                    "kind": "reduced",
                    "status": "closed",
                    "unit": row.unit,
                }
                for row in rows
            ],
        )
    return len(ids)


async def delete_old_audit(engine: AsyncEngine, *, before: datetime, batch: int = 5000) -> int:
    async with engine.begin() as connection:
        ids = list(
            (
                await connection.execute(
                    select(AUDIT.c.id).where(AUDIT.c.at < before).order_by(AUDIT.c.id).limit(batch)
                )
            ).scalars()
        )
        if ids:
            await connection.execute(delete(AUDIT).where(AUDIT.c.id.in_(ids)))
    return len(ids)
