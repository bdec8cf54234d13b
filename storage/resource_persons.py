"""VINK's resource panel (ressourcepersoner): names, topics and competences, kept by admins
with a 1:1 command or imported from a YAML file (`python -m bot.consultant_cli`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base
from storage.sqlutil import aware, split_list, upsert_insert

PERSONS = Base.metadata.tables["resource_persons"]


@dataclass(frozen=True, slots=True)
class ResourcePerson:
    id: int
    name: str
    topics: tuple[str, ...]
    competences: str
    contact: str | None
    active: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ResourcePersonInput:
    name: str
    topics: tuple[str, ...]
    competences: str
    contact: str | None = None


class ResourcePersons:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def upsert(self, person: ResourcePersonInput, *, now: datetime) -> ResourcePerson:
        """Add a person, or update (and re-activate) the one with the same name."""
        fields = {
            "topics": ",".join(person.topics),
            "competences": person.competences,
            "contact": person.contact,
            "active": True,
            "updated_at": now,
        }
        statement = upsert_insert(self._engine, PERSONS).values(name=person.name.strip(), **fields)
        statement = statement.on_conflict_do_update(index_elements=[PERSONS.c.name], set_=fields)
        async with self._engine.begin() as connection:
            await connection.execute(statement)
            row = (
                await connection.execute(
                    select(PERSONS).where(PERSONS.c.name == person.name.strip())
                )
            ).one()
        return _person(row)

    async def import_all(
        self, people: Iterable[ResourcePersonInput], *, now: datetime, replace: bool = True
    ) -> int:
        """Upsert everyone listed; with `replace`, deactivate everyone not listed."""
        listed = list(people)
        for person in listed:
            await self.upsert(person, now=now)
        if replace:
            names = [person.name.strip() for person in listed]
            async with self._engine.begin() as connection:
                await connection.execute(
                    update(PERSONS)
                    .where(PERSONS.c.name.not_in(names), PERSONS.c.active.is_(True))
                    .values(active=False, updated_at=now)
                )
        return len(listed)

    async def deactivate(self, name: str, *, now: datetime) -> bool:
        """Take a person off the panel. Kept (inactive) so past suggestions still name them."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(PERSONS)
                .where(PERSONS.c.name == name.strip(), PERSONS.c.active.is_(True))
                .values(active=False, updated_at=now)
            )
        return bool(result.rowcount)

    async def active(self) -> list[ResourcePerson]:
        query = select(PERSONS).where(PERSONS.c.active.is_(True)).order_by(PERSONS.c.name)
        async with self._engine.connect() as connection:
            return [_person(row) for row in (await connection.execute(query)).all()]

    async def get(self, person_id: int) -> ResourcePerson | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(select(PERSONS).where(PERSONS.c.id == person_id))
            ).first()
        return _person(row) if row else None

    async def by_ids(self, ids: Sequence[int]) -> dict[int, ResourcePerson]:
        if not ids:
            return {}
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(PERSONS).where(PERSONS.c.id.in_(ids)))).all()
        return {row.id: _person(row) for row in rows}


def _person(row: Any) -> ResourcePerson:
    return ResourcePerson(
        id=row.id,
        name=row.name,
        topics=split_list(row.topics),
        competences=row.competences,
        contact=row.contact,
        active=bool(row.active),
        updated_at=aware(row.updated_at),
    )
