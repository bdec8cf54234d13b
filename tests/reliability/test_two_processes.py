"""Two bot processes on one PostgreSQL database, end to end over HTTP, as two App Service
instances behind one bot registration: any instance serves any turn (each conversation's turns
alternate between them), both run the background workers, and still each referral's card is
posted to its channel exactly once and each subscriber gets an announcement exactly once.

(tests/storage/test_two_instances.py checks the claims at the storage level; this runs the
real processes.)
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bench.fake_connector import FakeConnector
from tests.reliability.harness import (
    TEXT,
    WALK_TEXTS,
    Bot,
    Bots,
    Person,
    announce,
    announcements,
    assert_referral_invariants,
    cards_by_reference,
    create_event,
    database,
    final_reports,
    receipts_in,
    register_channels,
    subscribe,
    visible,
    wait_until,
)
from tests.support.db import POSTGRES_URL, reset_postgres

pytestmark = pytest.mark.postgres

WALKERS = 6
SUBSCRIBERS = 100
TITLE = "Kursus i den svære samtale"


def sends_logged(bot: Bot) -> int:
    """Proactive sends this process made (its log, `proactive.sent`)."""
    count = 0
    for line in bot.process.log_path.read_text(errors="replace").splitlines():
        if '"proactive.sent"' in line:
            count += int(json.loads(line).get("count", 0))
    return count


async def test_two_processes_share_one_database_end_to_end(
    bots: Bots, connector: FakeConnector
) -> None:
    await reset_postgres()
    first, second = await asyncio.gather(bots.start(POSTGRES_URL), bots.start(POSTGRES_URL))
    instances = (first, second)
    await register_channels(first, connector)
    model = Person(100, connector)
    expected = [visible(reply) for text in WALK_TEXTS for reply in await model.say(second, text)]

    async def walk(person: Person) -> str:
        """Every message goes to the other instance than the one before."""
        for step, text in enumerate(WALK_TEXTS):
            [reply] = await person.say(instances[(person.number + step) % 2], text)
            if step < len(WALK_TEXTS) - 1:
                assert visible(reply) == expected[step], f"person {person.number}, step {step}"
        [receipt] = receipts_in([reply])
        return receipt

    walkers = [Person(number, connector) for number in range(1, WALKERS + 1)]
    receipts = await asyncio.gather(*(walk(person) for person in walkers))
    [earlier] = receipts_in(model.received())
    filed = [earlier, *receipts]
    await wait_until(lambda: set(cards_by_reference(connector)) == set(filed), 20, "all cards")

    # An announcement queued on one instance is sent by both.
    organiser = Person(0, connector)
    event_id = await create_event(first, organiser, TITLE)
    people = [Person(number, connector) for number in range(200, 200 + SUBSCRIBERS)]
    await subscribe(first, people[::2])
    await subscribe(second, people[1::2])
    late = Person(99, connector)  # files on the first instance as the announcement starts
    for text in WALK_TEXTS[:-1]:
        await late.say(first, text)
    before = [sends_logged(bot) for bot in instances]
    connector.answer_delay = 0.02
    await announce(second, organiser, event_id)
    await late.say(first, WALK_TEXTS[-1])  # a new outbox row wakes all of its workers at once
    await wait_until(lambda: final_reports(organiser, TITLE), 30, "the final count")

    assert [announcements(person) for person in people] == [1] * SUBSCRIBERS
    assert final_reports(organiser, TITLE) == [
        TEXT("da", "training.announce.finished", title=TITLE, sent=SUBSCRIBERS, blocked=0,
             failed=0)
    ]  # fmt: skip
    shares = [sends_logged(bot) - sent for bot, sent in zip(instances, before, strict=True)]
    assert min(shares) > 0, f"one instance sent everything: {shares}"
    print(f"announcement sends by instance: {shares}")

    filed += receipts_in(late.received())
    await wait_until(lambda: set(cards_by_reference(connector)) == set(filed), 20, "all cards")
    await asyncio.sleep(0.5)  # time for a second post to show, if one were coming
    assert cards_by_reference(connector) == dict.fromkeys(filed, 1)
    async with database(POSTGRES_URL) as engine:
        assert sorted(await assert_referral_invariants(engine)) == sorted(filed)
