"""Small helpers the repositories share: dialect-specific INSERT … ON CONFLICT, and aware
datetimes from SQLite (which returns naive ones for timezone-aware columns)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def upsert_insert(bind: AsyncEngine | AsyncConnection, table: Table) -> Any:
    """`insert(table)` of the bind's dialect, which offers `on_conflict_do_nothing/update`."""
    return (postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert)(table)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def aware_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else aware(moment)


def split_list(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(",") if part)
