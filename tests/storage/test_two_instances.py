"""Two bot instances on one PostgreSQL database (each with its own engine and connection pool,
as two App Service instances have): the background queues never hand the same work to both."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import cipher_from
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.outbox import Outbox
from storage.training import Training
from storage.training_delivery import TrainingDelivery
from tests.support.db import POSTGRES_URL, TEST_KEYS, TEST_PSEUDONYM_KEY, reset_postgres
from tests.training.catalogue import CATALOGUE, NOW, event_data

CIPHER = cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def two_engines() -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    await reset_postgres()
    first, second = create_engine(POSTGRES_URL), create_engine(POSTGRES_URL)
    await upgrade(first)
    await upgrade(second)  # concurrent starts migrate under an advisory lock; twice is a no-op
    try:
        yield first, second
    finally:
        await first.dispose()
        await second.dispose()


async def test_the_referral_outbox_is_leased_to_one_instance_only(
    two_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    first, second = (Outbox(engine) for engine in two_engines)
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    for number in range(60):
        assert await first.add(kind="test_item", key=f"item-{number}", now=now)
    batches = await asyncio.gather(
        *(queue.claim_due(now, limit=7, kinds=["test_item"]) for queue in (first, second) * 6)
    )
    claimed = [item.id for batch in batches for item in batch]
    assert len(claimed) == len(set(claimed))
    rest = [
        item.id
        for queue in (first, second)
        for item in await queue.claim_due(now, limit=100, kinds=["test_item"])
    ]
    assert len(set(claimed) | set(rest)) == 60 and not set(claimed) & set(rest)


async def test_announcement_deliveries_go_to_one_instance_only(
    two_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    training = Training(two_engines[0], CIPHER)
    deliveries = [TrainingDelivery(engine) for engine in two_engines]
    theme_day = next(event for event in CATALOGUE if event.key == "A")
    event_id = (await training.create_event(event_data(theme_day), now=NOW)).id
    for number in range(50):
        await training.subscribe(f"aad-{number}", language="da", now=NOW)
    await deliveries[0].announce(
        event_id, requested_by="aad-boss", report_conversation_id="a:boss", language="da", now=NOW
    )
    batches = await asyncio.gather(
        *(delivery.claim_deliveries(NOW, limit=6) for delivery in deliveries * 5)
    )
    claimed = [d.subscriber_id for batch in batches for d in batch]
    assert len(claimed) == len(set(claimed))
    rest = [
        d.subscriber_id
        for delivery in deliveries
        for d in await delivery.claim_deliveries(NOW, limit=100)
    ]
    assert sorted(claimed + rest) == sorted(f"aad-{n}" for n in range(50))
