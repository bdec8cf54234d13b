"""PostgreSQL restarted under load (`pg_ctl stop -m fast`, a few seconds down, started again),
with the bot process running on it throughout:

- while it is down, every message still gets a polite answer in the person's language (the
  catalogue's apology with an error code, or "the referral could not be saved, your draft is
  kept"), never a stack trace or a 5xx, and /healthz says 503;
- afterwards turns succeed again without restarting the bot, and every dialog continues at
  the step it was at;
- nothing is lost or half-written: every receipt a person got names a stored referral, every
  sign-up confirmation a stored sign-up, and the rows satisfy what the schema implies (each
  referral with its history and outbox row, gapless references, sign-up numbering, seats);
- each referral's card reaches its unit's channel exactly once, and an announcement sent
  across the restart reaches each subscriber exactly once and is counted right (no outcome is
  lost to the outage: bot.workers.persist).

The cluster is the test's own (tests/reliability/harness.py: PrivatePostgres), never the shared
server. PostgreSQL only: SQLite has no server to lose.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from bench.fake_connector import FakeConnector
from tests.reliability.harness import (
    TEXT,
    WALK_TEXTS,
    Bot,
    Bots,
    Person,
    PrivatePostgres,
    announce,
    announcements,
    assert_referral_invariants,
    cards_by_reference,
    create_event,
    database,
    final_reports,
    private_postgres,
    receipts_in,
    register_channels,
    rows,
    says,
    signup_invariants,
    subscribe,
    visible,
    wait_until,
)

pytestmark = pytest.mark.postgres

WALKERS = 5  # people filing referrals, over and over
SIGNERS = 12  # people signing up for one event, one after another
SEATS = 8
SUBSCRIBERS = 24  # an announcement paced at 8 a second: it runs across the outage
DOWN_SECONDS = 2.0
TITLE = "Temadag om konspirationsteorier"


@pytest.fixture
def cluster() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


class Load:
    """People using the bot while the database comes and goes. A person who gets an apology
    waits a moment and says it again, as people do."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.outcomes: Counter[str] = Counter()
        self.impolite: list[str] = []
        self.ok_after_restart = 0
        self.restarted = False

    async def turn(self, person: Person, activity: dict[str, Any]) -> dict[str, Any]:
        """One message, repeated until it gets a real answer; returns that answer."""
        for _ in range(200):
            before = len(person.received())
            status = await self.bot.post(activity)
            if status >= 300:
                self.impolite.append(f"HTTP {status}")
                await asyncio.sleep(0.2)
                continue  # Teams redelivers the same activity
            await wait_until(
                lambda before=before: len(person.received()) > before,
                10,
                f"an answer to {person.number}",
            )
            await asyncio.sleep(0.02)  # a second reply to one message would show here
            replies = person.received()[before:]
            if len(replies) != 1:
                self.impolite.append(f"{len(replies)} replies to one message")
            shown = visible(replies[-1])
            language = person.locale[:2]
            if says("errors.apology", language, shown):
                self.outcomes["apology"] += 1
            elif says("referral.submit_failed", language, shown):
                self.outcomes["submit_failed"] += 1
            else:
                self.outcomes["answered"] += 1
                self.ok_after_restart += self.restarted
                return replies[-1]
            if "Traceback" in shown or "Error:" in shown or "Exception" in shown:
                self.impolite.append(shown)
            await asyncio.sleep(0.15)
            activity = (
                person.message(activity["text"]) if activity.get("text") else person.submit(
                    activity["value"])
            )  # fmt: skip
        raise AssertionError(f"person {person.number} never got an answer")


async def test_postgres_restarted_under_load(
    cluster: PrivatePostgres, bots: Bots, connector: FakeConnector
) -> None:
    bot = await bots.start(cluster.url, ANNOUNCE_RATE_PER_SECOND="8")
    await register_channels(bot, connector)
    organiser = Person(0, connector)
    event_id = await create_event(bot, organiser, TITLE, capacity=SEATS)
    subscribers = [Person(number, connector) for number in range(300, 300 + SUBSCRIBERS)]
    await subscribe(bot, subscribers)
    model = Person(100, connector)
    expected = [visible(reply) for text in WALK_TEXTS for reply in await model.say(bot, text)]

    load = Load(bot)
    done = asyncio.Event()
    receipts: list[str] = []
    answers: dict[str, str] = {}

    async def walker(number: int) -> None:
        person = Person(number, connector)
        while not done.is_set():
            for step, text in enumerate(WALK_TEXTS):
                reply = await load.turn(person, person.message(text))
                if step < len(WALK_TEXTS) - 1:
                    assert visible(reply) == expected[step], f"person {number}, step {step}"
                else:
                    receipts.extend(receipts_in([reply]))

    async def signer(number: int) -> None:
        person = Person(number, connector, locale="en-US")
        await asyncio.sleep(0.35 * (number - 200))
        reply = await load.turn(person, person.submit({"training": "signup", "event": event_id}))
        answers[person.aad] = visible(reply)

    people = [walker(n) for n in range(1, WALKERS + 1)]
    people += [signer(n) for n in range(200, 200 + SIGNERS)]
    running = asyncio.gather(*people)
    await announce(bot, organiser, event_id)

    await asyncio.sleep(0.8)
    await asyncio.to_thread(cluster.stop, "fast")
    health_while_down = []
    down_until = time.monotonic() + DOWN_SECONDS
    while time.monotonic() < down_until:
        health_while_down.append(await bot.healthz())
        await asyncio.sleep(0.3)
    await asyncio.to_thread(cluster.start)
    load.restarted = True
    await asyncio.sleep(1.5)  # the load goes on; the same bot process, never restarted
    done.set()
    await asyncio.wait_for(running, 60)  # everyone finishes: turns succeed again

    print(f"outcomes: {dict(load.outcomes)}; /healthz while down: {Counter(health_while_down)}")
    assert load.impolite == []
    assert load.outcomes["apology"] + load.outcomes["submit_failed"] > 0, "nobody felt it"
    assert load.ok_after_restart > WALKERS
    assert set(health_while_down) == {503}
    assert await bot.healthz() == 200
    assert bot.alive()

    async with database(cluster.url) as engine:
        stored = await assert_referral_invariants(engine)
        statuses = await signup_invariants(engine, event_id)
    # Every receipt names a stored referral. A referral may exist without a receipt only when
    # the turn that filed it failed after the commit (then its draft is kept and sending again
    # files it again; see the report in docs/performance.md, "Reliability").
    assert set(receipts) <= set(stored)
    assert len(receipts) == len(set(receipts))
    assert len(stored) - len(receipts) <= load.outcomes["apology"]
    # Every sign-up answer matches what is stored.
    assert len(answers) == SIGNERS
    for aad, shown in answers.items():
        if says("training.signup.confirmed", "en", shown.split("\n")[0], title=TITLE) or says(
            "training.signup.already_confirmed", "en", shown.split("\n")[0], title=TITLE
        ):
            assert statuses.get(aad) == "confirmed", (aad, shown)
        else:
            assert statuses.get(aad) == "waitlisted", (aad, shown)
    assert sum(status == "confirmed" for status in statuses.values()) == SEATS

    # The announcement: everyone once, and the count is right.
    try:
        await wait_until(lambda: final_reports(organiser, TITLE), 20, "the announcement's count")
    except AssertionError:
        async with database(cluster.url) as engine:
            unsent = "SELECT * FROM announcement_deliveries WHERE status <> 'sent'"
            print(await rows(engine, unsent))
        raise
    assert [announcements(person) for person in subscribers] == [1] * SUBSCRIBERS
    assert final_reports(organiser, TITLE) == [
        TEXT("da", "training.announce.finished", title=TITLE, sent=SUBSCRIBERS, blocked=0,
             failed=0)
    ]  # fmt: skip

    # The outbox caught up: one card per stored referral, none twice.
    await wait_until(
        lambda: set(cards_by_reference(connector)) >= set(stored), 30, "every channel card"
    )
    await asyncio.sleep(1.0)
    assert cards_by_reference(connector) == dict.fromkeys(stored, 1)
