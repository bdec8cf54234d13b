"""Retention: closed referrals are reduced to their statistical fields (or deleted) after the
configured period; audit entries after theirs; nothing earlier, nothing open."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.retention import months_before
from storage.audit import AuditEntry, AuditLog
from storage.casework import Actor, Casework
from storage.crypto import cipher_from
from storage.referrals import REFERRALS, NewReferral, Referrals
from storage.retention import delete_old_audit, reduce_closed_referrals
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

FILED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CLOSED = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
SECRET = "Retention-Marker-Kx7"


def new(number: int) -> NewReferral:
    return NewReferral(
        mode="named",
        unit="vink",
        rule_id="polarisation",
        tags=(),
        age_band="15_17",
        residence="yes",
        crime_status="none_known",
        signs=("isolation", "symbols"),
        has_serious_sign=False,
        employee_role="teacher",
        employee_administration="buf",
        employee_id=f"aad-{number}",
        description=f"{SECRET} {number}",
        context={"leader": "yes"},
        respond_by=None,
        employee_name=f"{SECRET} name",
        youth=None,
    )


async def file_and_close(engine: AsyncEngine, *, close: bool = True) -> int:
    cipher = cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY)
    referrals = Referrals(engine, cipher)
    filed = await referrals.file(new(1), now=FILED)
    await referrals.add_information(
        reference=filed.reference, employee_id="aad-1", text=f"{SECRET} added", now=FILED
    )
    if close:
        result = await Casework(engine, cipher).close(
            filed.id,
            unit="vink",
            actor=Actor("aad-consultant", "Konsulent"),
            outcome="advice_given",
            note=f"{SECRET} note",
            now=CLOSED,
        )
        assert result.done
    return filed.id


async def test_closed_referrals_are_reduced_after_twelve_months(engine: AsyncEngine) -> None:
    referral_id = await file_and_close(engine)
    too_early = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert (
        await reduce_closed_referrals(
            engine, closed_before=months_before(too_early, 12), now=too_early
        )
        == 0
    )
    later = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    assert (
        await reduce_closed_referrals(engine, closed_before=months_before(later, 12), now=later)
        == 1
    )
    async with engine.connect() as connection:
        row = (await connection.execute(select(REFERRALS))).one()
        leftovers = [
            await connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("referral_additions", "referral_messages")
        ]
    assert (row.id, row.mode, row.unit, row.signs, row.outcome, row.employee_role) == (
        referral_id,
        "named",
        "vink",
        "isolation,symbols",
        "advice_given",
        "teacher",
    )
    assert row.description_enc == "" and row.employee_name_enc is None
    assert row.employee_pseudonym == "" and row.reduced_at is not None
    assert leftovers == [0, 0]
    # Once is enough.
    assert (
        await reduce_closed_referrals(engine, closed_before=months_before(later, 12), now=later)
        == 0
    )


async def test_open_referrals_are_never_reduced(engine: AsyncEngine) -> None:
    await file_and_close(engine, close=False)
    far_later = datetime(2030, 1, 1, tzinfo=UTC)
    assert await reduce_closed_referrals(engine, closed_before=far_later, now=far_later) == 0


async def test_delete_mode_removes_the_referral(engine: AsyncEngine) -> None:
    await file_and_close(engine)
    later = datetime(2026, 4, 1, tzinfo=UTC)
    assert (
        await reduce_closed_referrals(
            engine, closed_before=months_before(later, 12), now=later, delete_all=True
        )
        == 1
    )
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(REFERRALS)) == 0


async def test_audit_entries_are_deleted_after_their_own_period(engine: AsyncEngine) -> None:
    audit = AuditLog(engine)
    for at in (datetime(2022, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)):
        await audit.record(
            AuditEntry(
                at=at,
                actor="aad-x",
                actor_role="consultant",
                action="view",
                outcome="allowed",
                referral_id=1,
                unit="vink",
                detail=None,
                correlation_id="c",
            )
        )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert await delete_old_audit(engine, before=months_before(now, 36)) == 1
    assert [entry.at.year for entry in await audit.for_referral(1)] == [2025]


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, 10, tzinfo=UTC), 1, datetime(2026, 2, 28, 10, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 12, datetime(2025, 1, 15, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2023, 2, 28, tzinfo=UTC)),
        (datetime(2026, 5, 1, tzinfo=UTC), 36, datetime(2023, 5, 1, tzinfo=UTC)),
    ],
)
def test_months_before(moment: datetime, months: int, expected: datetime) -> None:
    assert months_before(moment, months) == expected
