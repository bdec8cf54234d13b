"""The units' Teams channels and the admin-maintained lists of consultants and leads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base
from storage.sqlutil import aware, upsert_insert

CHANNELS = Base.metadata.tables["unit_channels"]
MEMBERS = Base.metadata.tables["unit_members"]

CONSULTANT, LEAD = "consultant", "lead"


@dataclass(frozen=True, slots=True)
class UnitChannel:
    unit: str
    team_id: str
    channel_id: str
    service_url: str
    tenant_id: str | None
    reference: dict[str, Any]
    language: str
    generation: int
    registered_by: str
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class Registration:
    channel: UnitChannel
    previous: UnitChannel | None

    @property
    def moved(self) -> bool:
        return self.previous is not None and self.previous.channel_id != self.channel.channel_id

    @property
    def unchanged(self) -> bool:
        return self.previous is not None and self.previous.channel_id == self.channel.channel_id


@dataclass(frozen=True, slots=True)
class UnitMember:
    unit: str
    identifier: str  # Entra object id, or e-mail / UPN in lower case
    role: str  # consultant | lead
    added_by: str
    added_at: datetime


def normalise_identifier(identifier: str) -> str:
    """Object ids and e-mail addresses compare case-insensitively."""
    return identifier.strip().lower()


class UnitChannels:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def register(
        self,
        *,
        unit: str,
        team_id: str,
        channel_id: str,
        service_url: str,
        tenant_id: str | None,
        reference: dict[str, Any],
        language: str,
        registered_by: str,
        now: datetime,
    ) -> Registration:
        """Register (or move) a unit's channel. Registering the same channel again changes
        nothing but the reference (service URLs change); a move increments `generation`."""
        async with self._engine.begin() as connection:
            found = (
                await connection.execute(
                    select(CHANNELS).where(CHANNELS.c.unit == unit).with_for_update()
                )
            ).first()
            previous = _channel(found) if found else None
            generation = 1 if previous is None else previous.generation
            if previous is not None and previous.channel_id != channel_id:
                generation += 1
            fields = {
                "team_id": team_id,
                "channel_id": channel_id,
                "service_url": service_url,
                "tenant_id": tenant_id,
                "reference": json.dumps(reference, separators=(",", ":")),
                "language": language,
                "generation": generation,
                "registered_by": registered_by,
                "registered_at": now
                if previous is None or generation != previous.generation
                else previous.registered_at,
            }
            statement = upsert_insert(connection, CHANNELS).values(unit=unit, **fields)
            await connection.execute(
                statement.on_conflict_do_update(index_elements=[CHANNELS.c.unit], set_=fields)
            )
            row = (await connection.execute(select(CHANNELS).where(CHANNELS.c.unit == unit))).one()
        return Registration(_channel(row), previous)

    async def get(self, unit: str) -> UnitChannel | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(select(CHANNELS).where(CHANNELS.c.unit == unit))
            ).first()
        return _channel(row) if row else None

    async def all(self) -> list[UnitChannel]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(CHANNELS).order_by(CHANNELS.c.unit))).all()
        return [_channel(row) for row in rows]


class UnitMembers:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(
        self, *, unit: str, identifier: str, role: str, added_by: str, now: datetime
    ) -> bool:
        """False if the entry was already there."""
        statement = (
            upsert_insert(self._engine, MEMBERS)
            .values(
                unit=unit,
                identifier=normalise_identifier(identifier),
                role=role,
                added_by=added_by,
                added_at=now,
            )
            .on_conflict_do_nothing(index_elements=["unit", "identifier", "role"])
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)

    async def remove(self, *, unit: str, identifier: str, role: str | None = None) -> int:
        """Remove an entry (both roles unless one is named); returns how many went."""
        statement = delete(MEMBERS).where(
            MEMBERS.c.unit == unit, MEMBERS.c.identifier == normalise_identifier(identifier)
        )
        if role is not None:
            statement = statement.where(MEMBERS.c.role == role)
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return int(result.rowcount or 0)

    async def of_unit(self, unit: str, *, role: str | None = None) -> list[UnitMember]:
        query = select(MEMBERS).where(MEMBERS.c.unit == unit)
        if role is not None:
            query = query.where(MEMBERS.c.role == role)
        return await self._select(query.order_by(MEMBERS.c.role, MEMBERS.c.identifier))

    async def all(self) -> list[UnitMember]:
        return await self._select(
            select(MEMBERS).order_by(MEMBERS.c.unit, MEMBERS.c.role, MEMBERS.c.identifier)
        )

    async def _select(self, query: Any) -> list[UnitMember]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            UnitMember(row.unit, row.identifier, row.role, row.added_by, aware(row.added_at))
            for row in rows
        ]


def _channel(row: Any) -> UnitChannel:
    return UnitChannel(
        unit=row.unit,
        team_id=row.team_id,
        channel_id=row.channel_id,
        service_url=row.service_url,
        tenant_id=row.tenant_id,
        reference=json.loads(row.reference),
        language=row.language,
        generation=row.generation,
        registered_by=row.registered_by,
        registered_at=aware(row.registered_at),
    )
