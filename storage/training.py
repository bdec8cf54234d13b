"""The training catalogue and its sign-ups: events, seats, the waitlist, attendance,
subscriptions to news about training.

Capacity decisions happen inside one transaction that first locks the event's row
(`SELECT … FOR UPDATE` on PostgreSQL; on SQLite a no-op UPDATE of the row takes the database's
single write lock at once, so no read-then-write upgrade can fail). The arrival number of a
sign-up is the event's `last_sequence + 1`, assigned in that same transaction, so a burst of
sign-ups for the last seats confirms exactly the free seats and waitlists the rest in the order
they got the lock. Messages caused by a change (moved up from the waitlist, time or place
changed, event cancelled) are written as `training_notices` in the same transaction.

Rows never leave this module: callers get frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, and_, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.training.events import EventData, EventKind, EventStatus
from domain.training.signups import (
    ACTIVE,
    EventFacts,
    SignupStatus,
    Verdict,
    decide_signup,
    seats_left,
    to_promote,
)
from storage.crypto import Cipher
from storage.models import Base
from storage.sqlutil import aware, upsert_insert

EVENTS = Base.metadata.tables["training_events"]
SIGNUPS = Base.metadata.tables["training_signups"]
SUBSCRIPTIONS = Base.metadata.tables["training_subscriptions"]
NOTICES = Base.metadata.tables["training_notices"]
DELIVERIES = Base.metadata.tables["announcement_deliveries"]
ANNOUNCEMENTS = Base.metadata.tables["announcements"]

NAME_FIELD = "training.participant_name"


def utc(moment: datetime) -> datetime:
    """What we bind: UTC (SQLite keeps the wall-clock text and drops the zone)."""
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    key: str | None
    kind: str
    title: str
    description: str
    topics: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str
    capacity: int
    signup_deadline: datetime
    audience: str
    organiser: str
    status: str
    version: int
    confirmed: int = 0
    waitlisted: int = 0

    @property
    def seats_left(self) -> int:
        return seats_left(self.capacity, self.confirmed)

    @property
    def cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def facts(self) -> EventFacts:
        return EventFacts(self.status, self.starts_at, self.signup_deadline, self.capacity)

    def data(self) -> EventData:
        return EventData(
            kind=EventKind(self.kind),
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            capacity=self.capacity,
            signup_deadline=self.signup_deadline,
            topics=self.topics,
            description=self.description,
            place=self.place,
            online_url=self.online_url,
            audience=self.audience,
            organiser=self.organiser,
            key=self.key,
        )


@dataclass(frozen=True, slots=True)
class Participant:
    id: str  # Entra object id (Teams user id when Teams sends none)
    name: str | None
    language: str


@dataclass(frozen=True, slots=True)
class SignupOutcome:
    verdict: Verdict
    event: EventRecord | None
    position: int | None = None  # place on the waitlist, 1 = next to move up


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    cancelled: bool
    event: EventRecord | None
    previous: str | None = None
    promoted: tuple[str, ...] = ()
    started: bool = False


@dataclass(frozen=True, slots=True)
class MySignup:
    event: EventRecord
    status: str
    position: int | None


@dataclass(frozen=True, slots=True)
class ParticipantLine:
    signup_id: int
    participant_id: str
    name: str
    status: str
    position: int  # 1-based within confirmed, or within the waitlist
    signed_up_at: datetime
    attended: bool | None


@dataclass(frozen=True, slots=True)
class EventChange:
    event: EventRecord
    moved: bool  # time or place changed: everyone signed up is told
    promoted: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class KindFigures:
    kind: str
    events: int
    participants: int
    attended: int


def _event(row: Row[Any], confirmed: int = 0, waitlisted: int = 0) -> EventRecord:
    return EventRecord(
        id=row.id,
        key=row.key,
        kind=row.kind,
        title=row.title,
        description=row.description,
        topics=tuple(t for t in row.topics.split(",") if t),
        starts_at=aware(row.starts_at),
        ends_at=aware(row.ends_at),
        place=row.place,
        online_url=row.online_url,
        capacity=row.capacity,
        signup_deadline=aware(row.signup_deadline),
        audience=row.audience,
        organiser=row.organiser,
        status=row.status,
        version=row.version,
        confirmed=int(confirmed or 0),
        waitlisted=int(waitlisted or 0),
    )


def _event_values(data: EventData) -> dict[str, Any]:
    return {
        "kind": data.kind.value,
        "title": data.title,
        "description": data.description,
        "topics": ",".join(data.topics),
        "starts_at": utc(data.starts_at),
        "ends_at": utc(data.ends_at),
        "place": data.place,
        "online_url": data.online_url,
        "capacity": data.capacity,
        "signup_deadline": utc(data.signup_deadline),
        "audience": data.audience,
        "organiser": data.organiser,
    }


def _counts() -> Any:
    return (
        select(
            SIGNUPS.c.event_id,
            func.sum(case((SIGNUPS.c.status == SignupStatus.CONFIRMED.value, 1), else_=0)).label(
                "confirmed"
            ),
            func.sum(case((SIGNUPS.c.status == SignupStatus.WAITLISTED.value, 1), else_=0)).label(
                "waitlisted"
            ),
        )
        .group_by(SIGNUPS.c.event_id)
        .subquery()
    )


def _count_of(status: SignupStatus) -> Any:
    """The event's sign-ups with this status, as a subquery correlated to `EVENTS`."""
    return (
        select(func.count())
        .where(SIGNUPS.c.event_id == EVENTS.c.id, SIGNUPS.c.status == status.value)
        .correlate(EVENTS)
        .scalar_subquery()
    )


async def enqueue_notice(
    connection: AsyncConnection,
    *,
    kind: str,
    event_id: int,
    participant_id: str,
    language: str,
    key: str,
    now: datetime,
    available_at: datetime | None = None,
) -> bool:
    """A message to a participant, once per key (a repeated key is ignored)."""
    result = await connection.execute(
        upsert_insert(connection, NOTICES)
        .values(
            kind=kind,
            event_id=event_id,
            participant_id=participant_id,
            language=language,
            idempotency_key=key[:300],
            status="pending",
            attempts=0,
            created_at=utc(now),
            available_at=utc(available_at or now),
            updated_at=utc(now),
        )
        .on_conflict_do_nothing(index_elements=[NOTICES.c.idempotency_key])
    )
    return bool(result.rowcount)


class Training:
    def __init__(self, engine: AsyncEngine, cipher: Cipher) -> None:
        self.engine = engine
        self._cipher = cipher
        self._postgres = engine.dialect.name == "postgresql"

    # --- the row lock -----------------------------------------------------------------------

    async def _lock(self, connection: AsyncConnection, event_id: int) -> Row[Any] | None:
        query = select(EVENTS).where(EVENTS.c.id == event_id)
        if self._postgres:
            return (await connection.execute(query.with_for_update())).first()
        # SQLite: writing first takes the write lock before anything is read.
        await connection.execute(
            update(EVENTS)
            .where(EVENTS.c.id == event_id)
            .values(last_sequence=EVENTS.c.last_sequence)
        )
        return (await connection.execute(query)).first()

    async def _next_sequence(self, connection: AsyncConnection, event_id: int) -> int:
        result = await connection.execute(
            update(EVENTS)
            .where(EVENTS.c.id == event_id)
            .values(last_sequence=EVENTS.c.last_sequence + 1)
            .returning(EVENTS.c.last_sequence)
        )
        return int(result.scalar_one())

    async def _counted(self, connection: AsyncConnection, event_id: int) -> EventRecord | None:
        counts = _counts()
        row = (
            await connection.execute(
                select(EVENTS, counts.c.confirmed, counts.c.waitlisted)
                .outerjoin(counts, counts.c.event_id == EVENTS.c.id)
                .where(EVENTS.c.id == event_id)
            )
        ).first()
        return _event(row, row.confirmed, row.waitlisted) if row else None

    # --- the catalogue ----------------------------------------------------------------------

    async def create_event(self, data: EventData, *, now: datetime) -> EventRecord:
        async with self.engine.begin() as connection:
            event_id = await self._insert(connection, data, now)
            record = await self._counted(connection, event_id)
        assert record is not None
        return record

    async def _insert(self, connection: AsyncConnection, data: EventData, now: datetime) -> int:
        result = await connection.execute(
            insert(EVENTS)
            .values(
                key=data.key,
                status=EventStatus.SCHEDULED.value,
                version=0,
                last_sequence=0,
                created_at=utc(now),
                updated_at=utc(now),
                **_event_values(data),
            )
            .returning(EVENTS.c.id)
        )
        return int(result.scalar_one())

    async def update_event(
        self, event_id: int, data: EventData, *, now: datetime
    ) -> EventChange | None:
        """Change an event (not a cancelled one: None). Moving it in time or place raises its
        version and tells everyone signed up; more seats move the waitlist up."""
        async with self.engine.begin() as connection:
            return await self._update(connection, event_id, data, now)

    async def _update(
        self, connection: AsyncConnection, event_id: int, data: EventData, now: datetime
    ) -> EventChange | None:
        row = await self._lock(connection, event_id)
        if row is None or row.status == EventStatus.CANCELLED:
            return None
        before = _event(row)
        moved = before.data().differs_for_participants(data)
        values = _event_values(data)
        values["updated_at"] = utc(now)
        if data.key:
            values["key"] = data.key
        if moved:
            values["version"] = before.version + 1
        await connection.execute(update(EVENTS).where(EVENTS.c.id == event_id).values(**values))
        after = await self._counted(connection, event_id)
        assert after is not None
        if moved:
            for participant_id, language in await self._active(connection, event_id):
                await enqueue_notice(
                    connection,
                    kind="changed",
                    event_id=event_id,
                    participant_id=participant_id,
                    language=language,
                    key=f"changed:{event_id}:{after.version}:{participant_id}",
                    now=now,
                )
        promoted = await self._promote(connection, after, now)
        if promoted:
            after = await self._counted(connection, event_id)
            assert after is not None
        return EventChange(after, moved, promoted)

    async def cancel_event(self, event_id: int, *, now: datetime) -> EventRecord | None:
        """Cancel an event: everyone signed up is told, announcements still going out stop."""
        async with self.engine.begin() as connection:
            row = await self._lock(connection, event_id)
            if row is None:
                return None
            if row.status == EventStatus.CANCELLED:
                return _event(row)
            await connection.execute(
                update(EVENTS)
                .where(EVENTS.c.id == event_id)
                .values(
                    status=EventStatus.CANCELLED.value,
                    version=row.version + 1,
                    updated_at=utc(now),
                )
            )
            for participant_id, language in await self._active(connection, event_id):
                await enqueue_notice(
                    connection,
                    kind="cancelled",
                    event_id=event_id,
                    participant_id=participant_id,
                    language=language,
                    key=f"cancelled:{event_id}:{participant_id}",
                    now=now,
                )
            announcements = select(ANNOUNCEMENTS.c.id).where(ANNOUNCEMENTS.c.event_id == event_id)
            await connection.execute(
                update(DELIVERIES)
                .where(
                    DELIVERIES.c.announcement_id.in_(announcements.scalar_subquery()),
                    DELIVERIES.c.status == "pending",
                )
                .values(status="skipped", updated_at=utc(now))
            )
            return await self._counted(connection, event_id)

    async def import_events(
        self, events: Sequence[EventData], *, now: datetime, only_new: bool = False
    ) -> ImportResult:
        """All or nothing, in one transaction. An event with a `key` already stored updates
        that event (or is left alone with `only_new`, which makes seeding idempotent)."""
        created = updated = unchanged = 0
        async with self.engine.begin() as connection:
            for data in events:
                existing = None
                if data.key:
                    existing = (
                        await connection.execute(select(EVENTS).where(EVENTS.c.key == data.key))
                    ).first()
                if existing is None:
                    await self._insert(connection, data, now)
                    created += 1
                elif only_new or _event(existing).data() == data:
                    unchanged += 1
                elif await self._update(connection, existing.id, data, now) is None:
                    unchanged += 1  # a cancelled event stays cancelled
                else:
                    updated += 1
        return ImportResult(created, updated, unchanged)

    async def get(self, event_id: int) -> EventRecord | None:
        async with self.engine.connect() as connection:
            return await self._counted(connection, event_id)

    async def events(
        self,
        *,
        after: datetime,
        include_cancelled: bool = False,
        limit: int | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[EventRecord]:
        """Events that end after `after` (upcoming or running), soonest first."""
        # Counted per event shown (index lookups), not `_counts()` joined: PostgreSQL does not
        # push the join's range condition into the GROUP BY and would count every sign-up ever
        # made (21 ms at 100,000 sign-ups; bench scenario `my_referrals_query`).
        query = (
            select(
                EVENTS,
                _count_of(SignupStatus.CONFIRMED).label("confirmed"),
                _count_of(SignupStatus.WAITLISTED).label("waitlisted"),
            )
            .where(EVENTS.c.ends_at > utc(after))
            .order_by(EVENTS.c.starts_at, EVENTS.c.id)
        )
        if not include_cancelled:
            query = query.where(EVENTS.c.status == EventStatus.SCHEDULED.value)
        if ids is not None:
            query = query.where(EVENTS.c.id.in_(list(ids)))
        if limit:
            query = query.limit(limit)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_event(row, row.confirmed, row.waitlisted) for row in rows]

    # --- sign-ups ---------------------------------------------------------------------------

    async def sign_up(self, event_id: int, who: Participant, *, now: datetime) -> SignupOutcome:
        async with self.engine.begin() as connection:
            row = await self._lock(connection, event_id)
            if row is None:
                return SignupOutcome(Verdict.NOT_FOUND, None)
            event = _event(row)
            mine = (
                await connection.execute(
                    select(SIGNUPS.c.id, SIGNUPS.c.status, SIGNUPS.c.sequence).where(
                        SIGNUPS.c.event_id == event_id, SIGNUPS.c.participant_id == who.id
                    )
                )
            ).first()
            confirmed = await self._count(connection, event_id, SignupStatus.CONFIRMED)
            verdict = decide_signup(
                event.facts,
                confirmed=confirmed,
                current=mine.status if mine else None,
                now=now,
            )
            sequence = mine.sequence if mine else None
            if verdict.changes_anything:
                sequence = await self._next_sequence(connection, event_id)
                status = (
                    SignupStatus.CONFIRMED
                    if verdict is Verdict.CONFIRMED
                    else SignupStatus.WAITLISTED
                )
                values = {
                    "status": status.value,
                    "sequence": sequence,
                    "participant_name_enc": self._cipher.encrypt(who.name, field=NAME_FIELD),
                    "language": who.language,
                    "attended": None,
                    "updated_at": utc(now),
                }
                if mine:
                    await connection.execute(
                        update(SIGNUPS).where(SIGNUPS.c.id == mine.id).values(**values)
                    )
                else:
                    await connection.execute(
                        insert(SIGNUPS).values(
                            event_id=event_id,
                            participant_id=who.id,
                            created_at=utc(now),
                            **values,
                        )
                    )
            position = None
            if verdict in (Verdict.WAITLISTED, Verdict.ALREADY_WAITLISTED) and sequence:
                position = await self._position(connection, event_id, sequence)
            record = await self._counted(connection, event_id)
        return SignupOutcome(verdict, record, position)

    async def cancel_signup(
        self, event_id: int, participant_id: str, *, now: datetime
    ) -> CancelOutcome:
        """Give up a seat or a waitlist place. A freed seat goes to the first on the
        waitlist, who is told."""
        async with self.engine.begin() as connection:
            row = await self._lock(connection, event_id)
            if row is None:
                return CancelOutcome(False, None)
            event = _event(row)
            mine = (
                await connection.execute(
                    select(SIGNUPS.c.id, SIGNUPS.c.status).where(
                        SIGNUPS.c.event_id == event_id,
                        SIGNUPS.c.participant_id == participant_id,
                    )
                )
            ).first()
            if mine is None or mine.status not in ACTIVE:
                return CancelOutcome(False, await self._counted(connection, event_id))
            if now >= event.starts_at:
                return CancelOutcome(
                    False, await self._counted(connection, event_id), mine.status, started=True
                )
            await connection.execute(
                update(SIGNUPS)
                .where(SIGNUPS.c.id == mine.id)
                .values(status=SignupStatus.CANCELLED.value, updated_at=utc(now))
            )
            counted = await self._counted(connection, event_id)
            assert counted is not None
            promoted = await self._promote(connection, counted, now)
            record = await self._counted(connection, event_id)
        return CancelOutcome(True, record, mine.status, promoted)

    async def _promote(
        self, connection: AsyncConnection, event: EventRecord, now: datetime
    ) -> tuple[str, ...]:
        if event.seats_left == 0 or event.waitlisted == 0:
            return ()
        waitlist = (
            await connection.execute(
                select(
                    SIGNUPS.c.id, SIGNUPS.c.participant_id, SIGNUPS.c.language, SIGNUPS.c.sequence
                )
                .where(
                    SIGNUPS.c.event_id == event.id,
                    SIGNUPS.c.status == SignupStatus.WAITLISTED.value,
                )
                .order_by(SIGNUPS.c.sequence)
            )
        ).all()
        chosen = to_promote(
            waitlist, capacity=event.capacity, confirmed=event.confirmed, event=event.facts, now=now
        )
        for signup in chosen:
            await connection.execute(
                update(SIGNUPS)
                .where(SIGNUPS.c.id == signup.id)
                .values(status=SignupStatus.CONFIRMED.value, updated_at=utc(now))
            )
            await enqueue_notice(
                connection,
                kind="promoted",
                event_id=event.id,
                participant_id=signup.participant_id,
                language=signup.language,
                key=f"promoted:{signup.id}:{signup.sequence}",
                now=now,
            )
        return tuple(signup.participant_id for signup in chosen)

    async def _count(self, connection: AsyncConnection, event_id: int, status: SignupStatus) -> int:
        result = await connection.execute(
            select(func.count()).where(
                SIGNUPS.c.event_id == event_id, SIGNUPS.c.status == status.value
            )
        )
        return int(result.scalar_one())

    async def _position(self, connection: AsyncConnection, event_id: int, sequence: int) -> int:
        result = await connection.execute(
            select(func.count()).where(
                SIGNUPS.c.event_id == event_id,
                SIGNUPS.c.status == SignupStatus.WAITLISTED.value,
                SIGNUPS.c.sequence <= sequence,
            )
        )
        return int(result.scalar_one())

    async def _active(self, connection: AsyncConnection, event_id: int) -> list[tuple[str, str]]:
        rows = await connection.execute(
            select(SIGNUPS.c.participant_id, SIGNUPS.c.language)
            .where(
                SIGNUPS.c.event_id == event_id,
                SIGNUPS.c.status.in_([status.value for status in ACTIVE]),
            )
            .order_by(SIGNUPS.c.sequence)
        )
        return [(row.participant_id, row.language) for row in rows]

    async def signup_status(self, event_id: int, participant_id: str) -> tuple[str, int | None]:
        """(status, waitlist position) of one participant; ("", None) if never signed up."""
        async with self.engine.connect() as connection:
            mine = (
                await connection.execute(
                    select(SIGNUPS.c.status, SIGNUPS.c.sequence).where(
                        SIGNUPS.c.event_id == event_id,
                        SIGNUPS.c.participant_id == participant_id,
                    )
                )
            ).first()
            if mine is None:
                return "", None
            position = None
            if mine.status == SignupStatus.WAITLISTED:
                position = await self._position(connection, event_id, mine.sequence)
            return mine.status, position

    async def signups_of(self, participant_id: str, *, now: datetime) -> list[MySignup]:
        """The participant's sign-ups for events that have not ended (cancelled events too,
        so they see that), soonest first."""
        async with self.engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(SIGNUPS.c.event_id, SIGNUPS.c.status, SIGNUPS.c.sequence)
                    .join(EVENTS, EVENTS.c.id == SIGNUPS.c.event_id)
                    .where(
                        SIGNUPS.c.participant_id == participant_id,
                        SIGNUPS.c.status.in_([status.value for status in ACTIVE]),
                        EVENTS.c.ends_at > utc(now),
                    )
                    .order_by(EVENTS.c.starts_at)
                )
            ).all()
            found = []
            for row in rows:
                event = await self._counted(connection, row.event_id)
                assert event is not None
                position = None
                if row.status == SignupStatus.WAITLISTED:
                    position = await self._position(connection, row.event_id, row.sequence)
                found.append(MySignup(event, row.status, position))
        return found

    # --- organiser views --------------------------------------------------------------------

    async def participants(self, event_id: int) -> list[ParticipantLine]:
        """Confirmed, then the waitlist, each in arrival order; names decrypted."""
        async with self.engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(SIGNUPS)
                    .where(
                        SIGNUPS.c.event_id == event_id,
                        SIGNUPS.c.status.in_([status.value for status in ACTIVE]),
                    )
                    .order_by(SIGNUPS.c.sequence)
                )
            ).all()
        lines: list[ParticipantLine] = []
        for status in ACTIVE:
            of_status = [row for row in rows if row.status == status]
            for number, row in enumerate(of_status, 1):
                lines.append(
                    ParticipantLine(
                        signup_id=row.id,
                        participant_id=row.participant_id,
                        name=self._cipher.decrypt(row.participant_name_enc, field=NAME_FIELD) or "",
                        status=row.status,
                        position=number,
                        signed_up_at=aware(row.updated_at),
                        attended=row.attended,
                    )
                )
        return lines

    async def set_attendance(self, event_id: int, attended: set[int], *, now: datetime) -> int:
        """Mark who came among the confirmed participants (the rest did not). Returns how many
        came."""
        async with self.engine.begin() as connection:
            confirmed = SIGNUPS.c.status == SignupStatus.CONFIRMED.value
            await connection.execute(
                update(SIGNUPS)
                .where(SIGNUPS.c.event_id == event_id, confirmed)
                .values(attended=SIGNUPS.c.id.in_(list(attended) or [-1]))
            )
            result = await connection.execute(
                select(func.count()).where(
                    SIGNUPS.c.event_id == event_id, confirmed, SIGNUPS.c.attended.is_(True)
                )
            )
        return int(result.scalar_one())

    async def annual_figures(self, year: int) -> list[KindFigures]:
        """Per kind: events held in the year (not cancelled), confirmed participants, and
        how many of them attended. The annual results follow-up uses these."""
        start = datetime(year, 1, 1, tzinfo=UTC)
        end = datetime(year + 1, 1, 1, tzinfo=UTC)
        query = (
            select(
                EVENTS.c.kind,
                func.count(func.distinct(EVENTS.c.id)).label("events"),
                func.count(SIGNUPS.c.id).label("participants"),
                func.sum(case((SIGNUPS.c.attended.is_(True), 1), else_=0)).label("attended"),
            )
            .select_from(
                EVENTS.outerjoin(
                    SIGNUPS,
                    and_(
                        SIGNUPS.c.event_id == EVENTS.c.id,
                        SIGNUPS.c.status == SignupStatus.CONFIRMED.value,
                    ),
                )
            )
            .where(
                EVENTS.c.status == EventStatus.SCHEDULED.value,
                EVENTS.c.starts_at >= start,
                EVENTS.c.starts_at < end,
            )
            .group_by(EVENTS.c.kind)
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        by_kind = {
            row.kind: KindFigures(
                row.kind, int(row.events), int(row.participants), int(row.attended or 0)
            )
            for row in rows
        }
        return [by_kind.get(kind.value, KindFigures(kind.value, 0, 0, 0)) for kind in EventKind]

    # --- subscriptions ----------------------------------------------------------------------

    async def subscribe(self, subscriber_id: str, *, language: str, now: datetime) -> bool:
        """True if this is a new subscription."""
        async with self.engine.begin() as connection:
            existed = (
                await connection.execute(
                    select(SUBSCRIPTIONS.c.subscriber_id).where(
                        SUBSCRIPTIONS.c.subscriber_id == subscriber_id
                    )
                )
            ).first()
            await connection.execute(
                upsert_insert(connection, SUBSCRIPTIONS)
                .values(subscriber_id=subscriber_id, language=language, subscribed_at=utc(now))
                .on_conflict_do_update(
                    index_elements=[SUBSCRIPTIONS.c.subscriber_id], set_={"language": language}
                )
            )
        return existed is None

    async def unsubscribe(self, subscriber_id: str) -> bool:
        async with self.engine.begin() as connection:
            result = await connection.execute(
                delete(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.subscriber_id == subscriber_id)
            )
        return bool(result.rowcount)

    async def is_subscribed(self, subscriber_id: str) -> bool:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(SUBSCRIPTIONS.c.subscriber_id).where(
                        SUBSCRIPTIONS.c.subscriber_id == subscriber_id
                    )
                )
            ).first()
        return row is not None

    async def subscriber_count(self) -> int:
        async with self.engine.connect() as connection:
            result = await connection.execute(select(func.count()).select_from(SUBSCRIPTIONS))
        return int(result.scalar_one())
