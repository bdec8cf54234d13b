"""A claim whose commit went through while its answer was lost (a database failover in the
middle of it) must not leave its rows in `sending` until the lease, to be counted as failed
without ever having been sent: `TrainingDelivery.release_lost_claims` puts back exactly the
rows that claim took and its worker never saw, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import cipher_from
from storage.training import Training
from storage.training_delivery import TrainingDelivery
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY
from tests.training.catalogue import CATALOGUE, NOW, event_data


async def test_rows_of_a_lost_claim_go_back_untouched(engine: AsyncEngine) -> None:
    training = Training(engine, cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY))
    delivery = TrainingDelivery(engine)
    event = await training.create_event(event_data(CATALOGUE[0]), now=NOW)
    for number in range(6):
        await training.subscribe(f"aad-{number}", language="da", now=NOW)
    await delivery.announce(
        event.id, requested_by="aad-boss", report_conversation_id="a:boss", language="da", now=NOW
    )
    other_worker = await delivery.claim_deliveries(NOW, limit=1)  # another worker's claim
    lost = NOW + timedelta(microseconds=1)
    seen = await delivery.claim_deliveries(lost, limit=1)  # this worker saw this one …
    await delivery.claim_deliveries(lost, limit=2)  # … but not these two (answer lost)

    assert await delivery.release_lost_claims(claimed_at=lost, keep={d.id for d in seen}) == 2
    tally = await delivery.tally(seen[0].announcement_id)
    assert (tally.sending, tally.pending) == (2, 4)  # the other worker's and the seen one
    again = await delivery.claim_deliveries(lost + timedelta(seconds=1), limit=10)
    assert len(again) == 4 and all(d.attempts == 1 for d in again)  # the attempt not counted
    assert {d.id for d in other_worker + seen}.isdisjoint(d.id for d in again)
