"""Case references are unique and gapless per year, also under concurrent submissions; every
filed referral has its delivery scheduled in the same transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.references import format_reference
from storage.crypto import cipher_from
from storage.referrals import COUNTERS, EVENTS, OUTBOX, REFERRALS, NewReferral, Referrals
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY


def referral(number: int) -> NewReferral:
    return NewReferral(
        mode="named",
        unit="vink",
        rule_id="polarisation",
        tags=(),
        age_band="15_17",
        residence="yes",
        crime_status="none_known",
        signs=("isolation",),
        has_serious_sign=False,
        employee_role="teacher",
        employee_administration="buf",
        employee_id=f"aad-{number}",
        description=f"beskrivelse {number}",
        context={},
        respond_by=None,
        employee_name=f"Medarbejder {number}",
    )


@pytest.fixture
def referrals(engine: AsyncEngine) -> Referrals:
    return Referrals(engine, cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY))


async def test_fifty_concurrent_submissions_get_fifty_consecutive_references(
    referrals: Referrals,
) -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    filed = await asyncio.gather(*(referrals.file(referral(n), now=now) for n in range(50)))
    references = sorted(item.reference for item in filed)
    assert references == [f"BEK-2026-{n:04d}" for n in range(1, 51)]
    async with referrals.engine.connect() as connection:
        scheduled = await connection.scalar(select(func.count()).select_from(OUTBOX))
    assert scheduled == 50


async def test_numbering_restarts_each_year(referrals: Referrals) -> None:
    december = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
    january = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    assert (await referrals.file(referral(1), now=december)).reference == "BEK-2026-0001"
    assert (await referrals.file(referral(2), now=january)).reference == "BEK-2027-0001"
    assert (await referrals.file(referral(3), now=december)).reference == "BEK-2026-0002"


async def test_a_failed_filing_stores_nothing_and_gives_its_number_back(
    referrals: Referrals,
) -> None:
    """The last write of a filing (its outbox row) fails: a row planted under the same
    idempotency key. Nothing of the filing stays, and the next filing gets its number."""
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    planted = {
        "kind": "planted",
        "referral_id": None,
        "unit": "vink",
        "idempotency_key": "referral:1:deliver:vink",
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }
    async with referrals.engine.begin() as connection:
        await connection.execute(insert(OUTBOX).values(**planted))
    with pytest.raises(IntegrityError):
        await referrals.file(referral(1), now=now)
    async with referrals.engine.begin() as connection:
        assert await connection.scalar(select(func.count()).select_from(REFERRALS)) == 0
        assert await connection.scalar(select(func.count()).select_from(EVENTS)) == 0
        await connection.execute(delete(OUTBOX).where(OUTBOX.c.kind == "planted"))
    filed = await referrals.file(referral(2), now=now)
    assert filed.reference == "BEK-2026-0001"
    async with referrals.engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(REFERRALS)) == 1
        assert await connection.scalar(select(func.count()).select_from(EVENTS)) == 1
        assert await connection.scalar(select(func.count()).select_from(OUTBOX)) == 1
        stored = (
            await connection.execute(select(REFERRALS.c.reference, REFERRALS.c.sequence))
        ).one()
    assert tuple(stored) == ("BEK-2026-0001", 1)


async def test_past_the_four_digits_a_reference_grows_as_format_reference_writes_it(
    referrals: Referrals,
) -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    async with referrals.engine.begin() as connection:
        await connection.execute(insert(COUNTERS).values(year=2026, last_sequence=9998))
    numbers = [(await referrals.file(referral(n), now=now)).reference for n in (1, 2)]
    assert numbers == [format_reference(2026, 9999), format_reference(2026, 10000)]
    assert numbers == ["BEK-2026-9999", "BEK-2026-10000"]
    async with referrals.engine.connect() as connection:
        stored = (await connection.execute(select(REFERRALS.c.reference))).scalars().all()
    assert sorted(stored) == sorted(numbers)


def test_an_anonymous_referral_cannot_carry_identity() -> None:
    with pytest.raises(ValueError, match="anonymous"):
        NewReferral(**{**referral(1).__dict__, "mode": "anonymous"})
