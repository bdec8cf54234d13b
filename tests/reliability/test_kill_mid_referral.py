"""kill -9 half-way through a referral, twice: a new process on the same database continues
the dialog at the right step, the referral is filed once with one receipt, its card reaches the
unit's channel once, and no message is sent twice.

The first kill lands between two turns. The second lands inside a turn: the reply is already
at Teams (the connector holds its HTTP answer back) but the turn's HTTP request never got its
answer, so Teams delivers the same activity again, to the new process, which must not answer
it a second time (the activity id was claimed in the database before the turn ran).

The real bot runs as `python -m bot` (tests/reliability/harness.py); Teams is the fake
connector. One person walks the referral without interruption first: their transcript is what
every walk must show, step by step.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bench.fake_connector import FakeConnector
from tests.reliability.harness import (
    WALK_TEXTS,
    Bots,
    Person,
    assert_referral_invariants,
    cards_by_reference,
    database,
    receipts_in,
    register_channels,
    visible,
    wait_until,
)

BETWEEN = 6  # the first kill: after the 6th message's turn
INSIDE = 12  # the second kill: inside the turn of the 13th message


async def test_kill_9_during_a_referral_twice(
    database_url: str, bots: Bots, connector: FakeConnector
) -> None:
    first = await bots.start(database_url)
    await register_channels(first, connector)
    reference, victim = Person(1, connector), Person(2, connector)
    expected = [visible(reply) for text in WALK_TEXTS for reply in await reference.say(first, text)]
    assert len(expected) == len(WALK_TEXTS)

    for text in WALK_TEXTS[:BETWEEN]:
        await victim.say(first, text)
    await first.kill()

    second = await bots.start(database_url)
    for text in WALK_TEXTS[BETWEEN:INSIDE]:
        await victim.say(second, text)
    connector.answer_delay = 3.0  # Teams takes the reply but answers late
    turn = asyncio.create_task(second.post(victim.message(WALK_TEXTS[INSIDE])))
    await wait_until(lambda: len(victim.received()) == INSIDE + 1, 10, "the reply at Teams")
    await second.kill()
    connector.answer_delay = 0.0
    with pytest.raises(aiohttp.ClientError):
        await turn

    third = await bots.start(database_url)
    assert victim.last is not None
    assert await third.post(victim.last) == 201  # Teams' redelivery of the same activity
    await asyncio.sleep(0.3)
    assert len(victim.received()) == INSIDE + 1  # not answered twice
    for text in WALK_TEXTS[INSIDE + 1 :]:
        await victim.say(third, text)

    got = victim.received()
    # One reply per message, none twice, each the question of the right step.
    assert [visible(body) for body in got[:-1]] == expected[:-1]
    assert len(got) == len(WALK_TEXTS)
    [filed] = receipts_in(got[-1:])
    assert receipts_in(got) == [filed]
    [earlier] = receipts_in(reference.received())

    # The card reaches the unit's channel exactly once (the outbox of the new process).
    await wait_until(lambda: cards_by_reference(connector)[filed] == 1, 15, "the channel card")
    await asyncio.sleep(0.5)  # time for a second post to show, if one were coming
    assert cards_by_reference(connector) == {earlier: 1, filed: 1}
    async with database(database_url) as engine:
        assert sorted(await assert_referral_invariants(engine)) == sorted([earlier, filed])
