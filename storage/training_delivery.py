"""Messages the training side sends on its own: announcements to subscribers and notices to
participants (moved up from the waitlist, event changed or cancelled, the day-before reminder).

Both are queues drained by background jobs. A row is claimed by one statement that moves it
from `pending` to `sending` (`UPDATE … WHERE id IN (… FOR UPDATE SKIP LOCKED) RETURNING`; on
SQLite the statement takes the single write lock at once), so concurrent workers never take the
same row. The claim is committed before the message goes to Teams, and the outcome (sent,
blocked, failed, or back to pending for a retry that is known to be safe) is written right
after. A worker that dies between Teams accepting the message and that write leaves the row in
`sending`; `recover_in_doubt` later counts it as failed instead of sending it again: nobody
gets the same announcement twice (docs/training.md, "Delivery guarantees").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.training.events import EventStatus
from domain.training.signups import REMINDER_TIME, SignupStatus, reminder_window_open
from storage.sqlutil import aware, aware_or_none
from storage.training import (
    ANNOUNCEMENTS,
    DELIVERIES,
    EVENTS,
    NOTICES,
    SIGNUPS,
    SUBSCRIPTIONS,
    enqueue_notice,
    utc,
)

STATUSES = ("pending", "sending", "sent", "blocked", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    event_id: int
    requested_by: str
    report_conversation_id: str
    language: str
    total: int
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    announcement_id: int
    event_id: int
    subscriber_id: str
    language: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    kind: str
    event_id: int
    participant_id: str
    language: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Tally:
    pending: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.blocked + self.failed + self.skipped

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed + self.skipped

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.sending == 0


@dataclass(frozen=True, slots=True)
class Report:
    announcement: Announcement
    tally: Tally
    final: bool


def _announcement(row: Row[Any]) -> Announcement:
    return Announcement(
        id=row.id,
        event_id=row.event_id,
        requested_by=row.requested_by,
        report_conversation_id=row.report_conversation_id,
        language=row.language,
        total=row.total,
        created_at=aware(row.created_at),
        finished_at=aware_or_none(row.finished_at),
    )


class TrainingDelivery:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    # --- announcements ----------------------------------------------------------------------

    async def announce(
        self,
        event_id: int,
        *,
        requested_by: str,
        report_conversation_id: str,
        language: str,
        now: datetime,
    ) -> tuple[Announcement, bool]:
        """Queue the event for every current subscriber, one delivery each. (announcement,
        True) when queued; (the running one, False) while an earlier one is still going."""
        async with self._engine.begin() as connection:
            # Lock the event row so two organisers clicking at once make one announcement.
            locked = select(EVENTS.c.id).where(EVENTS.c.id == event_id)
            if self._postgres:
                await connection.execute(locked.with_for_update())
            else:
                await connection.execute(
                    update(EVENTS).where(EVENTS.c.id == event_id).values(version=EVENTS.c.version)
                )
            running = (
                await connection.execute(
                    select(ANNOUNCEMENTS).where(
                        ANNOUNCEMENTS.c.event_id == event_id, ANNOUNCEMENTS.c.finished_at.is_(None)
                    )
                )
            ).first()
            if running is not None:
                return _announcement(running), False
            total = int(
                (
                    await connection.execute(select(func.count()).select_from(SUBSCRIPTIONS))
                ).scalar_one()
            )
            announcement_id = int(
                (
                    await connection.execute(
                        insert(ANNOUNCEMENTS)
                        .values(
                            event_id=event_id,
                            requested_by=requested_by,
                            report_conversation_id=report_conversation_id,
                            language=language,
                            total=total,
                            created_at=utc(now),
                        )
                        .returning(ANNOUNCEMENTS.c.id)
                    )
                ).scalar_one()
            )
            await connection.execute(
                insert(DELIVERIES).from_select(
                    [
                        "announcement_id",
                        "subscriber_id",
                        "language",
                        "status",
                        "attempts",
                        "available_at",
                        "updated_at",
                    ],
                    select(
                        literal(announcement_id),
                        SUBSCRIPTIONS.c.subscriber_id,
                        SUBSCRIPTIONS.c.language,
                        literal("pending"),
                        literal(0),
                        literal(utc(now), type_=DELIVERIES.c.available_at.type),
                        literal(utc(now), type_=DELIVERIES.c.updated_at.type),
                    ).order_by(SUBSCRIPTIONS.c.subscribed_at, SUBSCRIPTIONS.c.subscriber_id),
                )
            )
            row = (
                await connection.execute(
                    select(ANNOUNCEMENTS).where(ANNOUNCEMENTS.c.id == announcement_id)
                )
            ).one()
        return _announcement(row), True

    async def claim_deliveries(self, now: datetime, *, limit: int) -> list[Delivery]:
        due = (
            select(DELIVERIES.c.id)
            .where(DELIVERIES.c.status == "pending", DELIVERIES.c.available_at <= utc(now))
            .order_by(DELIVERIES.c.available_at, DELIVERIES.c.id)
            .limit(limit)
        )
        if self._postgres:
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(DELIVERIES)
            .where(DELIVERIES.c.id.in_(due.scalar_subquery()))
            .values(status="sending", attempts=DELIVERIES.c.attempts + 1, updated_at=utc(now))
            .returning(
                DELIVERIES.c.id,
                DELIVERIES.c.announcement_id,
                DELIVERIES.c.subscriber_id,
                DELIVERIES.c.language,
                DELIVERIES.c.attempts,
            )
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
            found = await connection.execute(
                select(ANNOUNCEMENTS.c.id, ANNOUNCEMENTS.c.event_id).where(
                    ANNOUNCEMENTS.c.id.in_({row.announcement_id for row in rows})
                )
            )
            events = {row.id: row.event_id for row in found}
        deliveries = [
            Delivery(
                id=row.id,
                announcement_id=row.announcement_id,
                event_id=events[row.announcement_id],
                subscriber_id=row.subscriber_id,
                language=row.language,
                attempts=row.attempts,
            )
            for row in rows
        ]
        return sorted(deliveries, key=lambda delivery: delivery.id)

    async def release_lost_claims(self, *, claimed_at: datetime, keep: Collection[int]) -> int:
        """Back to pending, the attempt not counted: rows a claim stamped `claimed_at` took
        although its caller never saw them (the claim committed, its answer was lost to a
        database failover). Nothing was sent for them. `keep`: the rows the caller did see.
        The stamp is the claiming worker's clock reading, which no other worker shares."""
        statement = update(DELIVERIES).where(
            DELIVERIES.c.status == "sending", DELIVERIES.c.updated_at == utc(claimed_at)
        )
        if keep:
            statement = statement.where(DELIVERIES.c.id.not_in(list(keep)))
        async with self._engine.begin() as connection:
            result = await connection.execute(
                statement.values(status="pending", attempts=DELIVERIES.c.attempts - 1)
            )
        return int(result.rowcount or 0)

    async def finish_delivery(self, delivery_id: int, status: str, *, now: datetime) -> None:
        assert status in ("sent", "blocked", "failed", "skipped")
        async with self._engine.begin() as connection:
            await connection.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.id == delivery_id, DELIVERIES.c.status == "sending")
                .values(status=status, updated_at=utc(now))
            )

    async def retry_delivery(
        self, delivery_id: int, *, at: datetime, now: datetime, count_attempt: bool = True
    ) -> None:
        """Back to pending: only for sends Teams is known not to have taken (throttled,
        refused, never sent)."""
        values: dict[str, Any] = {
            "status": "pending",
            "available_at": utc(at),
            "updated_at": utc(now),
        }
        if not count_attempt:
            values["attempts"] = DELIVERIES.c.attempts - 1
        async with self._engine.begin() as connection:
            await connection.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.id == delivery_id, DELIVERIES.c.status == "sending")
                .values(**values)
            )

    async def recover_in_doubt(self, now: datetime, *, older_than: timedelta) -> int:
        """Deliveries left in `sending` by a worker that stopped mid-send: Teams may have
        taken them, so they are counted as failed, never sent again."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(DELIVERIES)
                .where(
                    DELIVERIES.c.status == "sending",
                    DELIVERIES.c.updated_at < utc(now - older_than),
                )
                .values(status="failed", updated_at=utc(now))
            )
        return int(result.rowcount or 0)

    async def tally(self, announcement_id: int) -> Tally:
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(DELIVERIES.c.status, func.count())
                    .where(DELIVERIES.c.announcement_id == announcement_id)
                    .group_by(DELIVERIES.c.status)
                )
            ).all()
        counts = {status: int(count) for status, count in rows}
        return Tally(**{status: counts.get(status, 0) for status in STATUSES})

    async def get_announcement(self, announcement_id: int) -> Announcement | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(ANNOUNCEMENTS).where(ANNOUNCEMENTS.c.id == announcement_id)
                )
            ).first()
        return _announcement(row) if row else None

    async def reports_due(self, now: datetime, *, every: timedelta) -> list[Report]:
        """Progress for running announcements at most every `every`, and the final count
        exactly once when nothing is left to send. Each report is claimed by a conditional
        UPDATE, so several workers never send the same one."""
        async with self._engine.connect() as connection:
            running = (
                await connection.execute(
                    select(ANNOUNCEMENTS).where(ANNOUNCEMENTS.c.finished_at.is_(None))
                )
            ).all()
        reports: list[Report] = []
        for row in running:
            tally = await self.tally(row.id)
            async with self._engine.begin() as connection:
                if tally.finished:
                    claimed = await connection.execute(
                        update(ANNOUNCEMENTS)
                        .where(ANNOUNCEMENTS.c.id == row.id, ANNOUNCEMENTS.c.finished_at.is_(None))
                        .values(finished_at=utc(now))
                    )
                    if claimed.rowcount:
                        reports.append(Report(_announcement(row), tally, final=True))
                    continue
                claimed = await connection.execute(
                    update(ANNOUNCEMENTS)
                    .where(
                        ANNOUNCEMENTS.c.id == row.id,
                        or_(
                            ANNOUNCEMENTS.c.last_progress_at.is_(None),
                            ANNOUNCEMENTS.c.last_progress_at <= utc(now - every),
                        ),
                        ANNOUNCEMENTS.c.created_at <= utc(now - every),
                    )
                    .values(last_progress_at=utc(now))
                )
                if claimed.rowcount:
                    reports.append(Report(_announcement(row), tally, final=False))
        return reports

    # --- participant notices ----------------------------------------------------------------

    async def schedule_reminders(self, now: datetime, *, at: time = REMINDER_TIME) -> int:
        """Queue the day-before reminder for every confirmed participant whose event's reminder
        is due; once per participant and event (the notice key), never for the waitlist."""
        query = (
            select(
                SIGNUPS.c.event_id,
                SIGNUPS.c.participant_id,
                SIGNUPS.c.language,
                EVENTS.c.starts_at,
            )
            .join(EVENTS, EVENTS.c.id == SIGNUPS.c.event_id)
            .where(
                SIGNUPS.c.status == SignupStatus.CONFIRMED.value,
                EVENTS.c.status == EventStatus.SCHEDULED.value,
                EVENTS.c.starts_at > utc(now),
                EVENTS.c.starts_at <= utc(now + timedelta(days=2)),
            )
        )
        queued = 0
        async with self._engine.begin() as connection:
            for row in (await connection.execute(query)).all():
                if not reminder_window_open(aware(row.starts_at), now, at):
                    continue
                queued += await enqueue_notice(
                    connection,
                    kind="reminder",
                    event_id=row.event_id,
                    participant_id=row.participant_id,
                    language=row.language,
                    key=f"reminder:{row.event_id}:{row.participant_id}",
                    now=now,
                )
        return queued

    async def claim_notices(self, now: datetime, *, limit: int) -> list[Notice]:
        due = (
            select(NOTICES.c.id)
            .where(NOTICES.c.status == "pending", NOTICES.c.available_at <= utc(now))
            .order_by(NOTICES.c.available_at, NOTICES.c.id)
            .limit(limit)
        )
        if self._postgres:
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(NOTICES)
            .where(NOTICES.c.id.in_(due.scalar_subquery()))
            .values(status="sending", attempts=NOTICES.c.attempts + 1, updated_at=utc(now))
            .returning(
                NOTICES.c.id,
                NOTICES.c.kind,
                NOTICES.c.event_id,
                NOTICES.c.participant_id,
                NOTICES.c.language,
                NOTICES.c.attempts,
            )
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        return sorted(
            (
                Notice(
                    row.id, row.kind, row.event_id, row.participant_id, row.language, row.attempts
                )
                for row in rows
            ),
            key=lambda notice: notice.id,
        )

    async def finish_notice(self, notice_id: int, status: str, *, now: datetime) -> None:
        assert status in ("sent", "blocked", "failed", "skipped")
        async with self._engine.begin() as connection:
            await connection.execute(
                update(NOTICES)
                .where(NOTICES.c.id == notice_id, NOTICES.c.status == "sending")
                .values(status=status, updated_at=utc(now))
            )

    async def retry_notice(self, notice_id: int, *, at: datetime, now: datetime) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(NOTICES)
                .where(NOTICES.c.id == notice_id, NOTICES.c.status == "sending")
                .values(status="pending", available_at=utc(at), updated_at=utc(now))
            )

    async def recover_notices_in_doubt(self, now: datetime, *, older_than: timedelta) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(NOTICES)
                .where(NOTICES.c.status == "sending", NOTICES.c.updated_at < utc(now - older_than))
                .values(status="failed", updated_at=utc(now))
            )
        return int(result.rowcount or 0)

    async def notice_statuses(self) -> list[tuple[str, str, int, str]]:
        """(kind, participant, event, status) of every notice: for tests and support."""
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(
                        NOTICES.c.kind,
                        NOTICES.c.participant_id,
                        NOTICES.c.event_id,
                        NOTICES.c.status,
                    ).order_by(NOTICES.c.id)
                )
            ).all()
        return [(row.kind, row.participant_id, row.event_id, row.status) for row in rows]
