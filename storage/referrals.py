"""Filed referrals: numbering, the record, its history, additions and the delivery outbox.

Filing is one transaction: the next case reference of the year, the referral row, its first
history entry and the outbox row that schedules delivery to the unit. Either all are stored or
none, so no referral exists without its delivery scheduled and no reference number is lost.
Sensitive fields are encrypted with `storage.crypto.Cipher`; anonymous referrals have their
identifying columns left empty from the start.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, cast, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.references import PREFIX, SEQUENCE_DIGITS, format_reference
from storage.crypto import Cipher
from storage.models import Base

REFERRALS = Base.metadata.tables["referrals"]
EVENTS = Base.metadata.tables["referral_events"]
ADDITIONS = Base.metadata.tables["referral_additions"]
OUTBOX = Base.metadata.tables["outbox"]
COUNTERS = Base.metadata.tables["reference_counters"]
GATES = Base.metadata.tables["gate_answers"]

OPEN_STATUSES = ("new", "claimed")


@dataclass(frozen=True)
class NewReferral:
    mode: str
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
    employee_id: str  # Entra object id; stored only as a keyed pseudonym
    description: str
    context: dict[str, Any]
    respond_by: datetime | None
    employee_name: str | None = None  # named mode only
    employee_contact: dict[str, Any] | None = None  # named mode only
    youth: dict[str, Any] | None = None  # named mode, and only when the route needs it

    def __post_init__(self) -> None:
        if self.mode == "anonymous" and (self.employee_name or self.employee_contact or self.youth):
            raise ValueError("an anonymous referral must not carry identifying data")


@dataclass(frozen=True)
class FiledReferral:
    id: int
    reference: str
    created_at: datetime
    unit: str
    respond_by: datetime | None


@dataclass(frozen=True)
class ReferralListItem:
    reference: str
    created_at: datetime
    unit: str
    status: str

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass
class Referrals:
    engine: AsyncEngine
    cipher: Cipher
    on_outbox: Callable[[], None] | None = None  # wakes the delivery job after a commit
    _dialect: str = field(init=False)

    def __post_init__(self) -> None:
        self._dialect = self.engine.dialect.name

    def pseudonym(self, employee_id: str) -> str:
        return self.cipher.pseudonym(employee_id)

    async def file(self, new: NewReferral, *, now: datetime) -> FiledReferral:
        values = self._referral_values(new, now)  # encrypted before any lock is taken
        if self._dialect == "postgresql":
            referral_id, sequence = await self._file_in_one_statement(new, values, now)
        else:
            referral_id, sequence = await self._file_in_a_transaction(new, values, now)
        if self.on_outbox is not None:
            self.on_outbox()
        reference = format_reference(now.year, sequence)
        return FiledReferral(referral_id, reference, now, new.unit, new.respond_by)

    async def _file_in_one_statement(
        self, new: NewReferral, values: dict[str, Any], now: datetime
    ) -> tuple[int, int]:
        """PostgreSQL: the counter, the referral, its history entry and its outbox row in one
        autocommit statement. The counter row's lock, which every filing waits for, is held
        for the statement's execution inside the server only, not across round trips through a
        busy event loop: with one transaction of five statements, filings queued behind it at
        64 users (p50 760 ms for the filing turn; docs/performance.md, fix 15)."""
        counter = (
            postgresql.insert(COUNTERS)
            .values(year=now.year, last_sequence=1)
            .on_conflict_do_update(
                index_elements=[COUNTERS.c.year],
                set_={"last_sequence": COUNTERS.c.last_sequence + 1},
            )
            .returning(COUNTERS.c.last_sequence.label("sequence"))
            .cte("counter")
        )
        number = cast(counter.c.sequence, String)
        reference = literal(f"{PREFIX}-{now.year}-") + func.lpad(
            number, func.greatest(SEQUENCE_DIGITS, func.length(number)), "0"
        )
        columns = [*values, "sequence", "reference"]
        referral = (
            insert(REFERRALS)
            .from_select(
                columns,
                select(
                    *(literal(value, REFERRALS.c[name].type) for name, value in values.items()),
                    counter.c.sequence,
                    reference,
                ),
            )
            .returning(REFERRALS.c.id, REFERRALS.c.sequence)
            .cte("referral")
        )
        history = insert(EVENTS).from_select(
            ["referral_id", "at", "kind", "status", "unit"],
            select(
                referral.c.id,
                literal(now, EVENTS.c.at.type),
                literal("filed"),
                literal("new"),
                literal(new.unit),
            ),
        )
        delivery = insert(OUTBOX).from_select(
            [
                "kind",
                "referral_id",
                "unit",
                "idempotency_key",
                "created_at",
                "available_at",
                "attempts",
            ],
            select(
                literal("deliver_referral"),
                referral.c.id,
                literal(new.unit),
                literal("referral:")
                + cast(referral.c.id, String)
                + literal(f":deliver:{new.unit}"),
                literal(now, OUTBOX.c.created_at.type),
                literal(now, OUTBOX.c.available_at.type),
                literal(0),
            ),
        )
        statement = (
            select(referral.c.id, referral.c.sequence)
            .add_cte(history.cte("history"))
            .add_cte(delivery.cte("delivery"))
        )
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            row = (await connection.execute(statement)).one()
        return int(row.id), int(row.sequence)

    async def _file_in_a_transaction(
        self, new: NewReferral, values: dict[str, Any], now: datetime
    ) -> tuple[int, int]:
        """SQLite (no INSERT in a CTE): writers in this process queue on one lock anyway
        (storage/sqlite_inline.py), so the transaction's length costs no extra waiting."""
        async with self.engine.begin() as connection:
            sequence = await self._next_sequence(connection, now.year)
            result = await connection.execute(
                insert(REFERRALS)
                .values(**values, sequence=sequence, reference=format_reference(now.year, sequence))
                .returning(REFERRALS.c.id)
            )
            referral_id = int(result.scalar_one())
            await connection.execute(
                insert(EVENTS).values(
                    referral_id=referral_id, at=now, kind="filed", status="new", unit=new.unit
                )
            )
            await connection.execute(
                insert(OUTBOX).values(
                    kind="deliver_referral",
                    referral_id=referral_id,
                    unit=new.unit,
                    idempotency_key=f"referral:{referral_id}:deliver:{new.unit}",
                    created_at=now,
                    available_at=now,
                    attempts=0,
                )
            )
        return referral_id, sequence

    async def _next_sequence(self, connection: AsyncConnection, year: int) -> int:
        """Gapless per year: the counter row is locked by the UPDATE until this transaction
        ends, so concurrent filings queue and a rolled-back filing gives its number back."""
        dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        await connection.execute(
            dialect_insert(COUNTERS)
            .values(year=year, last_sequence=0)
            .on_conflict_do_nothing(index_elements=[COUNTERS.c.year])
        )
        result = await connection.execute(
            update(COUNTERS)
            .where(COUNTERS.c.year == year)
            .values(last_sequence=COUNTERS.c.last_sequence + 1)
            .returning(COUNTERS.c.last_sequence)
        )
        return int(result.scalar_one())

    def _referral_values(self, new: NewReferral, now: datetime) -> dict[str, Any]:
        """The referral row but its number (`sequence`, `reference`), sensitive fields sealed."""
        encrypt = self.cipher.encrypt
        return {
            "year": now.year,
            "mode": new.mode,
            "status": "new",
            "unit": new.unit,
            "rule_id": new.rule_id,
            "tags": ",".join(new.tags),
            "age_band": new.age_band,
            "residence": new.residence,
            "crime_status": new.crime_status,
            "signs": ",".join(new.signs),
            "has_serious_sign": new.has_serious_sign,
            "employee_role": new.employee_role,
            "employee_administration": new.employee_administration,
            "employee_pseudonym": self.pseudonym(new.employee_id),
            "employee_name_enc": encrypt(new.employee_name, field="referral.employee_name"),
            "employee_contact_enc": encrypt(
                _json_or_none(new.employee_contact), field="referral.employee_contact"
            ),
            "description_enc": encrypt(new.description, field="referral.description"),
            "context_enc": encrypt(json.dumps(new.context), field="referral.context"),
            "youth_enc": encrypt(_json_or_none(new.youth), field="referral.youth"),
            "created_at": now,
            "updated_at": now,
            "respond_by": new.respond_by,
        }

    async def of_employee(self, employee_id: str, *, limit: int = 20) -> list[ReferralListItem]:
        query = (
            select(
                REFERRALS.c.reference, REFERRALS.c.created_at, REFERRALS.c.unit, REFERRALS.c.status
            )
            .where(REFERRALS.c.employee_pseudonym == self.pseudonym(employee_id))
            .order_by(REFERRALS.c.created_at.desc())
            .limit(limit)
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [ReferralListItem(r.reference, _aware(r.created_at), r.unit, r.status) for r in rows]

    async def add_information(
        self, *, reference: str, employee_id: str, text: str, now: datetime
    ) -> bool:
        """Add to the employee's own open referral. False if it is not theirs or not open."""
        async with self.engine.begin() as connection:
            row = (
                await connection.execute(
                    select(REFERRALS.c.id, REFERRALS.c.unit, REFERRALS.c.status).where(
                        REFERRALS.c.reference == reference,
                        REFERRALS.c.employee_pseudonym == self.pseudonym(employee_id),
                        REFERRALS.c.status.in_(OPEN_STATUSES),
                    )
                )
            ).first()
            if row is None:
                return False
            addition = await connection.execute(
                insert(ADDITIONS)
                .values(
                    referral_id=row.id,
                    at=now,
                    text_enc=self.cipher.encrypt(text, field="referral.addition"),
                )
                .returning(ADDITIONS.c.id)
            )
            addition_id = int(addition.scalar_one())
            await connection.execute(
                insert(EVENTS).values(
                    referral_id=row.id,
                    at=now,
                    kind="information_added",
                    status=row.status,
                    unit=row.unit,
                )
            )
            await connection.execute(
                insert(OUTBOX).values(
                    kind="relay_addition",
                    referral_id=row.id,
                    unit=row.unit,
                    idempotency_key=f"addition:{addition_id}",
                    payload=json.dumps({"addition_id": addition_id}),
                    created_at=now,
                    available_at=now,
                    attempts=0,
                )
            )
            await connection.execute(
                update(REFERRALS).where(REFERRALS.c.id == row.id).values(updated_at=now)
            )
        if self.on_outbox is not None:
            self.on_outbox()
        return True

    async def record_gate(self, kind: str, *, now: datetime) -> None:
        """Count an answer that ended the dialog without a referral. Nothing else is kept."""
        async with self.engine.begin() as connection:
            await connection.execute(insert(GATES).values(kind=kind, at=now))

    async def gate_counts(self) -> dict[str, int]:
        async with self.engine.connect() as connection:
            rows = (
                await connection.execute(select(GATES.c.kind, func.count()).group_by(GATES.c.kind))
            ).all()
        return {row[0]: int(row[1]) for row in rows}

    async def history(self, reference: str) -> list[tuple[str, str, str]]:
        """(kind, status, unit) of every event of a referral, oldest first."""
        query = (
            select(EVENTS.c.kind, EVENTS.c.status, EVENTS.c.unit)
            .join(REFERRALS, REFERRALS.c.id == EVENTS.c.referral_id)
            .where(REFERRALS.c.reference == reference)
            .order_by(EVENTS.c.at, EVENTS.c.id)
        )
        async with self.engine.connect() as connection:
            return [tuple(row) for row in (await connection.execute(query)).all()]


def _json_or_none(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


__all__ = ["FiledReferral", "NewReferral", "ReferralListItem", "Referrals"]
