"""Case references are unique and gapless per year, also under concurrent submissions; every
filed referral has its delivery scheduled in the same transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import cipher_from
from storage.referrals import OUTBOX, REFERRALS, NewReferral, Referrals
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
    referrals: Referrals, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    original = Referrals._insert_referral

    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Referrals, "_insert_referral", broken)
    with pytest.raises(RuntimeError):
        await referrals.file(referral(1), now=now)
    monkeypatch.setattr(Referrals, "_insert_referral", original)
    assert (await referrals.file(referral(2), now=now)).reference == "BEK-2026-0001"
    async with referrals.engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(REFERRALS)) == 1
        assert await connection.scalar(select(func.count()).select_from(OUTBOX)) == 1


def test_an_anonymous_referral_cannot_carry_identity() -> None:
    with pytest.raises(ValueError, match="anonymous"):
        NewReferral(**{**referral(1).__dict__, "mode": "anonymous"})
