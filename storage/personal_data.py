"""The employee's own data across features: what is held about them, and erasing what no
retention duty keeps (docs/privacy.md, "The employee's rights")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base

SIGNUPS = Base.metadata.tables["training_signups"]
EVENTS = Base.metadata.tables["training_events"]
NOTICES = Base.metadata.tables["training_notices"]
DELIVERIES = Base.metadata.tables["announcement_deliveries"]
FINAL_DELIVERIES = ("sent", "blocked", "failed", "skipped")


@dataclass(frozen=True)
class SignupHistory:
    upcoming: int
    past: int


async def signup_history(
    engine: AsyncEngine, participant_id: str, *, now: datetime
) -> SignupHistory:
    # Two conditional counts, not GROUP BY (ends_at < :now): PostgreSQL sees the bound `now`
    # in SELECT and in GROUP BY as two different expressions and refuses the query.
    is_past = EVENTS.c.ends_at < now
    query = (
        select(
            func.coalesce(func.sum(case((is_past, 0), else_=1)), 0),
            func.coalesce(func.sum(case((is_past, 1), else_=0)), 0),
        )
        .select_from(SIGNUPS.join(EVENTS, EVENTS.c.id == SIGNUPS.c.event_id))
        .where(SIGNUPS.c.participant_id == participant_id)
    )
    async with engine.connect() as connection:
        upcoming, past = (await connection.execute(query)).one()
    return SignupHistory(upcoming=int(upcoming), past=int(past))


async def forget_past_training(engine: AsyncEngine, participant_id: str, *, now: datetime) -> int:
    """Past sign-ups stay as anonymous counts (attendance for the annual figures); the name
    and the link to the person go. Finished notices and announcement deliveries go too."""
    past_events = select(EVENTS.c.id).where(EVENTS.c.ends_at < now).scalar_subquery()
    async with engine.begin() as connection:
        rows = (
            (
                await connection.execute(
                    select(SIGNUPS.c.id).where(
                        SIGNUPS.c.participant_id == participant_id,
                        SIGNUPS.c.event_id.in_(past_events) | (SIGNUPS.c.status == "cancelled"),
                    )
                )
            )
            .scalars()
            .all()
        )
        for signup_id in rows:
            await connection.execute(
                update(SIGNUPS)
                .where(SIGNUPS.c.id == signup_id)
                .values(participant_id=f"erased-{uuid.uuid4().hex}", participant_name_enc=None)
            )
        await connection.execute(
            delete(NOTICES).where(
                NOTICES.c.participant_id == participant_id, NOTICES.c.event_id.in_(past_events)
            )
        )
        await connection.execute(
            delete(DELIVERIES).where(
                DELIVERIES.c.subscriber_id == participant_id,
                DELIVERIES.c.status.in_(FINAL_DELIVERIES),
            )
        )
    return len(rows)
