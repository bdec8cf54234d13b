"""Sensitive fields are encrypted at rest: planted markers never appear in the raw database,
and key rotation re-encrypts everything with the new key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.bot_state import SqlStorage
from storage.crypto import cipher_from, generate_key
from storage.models import Base
from storage.referrals import NewReferral, Referrals
from storage.rotation import ENCRYPTED_COLUMNS, rotate
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

MARKERS = {
    "description": "MARKER-Description-Qx81",
    "youth": "MARKER-Youth-Lk20",
    "employee": "MARKER-Employee-Vt55",
    "context": "MARKER-Context-Hh02",
    "addition": "MARKER-Addition-Zp93",
    "draft": "MARKER-Draft-Mm47",
}
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


async def plant(engine: AsyncEngine, keys: str = TEST_KEYS) -> Referrals:
    referrals = Referrals(engine, cipher_from(keys, TEST_PSEUDONYM_KEY))
    new = NewReferral(
        mode="named",
        unit="ssp",
        rule_id="crime_preventive",
        tags=("SSP+",),
        age_band="18_25",
        residence="yes",
        crime_status="concrete_plan",
        signs=("threats",),
        has_serious_sign=True,
        employee_role="teacher",
        employee_administration="buf",
        employee_id="aad-planted",
        description=MARKERS["description"],
        context={"protective": MARKERS["context"]},
        respond_by=None,
        employee_name=MARKERS["employee"],
        employee_contact={"aad_object_id": "aad-planted"},
        youth={"name": MARKERS["youth"], "birth_year": 2006, "school": "X"},
    )
    filed = await referrals.file(new, now=NOW)
    assert await referrals.add_information(
        reference=filed.reference, employee_id="aad-planted", text=MARKERS["addition"], now=NOW
    )
    storage = SqlStorage(engine, cipher_from(keys, TEST_PSEUDONYM_KEY))
    await storage.write({"dialog/msteams/a/b": {"answers": {"description": MARKERS["draft"]}}})
    return referrals


async def every_stored_text(engine: AsyncEngine) -> str:
    chunks = []
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = (await connection.execute(text(f"SELECT * FROM {table.name}"))).all()  # noqa: S608
            chunks.extend(repr(tuple(row)) for row in rows)
    return "\n".join(chunks)


async def test_no_marker_is_readable_in_any_table(engine: AsyncEngine) -> None:
    await plant(engine)
    stored = await every_stored_text(engine)
    assert "BEK-2026-0001" in stored  # the scan does see the rows
    for marker in MARKERS.values():
        assert marker not in stored


async def test_no_marker_is_in_the_raw_sqlite_files(sqlite_engine: AsyncEngine) -> None:
    await plant(sqlite_engine)
    database = Path(str(sqlite_engine.url.database))
    raw = b"".join(
        path.read_bytes() for path in database.parent.glob(database.name + "*") if path.is_file()
    )
    assert b"BEK-2026-0001" in raw
    for marker in MARKERS.values():
        assert marker.encode() not in raw


async def test_rotation_reencrypts_everything_with_the_new_key(engine: AsyncEngine) -> None:
    await plant(engine)
    new_key = f"k2:{generate_key()}"
    both = cipher_from(f"{new_key},{TEST_KEYS}", TEST_PSEUDONYM_KEY)
    counts = await rotate(engine, both)
    assert counts["referrals.description_enc"] == 1
    assert counts["referral_additions.text_enc"] == 1
    assert counts["bot_state.document"] == 1
    assert counts["referrals.youth_enc"] == 1
    assert await rotate(engine, both) == dict.fromkeys(counts, 0)

    only_new = Referrals(engine, cipher_from(new_key, TEST_PSEUDONYM_KEY))
    async with engine.connect() as connection:
        token = await connection.scalar(text("SELECT description_enc FROM referrals"))
        draft = (await connection.execute(text("SELECT document FROM bot_state"))).scalar_one()
    assert token.startswith("v1.k2.") and draft.startswith("v1.k2.")
    assert only_new.cipher.decrypt(token, field="referral.description") == MARKERS["description"]
    reread = await SqlStorage(engine, only_new.cipher).read(["dialog/msteams/a/b"])
    assert reread["dialog/msteams/a/b"]["answers"]["description"] == MARKERS["draft"]


def test_every_encrypted_column_is_covered_by_rotation() -> None:
    listed = {(spec.table, spec.column) for spec in ENCRYPTED_COLUMNS}
    in_models = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith("_enc")
    }
    assert in_models <= listed
