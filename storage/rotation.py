"""Key rotation: re-encrypt every encrypted field with the current (first) key.

Procedure: put a new key first in `DATA_ENCRYPTION_KEYS` (keep the old ones after it), restart,
run `python -m bot rotate-keys`, then remove the old keys. Every encrypted column is listed in
`ENCRYPTED_COLUMNS`; a test checks the list against the models (every `*_enc` column).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import Cipher
from storage.models import Base


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str
    field: str  # the associated data it was sealed with
    key: str = "id"


ENCRYPTED_COLUMNS: list[EncryptedColumn] = [
    EncryptedColumn("referrals", "description_enc", "referral.description"),
    EncryptedColumn("referrals", "context_enc", "referral.context"),
    EncryptedColumn("referrals", "youth_enc", "referral.youth"),
    EncryptedColumn("referrals", "employee_name_enc", "referral.employee_name"),
    EncryptedColumn("referrals", "employee_contact_enc", "referral.employee_contact"),
    EncryptedColumn("referral_additions", "text_enc", "referral.addition"),
    EncryptedColumn("referral_messages", "text_enc", "referral.message"),
    EncryptedColumn("bot_state", "document", "bot_state.document", key="key"),
    EncryptedColumn("training_signups", "participant_name_enc", "training.participant_name"),
]


async def rotate(engine: AsyncEngine, cipher: Cipher, *, batch: int = 500) -> dict[str, int]:
    """Re-encrypt what is not under the current key; returns counts per table.column."""
    counts: dict[str, int] = {}
    for spec in ENCRYPTED_COLUMNS:
        table = Base.metadata.tables[spec.table]
        key_column, value_column = table.c[spec.key], table.c[spec.column]
        done = 0
        while True:
            query = select(key_column, value_column).where(value_column.is_not(None))
            if spec.table == "bot_state":
                query = query.where(table.c.codec.endswith("+aes"))
            async with engine.begin() as connection:
                rows = [
                    row
                    for row in (await connection.execute(query)).all()
                    if cipher.needs_rotation(row[1])
                ][:batch]
                for row_key, token in rows:
                    plain = cipher.decrypt(token, field=spec.field)
                    await connection.execute(
                        update(table)
                        .where(key_column == row_key)
                        .values({spec.column: cipher.encrypt(plain, field=spec.field)})
                    )
            done += len(rows)
            if len(rows) < batch:
                break
        counts[f"{spec.table}.{spec.column}"] = done
    return counts
