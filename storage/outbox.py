"""The delivery outbox: work written in the same transaction as the change that causes it,
delivered by a background job at least once, and (for channel posts) exactly once as users see
it.

Claiming is one statement: `UPDATE outbox SET available_at = now + lease WHERE id IN (due rows
… FOR UPDATE SKIP LOCKED) RETURNING …`. On PostgreSQL concurrent workers skip each other's
rows; on SQLite the statement takes the single write lock at once (no read-then-write upgrade
that could fail under WAL). No transaction is held while talking to Teams: the lease (default
10 minutes, longer than any send with its retries) keeps other workers off the row, and a worker
that dies mid-delivery leaves the row to be claimed again when the lease runs out.

Channel posts are recorded under the outbox row's idempotency key in the same transaction that
marks the row delivered, and a worker checks for a recorded post before posting. The only way
to post twice is a crash (or a lease running out) after Teams accepted the post and before that
transaction committed: docs/consultants.md, "Delivery guarantees".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.models import Base
from storage.sqlutil import aware, aware_or_none, upsert_insert

OUTBOX = Base.metadata.tables["outbox"]
POSTS = Base.metadata.tables["referral_posts"]

DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    kind: str
    referral_id: int | None
    unit: str | None
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredPost:
    id: int
    referral_id: int
    unit: str
    idempotency_key: str
    channel_id: str
    conversation_id: str
    activity_id: str
    reference: dict[str, Any]
    posted_at: datetime
    superseded_at: datetime | None
    superseded_by: str | None

    @property
    def active(self) -> bool:
        return self.superseded_at is None


@dataclass(frozen=True, slots=True)
class NewPost:
    channel_id: str
    conversation_id: str
    activity_id: str
    reference: dict[str, Any]


async def enqueue(
    connection: AsyncConnection,
    *,
    kind: str,
    key: str,
    now: datetime,
    referral_id: int | None = None,
    unit: str | None = None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Schedule work inside the caller's transaction. A key already used is ignored (False):
    the key is what makes "tell them once" hold across retries and instances."""
    statement = (
        upsert_insert(connection, OUTBOX)
        .values(
            kind=kind,
            referral_id=referral_id,
            unit=unit,
            idempotency_key=key[:128],
            payload=json.dumps(payload, separators=(",", ":")) if payload else None,
            created_at=now,
            available_at=now,
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=[OUTBOX.c.idempotency_key])
    )
    result = await connection.execute(statement)
    return bool(result.rowcount)


class Outbox:
    def __init__(self, engine: AsyncEngine, *, lease: timedelta = DEFAULT_LEASE) -> None:
        self._engine = engine
        self._lease = lease

    async def add(
        self,
        *,
        kind: str,
        key: str,
        now: datetime,
        referral_id: int | None = None,
        unit: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """`enqueue` in a transaction of its own (work that follows from a delivery)."""
        async with self._engine.begin() as connection:
            return await enqueue(
                connection,
                kind=kind,
                key=key,
                now=now,
                referral_id=referral_id,
                unit=unit,
                payload=payload,
            )

    async def claim_due(
        self, now: datetime, *, limit: int = 20, kinds: Iterable[str] | None = None
    ) -> list[OutboxItem]:
        """Lease up to `limit` due rows (of these `kinds`, so that several jobs can share the
        table, each claiming only the work it knows how to do)."""
        due = (
            select(OUTBOX.c.id)
            .where(OUTBOX.c.delivered_at.is_(None), OUTBOX.c.available_at <= now)
            .order_by(OUTBOX.c.id)
            .limit(limit)
        )
        if kinds is not None:
            due = due.where(OUTBOX.c.kind.in_(list(kinds)))
        if self._engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(due.scalar_subquery()))
            .values(available_at=now + self._lease)
            .returning(*OUTBOX.c)
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        return sorted((_item(row) for row in rows), key=lambda item: item.id)

    async def done(self, item_id: int, now: datetime, *, error: str | None = None) -> None:
        """Delivered, or given up for good (then `error` says why)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == item_id)
                .values(delivered_at=now, last_error=error[:64] if error else None)
            )

    async def retry(
        self, item_id: int, *, at: datetime, error: str, count_attempt: bool = True
    ) -> None:
        values: dict[str, Any] = {"available_at": at, "last_error": error[:64]}
        if count_attempt:
            values["attempts"] = OUTBOX.c.attempts + 1
        async with self._engine.begin() as connection:
            await connection.execute(update(OUTBOX).where(OUTBOX.c.id == item_id).values(**values))

    async def record_post(self, item: OutboxItem, post: NewPost, *, now: datetime) -> None:
        """Record the channel post and mark the outbox row delivered, in one transaction."""
        assert item.referral_id is not None and item.unit is not None
        async with self._engine.begin() as connection:
            await connection.execute(
                upsert_insert(connection, POSTS)
                .values(
                    referral_id=item.referral_id,
                    unit=item.unit,
                    idempotency_key=item.idempotency_key,
                    channel_id=post.channel_id,
                    conversation_id=post.conversation_id,
                    activity_id=post.activity_id,
                    reference=json.dumps(post.reference, separators=(",", ":")),
                    posted_at=now,
                )
                .on_conflict_do_nothing(index_elements=[POSTS.c.idempotency_key])
            )
            await connection.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == item.id)
                .values(delivered_at=now, last_error=None)
            )

    async def post_for_key(self, key: str) -> StoredPost | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(select(POSTS).where(POSTS.c.idempotency_key == key))
            ).first()
        return _post(row) if row else None

    async def posts_of(self, referral_id: int) -> list[StoredPost]:
        query = select(POSTS).where(POSTS.c.referral_id == referral_id).order_by(POSTS.c.id)
        async with self._engine.connect() as connection:
            return [_post(row) for row in (await connection.execute(query)).all()]

    async def active_post(self, referral_id: int) -> StoredPost | None:
        posts = [post for post in await self.posts_of(referral_id) if post.active]
        return posts[-1] if posts else None

    async def release_unit(self, unit: str, now: datetime) -> int:
        """A unit got its channel: its waiting deliveries are due now."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(OUTBOX)
                .where(
                    OUTBOX.c.kind == "deliver_referral",
                    OUTBOX.c.unit == unit,
                    OUTBOX.c.delivered_at.is_(None),
                )
                .values(available_at=now)
            )
        return int(result.rowcount or 0)

    async def pending(self) -> list[OutboxItem]:
        """Undelivered rows, oldest first (operations and tests)."""
        query = select(OUTBOX).where(OUTBOX.c.delivered_at.is_(None)).order_by(OUTBOX.c.id)
        async with self._engine.connect() as connection:
            return [_item(row) for row in (await connection.execute(query)).all()]

    async def count_pending(self) -> int:
        query = select(func.count()).select_from(OUTBOX).where(OUTBOX.c.delivered_at.is_(None))
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def last_error(self, key: str) -> tuple[datetime | None, str | None] | None:
        query = select(OUTBOX.c.delivered_at, OUTBOX.c.last_error).where(
            OUTBOX.c.idempotency_key == key
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return (aware_or_none(row[0]), row[1]) if row else None


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        kind=row.kind,
        referral_id=row.referral_id,
        unit=row.unit,
        idempotency_key=row.idempotency_key,
        payload=json.loads(row.payload) if row.payload else {},
        attempts=row.attempts,
        created_at=aware(row.created_at),
    )


def _post(row: Any) -> StoredPost:
    return StoredPost(
        id=row.id,
        referral_id=row.referral_id,
        unit=row.unit,
        idempotency_key=row.idempotency_key,
        channel_id=row.channel_id,
        conversation_id=row.conversation_id,
        activity_id=row.activity_id,
        reference=json.loads(row.reference),
        posted_at=aware(row.posted_at),
        superseded_at=aware_or_none(row.superseded_at),
        superseded_by=row.superseded_by,
    )
