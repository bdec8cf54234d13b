"""A burst of concurrent sign-ups for the last seats: exactly the free seats are confirmed and
the rest waitlisted in arrival order. On PostgreSQL (real concurrent transactions, the event
row locked with SELECT … FOR UPDATE) and on SQLite (one writer at a time)."""

from __future__ import annotations

import asyncio

from domain.training.signups import Verdict
from storage.training import Participant, Training
from tests.training.catalogue import CATALOGUE, NOW, event_data

BURST = 18
CAPACITY = 5
ALREADY = 3


async def test_a_burst_for_the_last_seats(training: Training) -> None:
    theme_day = next(event for event in CATALOGUE if event.key == "A")
    event_id = (await training.create_event(event_data(theme_day, capacity=CAPACITY), now=NOW)).id
    for n in range(ALREADY):
        await training.sign_up(event_id, Participant(f"early-{n}", None, "da"), now=NOW)

    outcomes = await asyncio.gather(
        *(
            training.sign_up(event_id, Participant(f"burst-{n}", f"Navn {n}", "da"), now=NOW)
            for n in range(BURST)
        )
    )

    verdicts = [outcome.verdict for outcome in outcomes]
    assert verdicts.count(Verdict.CONFIRMED) == CAPACITY - ALREADY
    assert verdicts.count(Verdict.WAITLISTED) == BURST - (CAPACITY - ALREADY)
    positions = sorted(o.position for o in outcomes if o.verdict is Verdict.WAITLISTED)
    assert positions == list(range(1, BURST - (CAPACITY - ALREADY) + 1))

    lines = await training.participants(event_id)
    confirmed = [line for line in lines if line.status == "confirmed"]
    waiting = [line for line in lines if line.status == "waitlisted"]
    assert len(confirmed) == CAPACITY
    # Arrival order: whoever got the lock first got a seat; the waitlist keeps that order,
    # and each person was told the place they really have.
    told = {
        f"burst-{n}": outcome.position
        for n, outcome in enumerate(outcomes)
        if outcome.verdict is Verdict.WAITLISTED
    }
    assert [told[line.participant_id] for line in waiting] == [line.position for line in waiting]
    event = await training.get(event_id)
    assert event is not None
    assert (event.confirmed, event.waitlisted) == (CAPACITY, BURST - (CAPACITY - ALREADY))


async def test_a_burst_of_the_same_person_signs_them_up_once(training: Training) -> None:
    theme_day = next(event for event in CATALOGUE if event.key == "A")
    event_id = (await training.create_event(event_data(theme_day, capacity=3), now=NOW)).id
    me = Participant("aad-impatient", "Utålmodig", "da")

    outcomes = await asyncio.gather(*(training.sign_up(event_id, me, now=NOW) for _ in range(8)))

    verdicts = sorted(outcome.verdict.value for outcome in outcomes)
    assert verdicts == ["already_confirmed"] * 7 + ["confirmed"]
    event = await training.get(event_id)
    assert event is not None and event.confirmed == 1
