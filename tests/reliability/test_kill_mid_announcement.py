"""kill -9 in the middle of an announcement to 120 subscribers: a new process on the
same database completes it, nobody gets it twice, and only the sends that were in flight at
the kill can be missing.

The guarantee is at most once (docs/training.md, "Delivery guarantees"): a delivery is claimed
(`sending`, committed) before it goes to Teams and recorded right after. A crash in between
leaves the row in `sending`; Teams has no idempotency key for a new message, so nobody can tell
whether it arrived, and after its lease (10 minutes) the row is counted as failed, never sent
again. The window is the sends in flight: at most `TrainingSender`'s concurrency (16). This test
measures it: the connector is slowed (each answer comes 0.1 s after Teams has the message), so
the kill lands with sends in flight, some of which Teams already has.

Compressed time: the lease of the dead process's rows is made to have run out by moving their
`updated_at` back eleven minutes before the new process starts, as if it had started ten
minutes later (the lease is not configurable).
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bench.fake_connector import FakeConnector
from bot.training_delivery import TrainingSender
from storage.training import DELIVERIES, utc
from tests.reliability.harness import (
    TEXT,
    Bots,
    Person,
    announce,
    announcements,
    create_event,
    database,
    final_reports,
    rows,
    subscribe,
    wait_until,
)

SUBSCRIBERS = 120
# TrainingSender's concurrency (16): the most sends that can be in flight at once.
IN_FLIGHT = inspect.signature(TrainingSender).parameters["concurrency"].default
TITLE = "Temadag om polarisering"


async def test_kill_9_mid_announcement_sends_nobody_anything_twice(
    database_url: str, bots: Bots, connector: FakeConnector
) -> None:
    first = await bots.start(database_url)
    organiser = Person(0, connector)
    people = [Person(number, connector) for number in range(1, SUBSCRIBERS + 1)]
    event_id = await create_event(first, organiser, TITLE)
    await subscribe(first, people)

    connector.answer_delay = 0.1
    started = await announce(first, organiser, event_id)
    assert started == TEXT("da", "training.announce.started", title=TITLE, count=SUBSCRIBERS)
    await wait_until(
        lambda: sum(map(announcements, people)) >= SUBSCRIBERS // 4, 30, "a quarter sent"
    )
    await first.kill()

    async with database(database_url) as engine:
        in_doubt = {
            row.subscriber_id
            for row in await rows(
                engine,
                "SELECT subscriber_id FROM announcement_deliveries WHERE status = 'sending'",
            )
        }
        async with engine.begin() as connection:
            await connection.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.status == "sending")
                .values(updated_at=utc(datetime.now(UTC) - timedelta(minutes=11)))
            )
    # Sends in flight at the kill whose message Teams already had: counted failed, not sent.
    arrived_in_doubt = sum(1 for p in people if p.aad in in_doubt and announcements(p))
    print(f"in doubt at the kill: {len(in_doubt)}; of those, Teams had {arrived_in_doubt}")

    connector.answer_delay = 0.0
    await bots.start(database_url)
    await wait_until(lambda: final_reports(organiser, TITLE), 30, "the final count")

    got = {person.aad: announcements(person) for person in people}
    assert max(got.values()) == 1, "somebody got the announcement twice"
    missing = {aad for aad, count in got.items() if count == 0}
    assert missing <= in_doubt, "a subscriber whose send was never in flight got nothing"
    assert len(in_doubt) <= IN_FLIGHT, f"{len(in_doubt)} rows in doubt after one crash"
    assert final_reports(organiser, TITLE) == [
        TEXT("da", "training.announce.finished", title=TITLE,
             sent=SUBSCRIBERS - len(in_doubt), blocked=0, failed=len(in_doubt))
    ]  # fmt: skip
    async with database(database_url) as engine:
        statuses = {
            row.subscriber_id: row.status
            for row in await rows(
                engine, "SELECT subscriber_id, status FROM announcement_deliveries"
            )
        }
    assert {aad for aad, status in statuses.items() if status != "sent"} == in_doubt
    assert {statuses[aad] for aad in in_doubt} <= {"failed"}
