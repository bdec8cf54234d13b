"""Read-only queries for the annual figures (`annual_report`, the admins' statistics card).

Data minimisation by construction: these queries select only the structured fields that
statistics need. Never an `_enc` column, a pseudonym, a case reference, a consultant's id or
name, a participant's id or name, an event's title or a conversation: what is not read cannot
end up in a report (`tests/annual_report/test_report_queries.py` checks the selected columns).

Everything is per period of whole days; instants are bound in UTC (SQLite compares the stored
UTC wall-clock text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Select

from storage.models import Base
from storage.sqlutil import aware, aware_or_none, split_list

REFERRALS = Base.metadata.tables["referrals"]
EVENTS = Base.metadata.tables["referral_events"]
GATES = Base.metadata.tables["gate_answers"]
TRAINING_EVENTS = Base.metadata.tables["training_events"]
SIGNUPS = Base.metadata.tables["training_signups"]
NOTICES = Base.metadata.tables["training_notices"]

# History kinds (storage.casework): the first of these is when a consultant took it up. A
# consultant may close without claiming (answering a simple question at once).
RESPONSE_KINDS = ("claimed", "closed")
REMINDER_KINDS = ("reminded", "escalated")


@dataclass(frozen=True, slots=True)
class ReferralFacts:
    """One filed referral as statistics see it: nothing that identifies anyone."""

    created_at: datetime
    mode: str
    filed_unit: str  # where routing sent it
    unit: str  # where it is now, after any transfers
    rule_id: str
    tags: tuple[str, ...]
    age_band: str
    signs: tuple[str, ...]
    has_serious_sign: bool
    employee_role: str
    employee_administration: str
    status: str
    outcome: str | None
    first_response_at: datetime | None  # first claim (or close without a claim)
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class GateAnswer:
    kind: str  # acute | not_copenhagen | question
    at: datetime


@dataclass(frozen=True, slots=True)
class ReminderEvent:
    kind: str  # reminded | escalated
    at: datetime


@dataclass(frozen=True, slots=True)
class TrainingEventFacts:
    """A training event with its sign-ups counted by their final state."""

    kind: str
    topics: tuple[str, ...]
    starts_at: datetime
    cancelled: bool
    confirmed: int
    waitlisted: int
    withdrawn: int  # sign-ups cancelled by the participant
    attended: int
    moved_up: int  # participants moved up from the waitlist


@dataclass(frozen=True, slots=True)
class ReportData:
    referrals: tuple[ReferralFacts, ...]
    gates: tuple[GateAnswer, ...]
    reminders: tuple[ReminderEvent, ...]
    training: tuple[TrainingEventFacts, ...]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def referral_query(start: datetime, end: datetime) -> Select[tuple[object, ...]]:
    history = (
        select(
            EVENTS.c.referral_id,
            func.min(
                case((EVENTS.c.kind.in_(RESPONSE_KINDS), EVENTS.c.at)),
                type_=DateTime(timezone=True),
            ).label("first_response_at"),
            func.min(case((EVENTS.c.kind == "filed", EVENTS.c.unit)), type_=String()).label(
                "filed_unit"
            ),
        )
        .join(REFERRALS, REFERRALS.c.id == EVENTS.c.referral_id)
        .where(REFERRALS.c.created_at >= _utc(start), REFERRALS.c.created_at < _utc(end))
        .group_by(EVENTS.c.referral_id)
        .subquery()
    )
    return (
        select(
            REFERRALS.c.created_at,
            REFERRALS.c.mode,
            history.c.filed_unit,
            REFERRALS.c.unit,
            REFERRALS.c.rule_id,
            REFERRALS.c.tags,
            REFERRALS.c.age_band,
            REFERRALS.c.signs,
            REFERRALS.c.has_serious_sign,
            REFERRALS.c.employee_role,
            REFERRALS.c.employee_administration,
            REFERRALS.c.status,
            REFERRALS.c.outcome,
            history.c.first_response_at,
            REFERRALS.c.closed_at,
        )
        .select_from(REFERRALS.outerjoin(history, history.c.referral_id == REFERRALS.c.id))
        .where(REFERRALS.c.created_at >= _utc(start), REFERRALS.c.created_at < _utc(end))
    )


def training_query(start: datetime, end: datetime) -> Select[tuple[object, ...]]:
    def of_status(status: str) -> Any:
        return func.sum(case((SIGNUPS.c.status == status, 1), else_=0))

    signups = (
        select(
            SIGNUPS.c.event_id,
            of_status("confirmed").label("confirmed"),
            of_status("waitlisted").label("waitlisted"),
            of_status("cancelled").label("withdrawn"),
            func.sum(
                case(
                    (and_(SIGNUPS.c.status == "confirmed", SIGNUPS.c.attended.is_(True)), 1),
                    else_=0,
                )
            ).label("attended"),
        )
        .group_by(SIGNUPS.c.event_id)
        .subquery()
    )
    moved_up = (
        select(
            NOTICES.c.event_id,
            func.count(func.distinct(NOTICES.c.participant_id)).label("moved_up"),
        )
        .where(NOTICES.c.kind == "promoted")
        .group_by(NOTICES.c.event_id)
        .subquery()
    )
    return (
        select(
            TRAINING_EVENTS.c.kind,
            TRAINING_EVENTS.c.topics,
            TRAINING_EVENTS.c.starts_at,
            TRAINING_EVENTS.c.status,
            func.coalesce(signups.c.confirmed, 0).label("confirmed"),
            func.coalesce(signups.c.waitlisted, 0).label("waitlisted"),
            func.coalesce(signups.c.withdrawn, 0).label("withdrawn"),
            func.coalesce(signups.c.attended, 0).label("attended"),
            func.coalesce(moved_up.c.moved_up, 0).label("moved_up"),
        )
        .select_from(
            TRAINING_EVENTS.outerjoin(
                signups, signups.c.event_id == TRAINING_EVENTS.c.id
            ).outerjoin(moved_up, moved_up.c.event_id == TRAINING_EVENTS.c.id)
        )
        .where(TRAINING_EVENTS.c.starts_at >= _utc(start), TRAINING_EVENTS.c.starts_at < _utc(end))
    )


async def load(engine: AsyncEngine, spans: Sequence[tuple[datetime, datetime]]) -> ReportData:
    """Everything the figures need for the given [start, end) spans (a period and the one it
    is compared with), in one read-only connection."""
    referrals: list[ReferralFacts] = []
    gates: list[GateAnswer] = []
    reminders: list[ReminderEvent] = []
    training: list[TrainingEventFacts] = []
    async with engine.connect() as connection:
        for start, end in spans:
            result = await connection.execute(referral_query(start, end))
            referrals.extend(_referral(row) for row in result)
            rows = await connection.execute(
                select(GATES.c.kind, GATES.c.at).where(
                    GATES.c.at >= _utc(start), GATES.c.at < _utc(end)
                )
            )
            gates.extend(GateAnswer(row.kind, aware(row.at)) for row in rows)
            rows = await connection.execute(
                select(EVENTS.c.kind, EVENTS.c.at).where(
                    EVENTS.c.kind.in_(REMINDER_KINDS),
                    EVENTS.c.at >= _utc(start),
                    EVENTS.c.at < _utc(end),
                )
            )
            reminders.extend(ReminderEvent(row.kind, aware(row.at)) for row in rows)
            rows = await connection.execute(training_query(start, end))
            training.extend(_training(row) for row in rows)
    return ReportData(tuple(referrals), tuple(gates), tuple(reminders), tuple(training))


def _referral(r: Any) -> ReferralFacts:
    return ReferralFacts(
        created_at=aware(r.created_at),
        mode=r.mode,
        filed_unit=r.filed_unit or r.unit,
        unit=r.unit,
        rule_id=r.rule_id,
        tags=split_list(r.tags),
        age_band=r.age_band,
        signs=split_list(r.signs),
        has_serious_sign=bool(r.has_serious_sign),
        employee_role=r.employee_role,
        employee_administration=r.employee_administration,
        status=r.status,
        outcome=r.outcome,
        first_response_at=aware_or_none(r.first_response_at),
        closed_at=aware_or_none(r.closed_at),
    )


def _training(r: Any) -> TrainingEventFacts:
    return TrainingEventFacts(
        kind=r.kind,
        topics=split_list(r.topics),
        starts_at=aware(r.starts_at),
        cancelled=r.status == "cancelled",
        confirmed=int(r.confirmed),
        waitlisted=int(r.waitlisted),
        withdrawn=int(r.withdrawn),
        attended=int(r.attended),
        moved_up=int(r.moved_up),
    )


__all__ = [
    "GateAnswer",
    "ReferralFacts",
    "ReminderEvent",
    "ReportData",
    "TrainingEventFacts",
    "load",
]
