"""The announcement queue on both backends: one delivery per subscriber, claims that never
overlap, in-doubt sends counted as failed instead of sent again, and the organiser's reports
(progress now and then, the final count once)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from storage.training import Training
from storage.training_delivery import TrainingDelivery
from tests.training.catalogue import CATALOGUE, NOW, event_data


async def announced(training: Training, delivery: TrainingDelivery, subscribers: int) -> int:
    theme_day = next(event for event in CATALOGUE if event.key == "A")
    event_id = (await training.create_event(event_data(theme_day), now=NOW)).id
    for number in range(subscribers):
        await training.subscribe(f"aad-{number}", language="da", now=NOW)
    announcement, created = await delivery.announce(
        event_id, requested_by="aad-boss", report_conversation_id="a:boss", language="da", now=NOW
    )
    assert created and announcement.total == subscribers
    again, created_again = await delivery.announce(
        event_id, requested_by="aad-boss", report_conversation_id="a:boss", language="da", now=NOW
    )
    assert not created_again and again.id == announcement.id  # one at a time per event
    return announcement.id


async def test_concurrent_claims_never_take_the_same_delivery(
    training: Training, delivery: TrainingDelivery
) -> None:
    await announced(training, delivery, 40)

    batches = await asyncio.gather(*(delivery.claim_deliveries(NOW, limit=7) for _ in range(8)))

    claimed = [d.subscriber_id for batch in batches for d in batch]
    assert len(claimed) == len(set(claimed)) == 40
    assert await delivery.claim_deliveries(NOW, limit=7) == []


async def test_in_doubt_deliveries_are_failed_not_resent_and_reports_come_once(
    training: Training, delivery: TrainingDelivery
) -> None:
    announcement_id = await announced(training, delivery, 3)
    first, second, _third = await delivery.claim_deliveries(NOW, limit=10)
    await delivery.finish_delivery(first.id, "sent", now=NOW)
    await delivery.finish_delivery(second.id, "blocked", now=NOW)
    # `third` was being sent when its worker died.

    assert (
        await delivery.reports_due(NOW + timedelta(seconds=10), every=timedelta(seconds=30)) == []
    )
    [progress] = await delivery.reports_due(
        NOW + timedelta(seconds=31), every=timedelta(seconds=30)
    )
    assert not progress.final and progress.tally.done == 2 and progress.tally.sending == 1
    assert (
        await delivery.reports_due(NOW + timedelta(seconds=40), every=timedelta(seconds=30)) == []
    )

    assert (
        await delivery.recover_in_doubt(
            NOW + timedelta(minutes=5), older_than=timedelta(minutes=10)
        )
        == 0
    )
    assert (
        await delivery.recover_in_doubt(
            NOW + timedelta(minutes=11), older_than=timedelta(minutes=10)
        )
        == 1
    )
    assert await delivery.claim_deliveries(NOW + timedelta(minutes=12), limit=10) == []

    later = NOW + timedelta(minutes=12)
    [final] = await delivery.reports_due(later, every=timedelta(seconds=30))
    assert final.final
    assert (final.tally.sent, final.tally.blocked, final.tally.failed) == (1, 1, 1)
    assert await delivery.reports_due(later + timedelta(hours=1), every=timedelta(seconds=30)) == []
    done = await delivery.get_announcement(announcement_id)
    assert done is not None and done.finished_at is not None


async def test_cancelling_the_event_stops_its_announcement(
    training: Training, delivery: TrainingDelivery
) -> None:
    announcement_id = await announced(training, delivery, 4)
    [first] = await delivery.claim_deliveries(NOW, limit=1)
    await delivery.finish_delivery(first.id, "sent", now=NOW)
    announcement = await delivery.get_announcement(announcement_id)
    assert announcement is not None

    await training.cancel_event(announcement.event_id, now=NOW)

    tally = await delivery.tally(announcement_id)
    assert (tally.sent, tally.skipped, tally.pending) == (1, 3, 0)
    assert await delivery.claim_deliveries(NOW, limit=10) == []


async def test_a_retry_goes_back_to_the_queue_later(
    training: Training, delivery: TrainingDelivery
) -> None:
    await announced(training, delivery, 1)
    [claimed] = await delivery.claim_deliveries(NOW, limit=1)
    await delivery.retry_delivery(claimed.id, at=NOW + timedelta(seconds=30), now=NOW)

    assert await delivery.claim_deliveries(NOW + timedelta(seconds=10), limit=1) == []
    [again] = await delivery.claim_deliveries(NOW + timedelta(seconds=30), limit=1)
    assert again.attempts == 2
