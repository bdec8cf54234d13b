"""A Teams (Bot Connector) outage while referrals are filed: the units' channel cards wait in
the outbox and are posted when Teams is back, each exactly once.

The endpoint serving the units' team first answers every call with 503 (with Retry-After),
then refuses connections altogether, then comes back; the endpoint serving the employees'
personal chats stays up, so they file and get their receipts throughout. Referrals are filed
before, during both phases of, and after the outage; the cards of the outage must arrive before
anyone files again (nothing wakes the outbox job: it finds its due retries by itself).
Compressed time: connector-level retries within 0.2 s (`SEND_MAX_BACKOFF_SECONDS`), outbox
retries after 0.5-2 s (`OUTBOX_RETRY_BASE_SECONDS`/`_MAX_SECONDS`). The minute-long outage at
production settings is the `connector_outage` bench scenario.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.fake_connector import Chaos, FakeConnector
from tests.reliability.harness import (
    WALK_TEXTS,
    Bots,
    Person,
    assert_referral_invariants,
    cards_by_reference,
    database,
    receipts_in,
    register_channels,
    rows,
    wait_until,
)

PHASE_SECONDS = 1.5  # 503 for this long, then refused connections for this long


@pytest.fixture
async def teams() -> AsyncIterator[FakeConnector]:
    """The Bot Connector endpoint of the units' team (channel posts go here)."""
    async with FakeConnector() as fake:
        yield fake


async def test_channel_cards_catch_up_after_a_connector_outage_each_exactly_once(
    database_url: str, bots: Bots, connector: FakeConnector, teams: FakeConnector
) -> None:
    bot = await bots.start(database_url)
    await register_channels(bot, teams)
    people = [Person(number, connector) for number in range(1, 9)]

    async def to_summary(person: Person) -> None:
        for text in WALK_TEXTS[:-1]:
            await person.say(bot, text)

    await asyncio.gather(*(to_summary(person) for person in people))
    receipts: list[str] = []

    async def file(*who: Person) -> None:
        for person in who:
            receipts.extend(receipts_in(await person.say(bot, WALK_TEXTS[-1])))

    await file(*people[0:2])
    await wait_until(lambda: len(cards_by_reference(teams)) == 2, 10, "cards before the outage")

    teams.chaos = Chaos(error_rate=1.0, error_status=503)  # every call: 503, Retry-After 1
    await file(*people[2:4])
    await asyncio.sleep(PHASE_SECONDS)
    port = int(teams.url.rsplit(":", 1)[1].strip("/"))
    await teams.stop()  # refused connections
    await file(*people[4:6])
    await asyncio.sleep(PHASE_SECONDS)
    # On a loaded machine the outbox may not have reached every outage card yet; keep Teams
    # down until each of the four has failed at least once, so each must be retried.
    async with database(database_url) as engine:
        deadline = asyncio.get_running_loop().time() + 20
        while await failed_undelivered(engine) < 4:
            assert asyncio.get_running_loop().time() < deadline, "outage cards never attempted"
            await asyncio.sleep(0.05)
    teams.chaos = None
    await teams.start(port)  # back
    assert len(receipts) == 6 and teams.statuses[503] > 0
    # Nothing else happens: the outbox catches up on its own (its poll follows the retry base).
    await wait_until(
        lambda: set(cards_by_reference(teams)) == set(receipts), 10, "the cards of the outage"
    )
    await file(*people[6:8])
    assert len(set(receipts)) == 8
    await wait_until(lambda: set(cards_by_reference(teams)) == set(receipts), 10, "every card")
    await asyncio.sleep(0.5)  # time for a second post to show, if one were coming
    assert cards_by_reference(teams) == dict.fromkeys(receipts, 1)
    async with database(database_url) as engine:
        assert sorted(await assert_referral_invariants(engine)) == sorted(receipts)
        deliveries = await rows(
            engine, "SELECT attempts, delivered_at FROM outbox WHERE kind = 'deliver_referral'"
        )
    assert all(row.delivered_at is not None for row in deliveries)
    assert sum(row.attempts > 0 for row in deliveries) >= 4  # those filed during the outage


async def failed_undelivered(engine: AsyncEngine) -> int:
    found = await rows(
        engine,
        "SELECT count(*) AS n FROM outbox WHERE kind = 'deliver_referral'"
        " AND attempts > 0 AND delivered_at IS NULL",
    )
    return int(found[0].n)
