"""Case work on a routed referral: claim, ask the employee, the employee's answer, transfer,
suggest a resource person, close; the queue, the history and the reminder marks.

Every action is one transaction: a conditional UPDATE of the referral that only matches while
the action is still valid (right unit, right status), then the history event, the encrypted
text if any, the outbox rows that tell Teams about it, and the audit entry. If the UPDATE
matched nothing the action is stale (someone else was faster, or the card is old): nothing
changes but an audit entry with outcome `stale`, and the caller gets the current state.
This is what makes two simultaneous claims end with exactly one winner on SQLite (one writer
at a time) and on PostgreSQL (the second UPDATE waits for the first and re-checks its WHERE).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.casework import OPEN_STATUSES, ReminderStage, may_transfer
from storage.audit import ALLOWED, REFUSED, STALE, AuditEntry, record_in
from storage.crypto import Cipher
from storage.models import Base
from storage.outbox import enqueue
from storage.sqlutil import aware, aware_or_none, split_list

REFERRALS = Base.metadata.tables["referrals"]
EVENTS = Base.metadata.tables["referral_events"]
ADDITIONS = Base.metadata.tables["referral_additions"]
MESSAGES = Base.metadata.tables["referral_messages"]
POSTS = Base.metadata.tables["referral_posts"]
SUGGESTIONS = Base.metadata.tables["resource_suggestions"]

MESSAGE_FIELD = "referral.message"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a consultant (Entra object id, display name for "claimed by")."""

    id: str
    name: str | None = None
    role: str = "consultant"
    correlation_id: str = "-"


@dataclass(frozen=True, slots=True)
class Case:
    """A referral as the consultant side sees it, without its encrypted content."""

    id: int
    reference: str
    mode: str
    status: str
    unit: str
    rule_id: str
    tags: tuple[str, ...]
    age_band: str
    residence: str
    crime_status: str
    signs: tuple[str, ...]
    has_serious_sign: bool
    employee_role: str
    employee_administration: str
    employee_pseudonym: str
    created_at: datetime
    unit_since: datetime
    respond_by: datetime | None
    claimed_by: str | None
    claimed_by_name: str | None
    claimed_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    reminded_at: datetime | None
    escalated_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class CaseContent:
    """The decrypted content: only for the unit's consultants, and every read is audited."""

    description: str
    context: dict[str, Any]
    youth: dict[str, Any] | None
    employee_name: str | None
    additions: tuple[tuple[datetime, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CaseMessage:
    id: int
    referral_id: int
    kind: str  # question | answer | transfer | close_note
    in_reply_to: int | None
    author: str | None
    unit: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseEvent:
    at: datetime
    kind: str
    status: str
    unit: str


@dataclass(frozen=True, slots=True)
class ActionResult:
    """`done` False with a case: stale (the case as it is now); with None: no such referral."""

    done: bool
    case: Case | None
    message_id: int | None = None


class AnswerOutcome(StrEnum):
    SENT = "sent"
    NOT_YOURS = "not_yours"
    CLOSED = "closed"
    ALREADY = "already"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class AnswerResult:
    outcome: AnswerOutcome
    case: Case | None = None


@dataclass
class Casework:
    engine: AsyncEngine
    cipher: Cipher
    on_outbox: Callable[[], None] | None = None  # wakes the delivery job
    _columns: tuple[Any, ...] = field(init=False)

    def __post_init__(self) -> None:
        self._columns = tuple(
            column
            for column in REFERRALS.c
            if not column.name.endswith("_enc") and column.name not in ("year", "sequence")
        )

    # --- reading -------------------------------------------------------------------------------

    async def get(self, referral_id: int) -> Case | None:
        async with self.engine.connect() as connection:
            return await self._get(connection, referral_id)

    async def by_reference(self, reference: str) -> Case | None:
        query = select(*self._columns).where(REFERRALS.c.reference == reference)
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return _case(row) if row else None

    async def content(self, referral_id: int) -> CaseContent | None:
        query = select(
            REFERRALS.c.description_enc,
            REFERRALS.c.context_enc,
            REFERRALS.c.youth_enc,
            REFERRALS.c.employee_name_enc,
        ).where(REFERRALS.c.id == referral_id)
        additions = (
            select(ADDITIONS.c.at, ADDITIONS.c.text_enc)
            .where(ADDITIONS.c.referral_id == referral_id)
            .order_by(ADDITIONS.c.at, ADDITIONS.c.id)
        )
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
            added = (await connection.execute(additions)).all()
        if row is None:
            return None
        decrypt = self.cipher.decrypt
        youth = decrypt(row.youth_enc, field="referral.youth")
        return CaseContent(
            description=decrypt(row.description_enc, field="referral.description") or "",
            context=json.loads(decrypt(row.context_enc, field="referral.context") or "{}"),
            youth=json.loads(youth) if youth else None,
            employee_name=decrypt(row.employee_name_enc, field="referral.employee_name"),
            additions=tuple(
                (aware(a.at), decrypt(a.text_enc, field="referral.addition") or "") for a in added
            ),
        )

    async def addition(self, addition_id: int) -> tuple[int, datetime, str] | None:
        """(referral id, when, text) of an employee's addition."""
        query = select(ADDITIONS).where(ADDITIONS.c.id == addition_id)
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        text = self.cipher.decrypt(row.text_enc, field="referral.addition") or ""
        return row.referral_id, aware(row.at), text

    async def message(self, message_id: int) -> CaseMessage | None:
        query = select(MESSAGES).where(MESSAGES.c.id == message_id)
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return self._message(row) if row else None

    async def messages(self, referral_id: int) -> list[CaseMessage]:
        query = (
            select(MESSAGES)
            .where(MESSAGES.c.referral_id == referral_id)
            .order_by(MESSAGES.c.at, MESSAGES.c.id)
        )
        async with self.engine.connect() as connection:
            return [self._message(row) for row in (await connection.execute(query)).all()]

    async def events(self, referral_id: int) -> list[CaseEvent]:
        query = (
            select(EVENTS.c.at, EVENTS.c.kind, EVENTS.c.status, EVENTS.c.unit)
            .where(EVENTS.c.referral_id == referral_id)
            .order_by(EVENTS.c.at, EVENTS.c.id)
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [CaseEvent(aware(r.at), r.kind, r.status, r.unit) for r in rows]

    async def suggested_persons(self, referral_id: int) -> list[int]:
        query = (
            select(SUGGESTIONS.c.resource_person_id)
            .where(SUGGESTIONS.c.referral_id == referral_id)
            .order_by(SUGGESTIONS.c.at, SUGGESTIONS.c.id)
        )
        async with self.engine.connect() as connection:
            return [int(row[0]) for row in (await connection.execute(query)).all()]

    async def queue(self, units: Iterable[str], *, limit: int = 50) -> list[Case]:
        """Open referrals of the units, the longest waiting first."""
        since = func.coalesce(REFERRALS.c.unit_since, REFERRALS.c.created_at)
        query = (
            select(*self._columns)
            .where(REFERRALS.c.unit.in_(list(units)), REFERRALS.c.status.in_(OPEN_STATUSES))
            .order_by(since, REFERRALS.c.id)
            .limit(limit)
        )
        async with self.engine.connect() as connection:
            return [_case(row) for row in (await connection.execute(query)).all()]

    async def unclaimed(self) -> list[Case]:
        """Referrals nobody has claimed whose reminder or escalation is still to come."""
        query = select(*self._columns).where(
            REFERRALS.c.status == "new",
            (REFERRALS.c.reminded_at.is_(None)) | (REFERRALS.c.escalated_at.is_(None)),
        )
        async with self.engine.connect() as connection:
            return [_case(row) for row in (await connection.execute(query)).all()]

    # --- actions -------------------------------------------------------------------------------

    async def claim(
        self, referral_id: int, *, unit: str, actor: Actor, now: datetime
    ) -> ActionResult:
        values = {
            "status": "claimed",
            "claimed_by": actor.id,
            "claimed_by_name": actor.name,
            "claimed_at": now,
            "updated_at": now,
        }

        async def effects(connection: AsyncConnection, event_id: int) -> None:
            await self._refresh_posts(connection, referral_id, event_id, now)
            await self._notify_employee(connection, referral_id, event_id, now, "claimed", unit)

        return await self._act(
            referral_id,
            unit=unit,
            actor=actor,
            now=now,
            action="claim",
            statuses=("new",),
            values=values,
            event=("claimed", "claimed"),
            effects=effects,
        )

    async def ask(
        self, referral_id: int, *, unit: str, actor: Actor, text: str, now: datetime
    ) -> ActionResult:
        """A consultant's question to the employee, relayed 1:1 and noted in the thread."""
        created: list[int] = []

        async def effects(connection: AsyncConnection, event_id: int) -> None:
            message_id = await self._add_message(
                connection, referral_id, "question", unit, text, now, author=actor.id
            )
            created.append(message_id)
            payload = {"message_id": message_id}
            await enqueue(
                connection,
                kind="relay_question",
                key=f"message:{message_id}:relay",
                now=now,
                referral_id=referral_id,
                unit=unit,
                payload=payload,
            )
            await self._thread_note(connection, referral_id, unit, now, payload, message_id)

        result = await self._act(
            referral_id,
            unit=unit,
            actor=actor,
            now=now,
            action="ask",
            statuses=tuple(OPEN_STATUSES),
            values={"updated_at": now},
            event=("question_asked", None),
            effects=effects,
        )
        return ActionResult(result.done, result.case, created[0] if created else None)

    async def answer(
        self,
        question_id: int,
        *,
        employee_id: str,
        text: str,
        now: datetime,
        correlation_id: str = "-",
    ) -> AnswerResult:
        """The employee's answer to a question; relayed into the referral's thread. The
        employee is identified only by the pseudonym the referral stores."""
        pseudonym = self.cipher.pseudonym(employee_id)
        async with self.engine.begin() as connection:
            row = (
                await connection.execute(
                    select(MESSAGES.c.referral_id, REFERRALS.c.employee_pseudonym)
                    .join(REFERRALS, REFERRALS.c.id == MESSAGES.c.referral_id)
                    .where(MESSAGES.c.id == question_id, MESSAGES.c.kind == "question")
                )
            ).first()
            if row is None:
                return AnswerResult(AnswerOutcome.UNKNOWN)
            referral_id = int(row.referral_id)
            entry = AuditEntry(
                actor=pseudonym,
                actor_role="employee",
                action="answer",
                outcome=ALLOWED,
                at=now,
                referral_id=referral_id,
                correlation_id=correlation_id,
            )
            if row.employee_pseudonym != pseudonym:
                await record_in(connection, _with(entry, outcome=REFUSED, detail="not_filer"))
                return AnswerResult(AnswerOutcome.NOT_YOURS)
            answered = (
                await connection.execute(
                    select(MESSAGES.c.id).where(
                        MESSAGES.c.in_reply_to == question_id, MESSAGES.c.kind == "answer"
                    )
                )
            ).first()
            touched = (
                await connection.execute(
                    update(REFERRALS)
                    .where(REFERRALS.c.id == referral_id, REFERRALS.c.status.in_(OPEN_STATUSES))
                    .values(updated_at=now)
                    .returning(REFERRALS.c.unit, REFERRALS.c.status)
                )
            ).first()
            case = await self._get(connection, referral_id)
            if touched is None:
                await record_in(connection, _with(entry, outcome=STALE, detail="closed"))
                return AnswerResult(AnswerOutcome.CLOSED, case)
            if answered is not None:
                await record_in(connection, _with(entry, outcome=STALE, detail="answered"))
                return AnswerResult(AnswerOutcome.ALREADY, case)
            unit = str(touched.unit)
            message_id = await self._add_message(
                connection, referral_id, "answer", unit, text, now, in_reply_to=question_id
            )
            await self._event(connection, referral_id, "answer_received", touched.status, unit, now)
            await self._thread_note(
                connection, referral_id, unit, now, {"message_id": message_id}, message_id
            )
            await record_in(connection, _with(entry, unit=unit))
        self._woke()
        return AnswerResult(AnswerOutcome.SENT, case)

    async def transfer(
        self,
        referral_id: int,
        *,
        unit: str,
        to_unit: str,
        actor: Actor,
        reason: str,
        now: datetime,
    ) -> ActionResult:
        """Hand over to the other unit: a new card there, the old one marked transferred."""
        case = await self.get(referral_id)
        if case is None or not may_transfer(case.mode, to_unit) or to_unit == unit:
            return ActionResult(False, case)
        values = {
            "unit": to_unit,
            "status": "new",
            "claimed_by": None,
            "claimed_by_name": None,
            "claimed_at": None,
            "unit_since": now,
            "reminded_at": None,
            "escalated_at": None,
            "updated_at": now,
        }

        async def effects(connection: AsyncConnection, event_id: int) -> None:
            await self._add_message(
                connection, referral_id, "transfer", unit, reason, now, author=actor.id
            )
            await connection.execute(
                update(POSTS)
                .where(POSTS.c.referral_id == referral_id, POSTS.c.superseded_at.is_(None))
                .values(superseded_at=now, superseded_by="transfer")
            )
            await self._refresh_posts(connection, referral_id, event_id, now)
            await enqueue(
                connection,
                kind="deliver_referral",
                key=f"referral:{referral_id}:deliver:{to_unit}:e{event_id}",
                now=now,
                referral_id=referral_id,
                unit=to_unit,
            )
            await self._notify_employee(
                connection, referral_id, event_id, now, "transferred", to_unit
            )

        return await self._act(
            referral_id,
            unit=unit,
            actor=actor,
            now=now,
            action="transfer",
            statuses=tuple(OPEN_STATUSES),
            values=values,
            event=("transferred", "new"),
            event_unit=to_unit,
            detail=f"to:{to_unit}",
            effects=effects,
        )

    async def suggest(
        self, referral_id: int, *, unit: str, actor: Actor, person_id: int, now: datetime
    ) -> ActionResult:
        async def effects(connection: AsyncConnection, event_id: int) -> None:
            await connection.execute(
                insert(SUGGESTIONS).values(
                    referral_id=referral_id,
                    resource_person_id=person_id,
                    suggested_by=actor.id,
                    at=now,
                )
            )
            await self._refresh_posts(connection, referral_id, event_id, now)
            await self._notify_employee(
                connection, referral_id, event_id, now, "resource", unit, person_id=person_id
            )

        return await self._act(
            referral_id,
            unit=unit,
            actor=actor,
            now=now,
            action="suggest",
            statuses=tuple(OPEN_STATUSES),
            values={"updated_at": now},
            event=("resource_suggested", None),
            detail=f"person:{person_id}",
            effects=effects,
        )

    async def close(
        self,
        referral_id: int,
        *,
        unit: str,
        actor: Actor,
        outcome: str,
        note: str | None,
        now: datetime,
    ) -> ActionResult:
        values = {"status": "closed", "closed_at": now, "outcome": outcome, "updated_at": now}

        async def effects(connection: AsyncConnection, event_id: int) -> None:
            if note:
                await self._add_message(
                    connection, referral_id, "close_note", unit, note, now, author=actor.id
                )
            await self._refresh_posts(connection, referral_id, event_id, now)
            await self._notify_employee(connection, referral_id, event_id, now, "closed", unit)

        return await self._act(
            referral_id,
            unit=unit,
            actor=actor,
            now=now,
            action="close",
            statuses=tuple(OPEN_STATUSES),
            values=values,
            event=("closed", "closed"),
            detail=f"outcome:{outcome}",
            effects=effects,
        )

    async def mark_reminder(
        self, referral_id: int, stage: ReminderStage, *, unit: str, now: datetime
    ) -> bool:
        """Record a reminder stage and schedule its message, once: the conditional UPDATE only
        matches while the stage is unrecorded and the referral still unclaimed in `unit`."""
        column = "reminded_at" if stage is ReminderStage.REMIND_UNIT else "escalated_at"
        async with self.engine.begin() as connection:
            hit = (
                await connection.execute(
                    update(REFERRALS)
                    .where(
                        REFERRALS.c.id == referral_id,
                        REFERRALS.c.unit == unit,
                        REFERRALS.c.status == "new",
                        REFERRALS.c[column].is_(None),
                    )
                    .values({column: now})
                    .returning(REFERRALS.c.id)
                )
            ).first()
            if hit is None:
                return False
            kind = "reminded" if stage is ReminderStage.REMIND_UNIT else "escalated"
            event_id = await self._event(connection, referral_id, kind, "new", unit, now)
            await enqueue(
                connection,
                kind=stage.value,
                key=f"referral:{referral_id}:{stage.value}:{event_id}",
                now=now,
                referral_id=referral_id,
                unit=unit,
            )
        self._woke()
        return True

    async def repost_unit(self, unit: str, *, generation: int, now: datetime) -> int:
        """The unit moved to another channel: post its open referrals there and mark the old
        posts moved. Returns how many referrals are re-posted."""
        async with self.engine.begin() as connection:
            open_ids = [
                int(row[0])
                for row in (
                    await connection.execute(
                        select(REFERRALS.c.id).where(
                            REFERRALS.c.unit == unit, REFERRALS.c.status.in_(OPEN_STATUSES)
                        )
                    )
                ).all()
            ]
            for referral_id in open_ids:
                await connection.execute(
                    update(POSTS)
                    .where(
                        POSTS.c.referral_id == referral_id,
                        POSTS.c.unit == unit,
                        POSTS.c.superseded_at.is_(None),
                    )
                    .values(superseded_at=now, superseded_by="move")
                )
                await enqueue(
                    connection,
                    kind="refresh_posts",
                    key=f"referral:{referral_id}:refresh:move:{unit}:g{generation}",
                    now=now,
                    referral_id=referral_id,
                )
                await enqueue(
                    connection,
                    kind="deliver_referral",
                    key=f"referral:{referral_id}:deliver:{unit}:g{generation}",
                    now=now,
                    referral_id=referral_id,
                    unit=unit,
                )
        if open_ids:
            self._woke()
        return len(open_ids)

    def is_filer(self, case: Case, employee_id: str) -> bool:
        """Did the person with this id file the referral? (Compares keyed pseudonyms.)"""
        return case.employee_pseudonym == self.cipher.pseudonym(employee_id)

    # --- the machinery -----------------------------------------------------------------------

    async def _act(
        self,
        referral_id: int,
        *,
        unit: str,
        actor: Actor,
        now: datetime,
        action: str,
        statuses: tuple[str, ...],
        values: dict[str, Any],
        event: tuple[str, str | None],
        effects: Callable[[AsyncConnection, int], Awaitable[None]],
        event_unit: str | None = None,
        detail: str | None = None,
    ) -> ActionResult:
        entry = AuditEntry(
            actor=actor.id,
            actor_role=actor.role,
            action=action,
            outcome=ALLOWED,
            at=now,
            referral_id=referral_id,
            unit=unit,
            detail=detail,
            correlation_id=actor.correlation_id,
        )
        async with self.engine.begin() as connection:
            hit = (
                await connection.execute(
                    update(REFERRALS)
                    .where(
                        REFERRALS.c.id == referral_id,
                        REFERRALS.c.unit == unit,
                        REFERRALS.c.status.in_(statuses),
                    )
                    .values(**values)
                    .returning(REFERRALS.c.status)
                )
            ).first()
            if hit is None:
                case = await self._get(connection, referral_id)
                if case is not None:
                    why = f"status:{case.status}" if case.unit == unit else f"unit:{case.unit}"
                    await record_in(connection, _with(entry, outcome=STALE, detail=why))
                return ActionResult(False, case)
            kind, status = event
            event_id = await self._event(
                connection, referral_id, kind, status or hit.status, event_unit or unit, now
            )
            await effects(connection, event_id)
            await record_in(connection, entry)
            case = await self._get(connection, referral_id)
        self._woke()
        return ActionResult(True, case)

    async def _get(self, connection: AsyncConnection, referral_id: int) -> Case | None:
        query = select(*self._columns).where(REFERRALS.c.id == referral_id)
        row = (await connection.execute(query)).first()
        return _case(row) if row else None

    @staticmethod
    async def _event(
        connection: AsyncConnection,
        referral_id: int,
        kind: str,
        status: str,
        unit: str,
        now: datetime,
    ) -> int:
        result = await connection.execute(
            insert(EVENTS)
            .values(referral_id=referral_id, at=now, kind=kind, status=status, unit=unit)
            .returning(EVENTS.c.id)
        )
        return int(result.scalar_one())

    async def _add_message(
        self,
        connection: AsyncConnection,
        referral_id: int,
        kind: str,
        unit: str,
        text: str,
        now: datetime,
        *,
        author: str | None = None,
        in_reply_to: int | None = None,
    ) -> int:
        result = await connection.execute(
            insert(MESSAGES)
            .values(
                referral_id=referral_id,
                kind=kind,
                in_reply_to=in_reply_to,
                author=author,
                unit=unit,
                text_enc=self.cipher.encrypt(text, field=MESSAGE_FIELD),
                at=now,
            )
            .returning(MESSAGES.c.id)
        )
        return int(result.scalar_one())

    @staticmethod
    async def _refresh_posts(
        connection: AsyncConnection, referral_id: int, event_id: int, now: datetime
    ) -> None:
        await enqueue(
            connection,
            kind="refresh_posts",
            key=f"referral:{referral_id}:refresh:{event_id}",
            now=now,
            referral_id=referral_id,
        )

    @staticmethod
    async def _notify_employee(
        connection: AsyncConnection,
        referral_id: int,
        event_id: int,
        now: datetime,
        notice: str,
        unit: str,
        **extra: Any,
    ) -> None:
        await enqueue(
            connection,
            kind="notify_employee",
            key=f"referral:{referral_id}:notify:{event_id}",
            now=now,
            referral_id=referral_id,
            unit=unit,
            payload={"notice": notice, **extra},
        )

    @staticmethod
    async def _thread_note(
        connection: AsyncConnection,
        referral_id: int,
        unit: str,
        now: datetime,
        payload: dict[str, Any],
        message_id: int,
    ) -> None:
        await enqueue(
            connection,
            kind="thread_note",
            key=f"message:{message_id}:thread",
            now=now,
            referral_id=referral_id,
            unit=unit,
            payload=payload,
        )

    def _message(self, row: Any) -> CaseMessage:
        return CaseMessage(
            id=row.id,
            referral_id=row.referral_id,
            kind=row.kind,
            in_reply_to=row.in_reply_to,
            author=row.author,
            unit=row.unit,
            text=self.cipher.decrypt(row.text_enc, field=MESSAGE_FIELD) or "",
            at=aware(row.at),
        )

    def _woke(self) -> None:
        if self.on_outbox is not None:
            self.on_outbox()


def _with(entry: AuditEntry, **changes: Any) -> AuditEntry:
    return replace(entry, **changes)


def _case(row: Any) -> Case:
    created = aware(row.created_at)
    return Case(
        id=row.id,
        reference=row.reference,
        mode=row.mode,
        status=row.status,
        unit=row.unit,
        rule_id=row.rule_id,
        tags=split_list(row.tags),
        age_band=row.age_band,
        residence=row.residence,
        crime_status=row.crime_status,
        signs=split_list(row.signs),
        has_serious_sign=bool(row.has_serious_sign),
        employee_role=row.employee_role,
        employee_administration=row.employee_administration,
        employee_pseudonym=row.employee_pseudonym,
        created_at=created,
        unit_since=aware_or_none(row.unit_since) or created,
        respond_by=aware_or_none(row.respond_by),
        claimed_by=row.claimed_by,
        claimed_by_name=row.claimed_by_name,
        claimed_at=aware_or_none(row.claimed_at),
        closed_at=aware_or_none(row.closed_at),
        outcome=row.outcome,
        reminded_at=aware_or_none(row.reminded_at),
        escalated_at=aware_or_none(row.escalated_at),
    )
