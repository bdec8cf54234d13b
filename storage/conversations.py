"""Conversation references: where the bot can reach a person, chat or channel later."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Base, ConversationReferenceRow

_TABLE = Base.metadata.tables[ConversationReferenceRow.__tablename__]


@dataclass(frozen=True, slots=True)
class StoredReference:
    conversation_id: str
    conversation_type: str
    tenant_id: str | None
    user_id: str | None
    user_aad_object_id: str | None
    team_id: str | None
    channel_id: str | None
    service_url: str
    reference: dict[str, Any]
    installed: bool
    updated_at: datetime
    user_pseudonym: str | None = None


def _row_to_reference(row: Any) -> StoredReference:
    return StoredReference(
        conversation_id=row.conversation_id,
        conversation_type=row.conversation_type,
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        user_aad_object_id=row.user_aad_object_id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        service_url=row.service_url,
        reference=json.loads(row.reference),
        installed=row.installed,
        updated_at=row.updated_at,
        user_pseudonym=row.user_pseudonym,
    )


class ConversationReferences:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def remember(
        self,
        *,
        conversation_id: str,
        conversation_type: str,
        service_url: str,
        reference: dict[str, Any],
        tenant_id: str | None = None,
        user_id: str | None = None,
        user_aad_object_id: str | None = None,
        team_id: str | None = None,
        channel_id: str | None = None,
        installed: bool = True,
        user_pseudonym: str | None = None,
    ) -> None:
        """Insert or refresh the reference (service URLs change; the newest wins)."""
        fields = {
            "conversation_type": conversation_type,
            "tenant_id": tenant_id,
            "user_id": user_id,
            "user_aad_object_id": user_aad_object_id,
            "user_pseudonym": user_pseudonym,
            "team_id": team_id,
            "channel_id": channel_id,
            "service_url": service_url,
            "reference": json.dumps(reference, separators=(",", ":")),
            "installed": installed,
            "updated_at": datetime.now(UTC),
        }
        dialect_insert = (
            postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        )
        statement = dialect_insert(_TABLE).values(conversation_id=conversation_id, **fields)
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.conversation_id], set_=fields
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def mark_uninstalled(self, conversation_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(_TABLE)
                .where(_TABLE.c.conversation_id == conversation_id)
                .values(installed=False, updated_at=datetime.now(UTC))
            )

    async def get(self, conversation_id: str) -> StoredReference | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(_TABLE).where(_TABLE.c.conversation_id == conversation_id)
                )
            ).first()
        return _row_to_reference(row) if row else None

    async def personal_chat_of(self, user_aad_object_id: str) -> StoredReference | None:
        """The 1:1 chat with a user, if the bot is installed for them."""
        query = (
            select(_TABLE)
            .where(
                _TABLE.c.user_aad_object_id == user_aad_object_id,
                _TABLE.c.conversation_type == "personal",
                _TABLE.c.installed.is_(True),
            )
            .order_by(_TABLE.c.updated_at.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return _row_to_reference(row) if row else None

    async def personal_chat_of_pseudonym(self, user_pseudonym: str) -> StoredReference | None:
        """The 1:1 chat of the user with this pseudonym (`Cipher.pseudonym` of their Entra
        object id): how a referral's employee is reached without storing who they are."""
        query = (
            select(_TABLE)
            .where(
                _TABLE.c.user_pseudonym == user_pseudonym,
                _TABLE.c.conversation_type == "personal",
                _TABLE.c.installed.is_(True),
            )
            .order_by(_TABLE.c.updated_at.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return _row_to_reference(row) if row else None
