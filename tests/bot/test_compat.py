"""Each botbuilder 4.17.1 fix in `bot.compat` has a test here that fails without the fix.
(Fix 1, invoke responses over HTTP, is proven in test_http.py's Action.Execute test.)"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import requests
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference
from msrest.pipeline.async_abc import AsyncHTTPPolicy

from bench.fake_connector import FakeConnector, Fault
from bot import compat
from bot.app import PROACTIVE
from bot.http import ADAPTER
from dialogs.i18n import default_catalogue
from dialogs.turn import Reply
from tests.bot.conftest import RunningBot, StartBot
from tests.support import activities as a

TEXT = default_catalogue().text


# --- 2. Action.Execute value as dict or object -------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"action": {"verb": "claim", "data": {"id": 7}}},
        SimpleNamespace(action={"verb": "claim", "data": {"id": 7}}),
        SimpleNamespace(action=SimpleNamespace(verb="claim", data={"id": 7})),
    ],
)
def test_card_action_reads_verb_and_data_from_any_shape(value: Any) -> None:
    assert compat.card_action(value) == ("claim", {"id": 7})


def test_card_action_of_garbage_is_empty() -> None:
    assert compat.card_action(None) == (None, {})
    assert compat.card_action({"action": {"verb": 3, "data": "x"}}) == (None, {})


# --- 3. channel posts need bot_app_id -------------------------------------------------------


async def test_send_to_channel_starts_a_thread_in_development_mode(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    adapter = running_bot.app[ADAPTER]
    reference = ConversationReference().deserialize(
        {
            "channelId": "msteams",
            "serviceUrl": connector.url,
            "bot": {"id": "28:bot"},
            "conversation": {"id": "19:general@thread.tacv2", "conversationType": "channel"},
        }
    )
    created: list[Any] = []

    async def logic(turn_context: TurnContext) -> None:
        created.append(
            await compat.send_to_channel(
                turn_context, Activity(type="message", text="ny sag"), "19:vink@thread.tacv2", ""
            )
        )

    await adapter.continue_conversation(reference, logic, None)
    [(new_reference, activity_id)] = created
    assert activity_id and new_reference.conversation.id
    [call] = [c for c in connector.calls if c.path == "/v3/conversations"]
    assert call.body["channelData"]["channel"]["id"] == "19:vink@thread.tacv2"


# --- 4. throttled and failing sends are retried ------------------------------------------


async def test_a_throttled_reply_is_retried_until_it_gets_through(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    connector.fail_next(Fault(429, retry_after="0"), Fault(503, retry_after="0"), Fault(502, "0"))
    await running_bot.post(a.message("hjælp", service_url=connector.url))
    [reply] = await connector.wait_for_sent(1)
    assert reply["attachments"]
    assert len(connector.calls) == 4


async def test_retries_are_bounded(start_bot: StartBot, connector: FakeConnector) -> None:
    bot = await start_bot(send_max_attempts=3)
    connector.fail_next(*[Fault(429, retry_after="0")] * 3)
    await bot.post(a.message("hjælp", service_url=connector.url))
    # The reply was given up after 3 attempts; the apology that followed got through.
    [apology] = await connector.wait_for_sent(1)
    assert apology["text"].startswith(TEXT("da", "errors.apology", correlation_id="")[:20])
    assert len(connector.calls) == 4


async def test_client_errors_are_not_retried(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    connector.fail_next(Fault(403), Fault(403))
    await running_bot.post(a.message("hjælp", service_url=connector.url))
    assert len(connector.calls) == 2  # the reply once, the apology once


def test_retry_after_is_honoured_and_capped() -> None:
    policy = compat.RetryPolicy(compat.RetrySettings(max_delay=10.0), jitter=lambda: 0.0)
    assert policy.delay(1, compat.retry_after_seconds("3")) == 3.0
    assert policy.delay(1, compat.retry_after_seconds("120")) == 10.0
    assert compat.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert compat.retry_after_seconds("soon") is None


def test_retry_after_gets_up_to_half_again_as_jitter() -> None:
    top = compat.RetryPolicy(compat.RetrySettings(max_delay=10.0), jitter=lambda: 0.999)
    assert 1.49 < top.delay(1, 1.0) < 1.5
    assert top.delay(1, 8.0) == 10.0  # the cap still holds


def test_backoff_has_jitter() -> None:
    policy = compat.RetryPolicy(compat.RetrySettings(), jitter=lambda: 0.25)
    assert policy.delay(2, None) == 0.25
    assert compat.RetryPolicy(compat.RetrySettings(), jitter=lambda: 1.0).delay(3, None) == 2.0


class VirtualTime:
    """A fake clock for concurrent senders: `sleep` parks the caller until the clock reaches
    its wake-up time, and `run` advances the clock from one wake-up to the next."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), woken))
        await woken

    async def run(self, *work: Awaitable[Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(job) for job in work]
        while not all(task.done() for task in tasks):
            for _ in range(20):  # let every task run until it sleeps or ends
                await asyncio.sleep(0)
            if self._sleepers:
                when, _, woken = heapq.heappop(self._sleepers)
                self.now = max(self.now, when)
                woken.set_result(None)
        return [task.result() for task in tasks]


class ScriptedServer(AsyncHTTPPolicy):
    """The end of the pipeline: answers each attempt with `answer(attempt number, now)`
    (status, Retry-After) and records when each attempt arrived."""

    def __init__(self, time: VirtualTime, answer: Callable[[int, float], tuple[int, str | None]]):
        super().__init__()
        self._time = time
        self._answer = answer
        self.arrivals: dict[int, list[float]] = {}

    async def send(self, request: Any, **kwargs: Any) -> Any:
        times = self.arrivals.setdefault(id(request), [])
        times.append(self._time.now)
        status, retry_after = self._answer(len(times), self._time.now)
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return SimpleNamespace(http_response=SimpleNamespace(status_code=status, headers=headers))


def policy_over(
    server: ScriptedServer, time: VirtualTime, settings: compat.RetrySettings, jitter: Any
) -> compat.RetryPolicy:
    policy = compat.RetryPolicy(settings, sleep=time.sleep, jitter=jitter, clock=time.clock)
    policy.next = server
    return policy


async def test_sends_throttled_together_do_not_retry_in_lockstep() -> None:
    # Sixteen replies throttled at the same instant with `Retry-After: 1`: each must honour
    # the second, but they must come back spread out, not all at t = 1.0 to collide again.
    time = VirtualTime()
    server = ScriptedServer(time, lambda attempt, now: (429, "1") if attempt == 1 else (200, None))
    policy = policy_over(server, time, compat.RetrySettings(), random.Random(11).random)

    answers = await time.run(*(policy.send(object()) for _ in range(16)))

    assert [answer.http_response.status_code for answer in answers] == [200] * 16
    retried_at = sorted(times[1] for times in server.arrivals.values())
    assert retried_at[0] >= 1.0  # Retry-After honoured
    assert retried_at[-1] <= 1.5
    assert retried_at[-1] - retried_at[0] >= 0.3  # spread over the jitter's range …
    assert len(set(retried_at)) == 16  # … and no two at the same instant
    # In lockstep all sixteen would land in one instant; spread, at most half in any 0.1 s.
    assert max(sum(1 for t in retried_at if s <= t < s + 0.1) for s in retried_at) <= 8


async def test_a_throttled_send_is_retried_until_the_time_budget_not_a_small_count() -> None:
    time = VirtualTime()
    server = ScriptedServer(time, lambda attempt, now: (429, "1"))
    settings = compat.RetrySettings(max_attempts=50, budget=10.0)
    policy = policy_over(server, time, settings, lambda: 0.999)  # waits of ~1.5 s

    [answer] = await time.run(policy.send(object()))

    assert answer.http_response.status_code == 429  # given up: the caller sees Teams' answer
    [attempts] = server.arrivals.values()
    # Retries at ~1.5, 3, 4.5, 6, 7.5, 9 s; one more would start after 10 s.
    assert len(attempts) == 7
    assert attempts[-1] <= 10.0
    assert time.now == attempts[-1]  # no wait after the last attempt


async def test_a_throttled_send_that_gets_through_late_within_the_budget_succeeds() -> None:
    # Throttled six times in a row (more than the old five attempts), through on the seventh.
    time = VirtualTime()
    server = ScriptedServer(time, lambda attempt, now: (429, "1") if attempt <= 6 else (200, None))
    policy = policy_over(server, time, compat.RetrySettings(), random.Random(3).random)

    [answer] = await time.run(policy.send(object()))

    assert answer.http_response.status_code == 200
    assert len(next(iter(server.arrivals.values()))) == 7
    assert time.now < 10.0


async def test_retry_after_beyond_the_budget_is_not_waited_for() -> None:
    time = VirtualTime()
    server = ScriptedServer(time, lambda attempt, now: (429, "30"))
    policy = policy_over(server, time, compat.RetrySettings(budget=10.0), lambda: 0.0)

    [answer] = await time.run(policy.send(object()))

    assert answer.http_response.status_code == 429
    assert len(next(iter(server.arrivals.values()))) == 1
    assert time.now == 0.0


async def test_attempts_have_a_hard_ceiling_however_short_the_waits() -> None:
    time = VirtualTime()
    server = ScriptedServer(time, lambda attempt, now: (503, "0"))
    policy = policy_over(server, time, compat.RetrySettings(max_attempts=4), lambda: 0.5)

    [answer] = await time.run(policy.send(object()))

    assert answer.http_response.status_code == 503
    assert len(next(iter(server.arrivals.values()))) == 4
    assert time.now == 0.0


async def test_refused_connections_are_bounded_by_the_budget_too() -> None:
    time = VirtualTime()
    attempts: list[float] = []

    class Refusing(AsyncHTTPPolicy):
        async def send(self, request: Any, **kwargs: Any) -> Any:
            attempts.append(time.now)
            raise aiohttp.ClientConnectorError(
                SimpleNamespace(ssl=None, host="127.0.0.1", port=1), OSError(111, "refused")
            )

    settings = compat.RetrySettings(max_attempts=50, budget=3.0, base_delay=1.0)
    policy = compat.RetryPolicy(settings, sleep=time.sleep, jitter=lambda: 1.0, clock=time.clock)
    policy.next = Refusing()

    with pytest.raises(aiohttp.ClientConnectorError):
        await time.run(policy.send(object()))
    assert attempts == [0.0, 1.0, 3.0]  # the next wait (4 s) would end past the budget


class AppLimit:
    """Teams' app-wide limit as the fake connector enforces it: at most `limit` accepted calls
    in any second; over it, 429 with `Retry-After` rounded up to whole seconds."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.accepted: list[float] = []
        self.throttled = 0

    def __call__(self, attempt: int, now: float) -> tuple[int, str | None]:
        inside = [t for t in self.accepted if t > now - 1.0]
        if len(inside) >= self.limit:
            self.throttled += 1
            wait = inside[-self.limit] + 1.0 - now
            return 429, str(max(1, round(wait + 0.5)))
        self.accepted.append(now)
        return 200, None


async def closed_loop(
    settings: compat.RetrySettings, time: VirtualTime, users: int, sends: int
) -> tuple[AppLimit, list[float], int]:
    """`users` senders, each sending its next message as soon as the last one is through (the
    bench's teams_limits load), against an app limit of 10 a second."""
    limit = AppLimit(10)
    server = ScriptedServer(time, lambda attempt, now: limit(attempt, now))
    policy = policy_over(server, time, settings, random.Random(5).random)
    latencies: list[float] = []
    lost = 0

    async def user() -> None:
        nonlocal lost
        for _ in range(sends):
            started = time.now
            answer = await policy.send(object())
            if answer.http_response.status_code != 200:
                lost += 1
            latencies.append(time.now - started)

    await time.run(*(user() for _ in range(users)))
    return limit, latencies, lost


async def test_once_throttled_every_send_queues_for_the_app_wide_pace() -> None:
    # Eight senders against a limit of 10 a second, 40 sends each: without a pacer a throttled
    # send keeps losing the race to fresh ones (seen in the bench: 9 attempts over 9.7 s, then
    # the turn failed). With one, a 429 switches pacing on and everyone queues in turn.
    unpaced = VirtualTime()
    _, _, lost_unpaced = await closed_loop(compat.RetrySettings(), unpaced, users=8, sends=40)
    assert lost_unpaced > 0  # the problem, as it was

    time = VirtualTime()
    pacer = compat.SendPacer(10.0, clock=time.clock, sleep=time.sleep)
    limit, latencies, lost = await closed_loop(
        compat.RetrySettings(pacer=pacer), time, users=8, sends=40
    )

    assert lost == 0
    assert len(limit.accepted) == 320
    assert limit.throttled <= 8  # the first wave, before pacing was on
    assert max(latencies) < 5.0  # first wave: Retry-After, then the queue (~0.8 s)
    assert time.now < 40.0  # the limit is used: 320 sends at 10 a second take 32 s


async def test_the_pacer_stays_out_of_the_way_until_teams_throttles() -> None:
    time = VirtualTime()
    pacer = compat.SendPacer(10.0, clock=time.clock, sleep=time.sleep, hold=60.0)
    for _ in range(50):
        await pacer.acquire()
    assert time.now == 0.0 and not pacer.pacing

    pacer.throttled()
    moments = []
    for _ in range(11):
        await time.run(pacer.acquire())
        moments.append(time.now)
    assert moments[-1] == pytest.approx(1.0)  # 10 a second, burst 1

    time.now += 61.0  # a minute without a 429: unpaced again
    assert not pacer.pacing


async def test_a_sender_that_paces_itself_paces_its_retries_and_skips_the_app_wide_pacer() -> None:
    """The announcement fan-out takes its own pacer's slot before a send (bot/pacing.py). Its
    retries must wait for that pacer too (unpaced, they pushed the fan-out over the tenant
    limit), and the app-wide `SendPacer` must stay out (a second pace cost a tenth of the
    rate)."""
    time = VirtualTime()
    app_wide = compat.SendPacer(10.0, clock=time.clock, sleep=time.sleep)
    app_wide.throttled()  # on: every other send now queues there
    server = ScriptedServer(time, lambda attempt, now: (503, "0") if attempt <= 2 else (200, None))
    settings = compat.RetrySettings(pacer=app_wide)
    policy = policy_over(server, time, settings, lambda: 0.0)
    own_slots: list[float] = []

    async def own_pace() -> None:
        own_slots.append(time.now)

    async def paced_send() -> Any:
        compat.PACED_BY.set(own_pace)  # this task's context only
        return await policy.send(object())

    [answer] = await time.run(paced_send())

    assert answer.http_response.status_code == 200
    assert len(own_slots) == 2  # the two retries; the first attempt had its slot already
    assert app_wide.bucket.wait_time() == 0.0  # no token of the app-wide pacer was taken
    assert compat.PACED_BY.get() is None  # and nothing leaked out of the sender's task


# --- 5. CPU: the msrest retry-policy scan, per-turn clients, the requests thread pool -------


def test_msrest_retry_policy_no_longer_scans_its_status_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from msrest.universal_http.requests import ClientRetryPolicy

    compat.patch_msrest_retry_policy()

    class CountingList(list):
        lookups = 0

        def __contains__(self, item: object) -> bool:
            CountingList.lookups += 1
            return super().__contains__(item)

    monkeypatch.setattr(ClientRetryPolicy, "safe_codes", CountingList(ClientRetryPolicy.safe_codes))
    policy = ClientRetryPolicy()
    assert CountingList.lookups == 0
    original = [code for code in range(999) if code not in ClientRetryPolicy.safe_codes]
    assert policy.policy.status_forcelist == original


async def test_one_connector_client_serves_every_turn_and_requests_is_not_used(
    running_bot: RunningBot, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_requests(*_: Any, **__: Any) -> None:
        raise AssertionError("outbound calls must go through the shared aiohttp session")

    monkeypatch.setattr(requests.Session, "send", no_requests)
    for said in ("hjælp", "annuller", "help"):
        await running_bot.post(a.message(said, service_url=connector.url))
    await connector.wait_for_sent(3)
    authentication = running_bot.app[ADAPTER].bot_framework_authentication
    clients = list(authentication._clients.values())
    assert len(clients) == 1


# --- proactive sends use the same path -----------------------------------------------------


async def test_proactive_message_reaches_a_stored_conversation(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    await running_bot.post(a.bot_added(service_url=connector.url))
    await connector.wait_for_sent(1)
    await running_bot.app[PROACTIVE].send(a.personal()["id"], [Reply(text="Din sag er modtaget")])
    sent = await connector.wait_for_sent(2)
    assert sent[-1]["text"] == "Din sag er modtaget"


class _NoDeepCopy(dict):  # type: ignore[type-arg]
    """A card body that refuses to be deep-copied, as a large card would cost to be."""

    def __deepcopy__(self, memo: Any) -> Any:
        raise AssertionError("an outgoing card was deep-copied")


async def test_outgoing_activities_are_copied_shallowly_and_the_callers_object_is_kept() -> None:
    compat.patch_turn_context_copy()
    sent: list[Activity] = []

    class Adapter:
        async def send_activities(self, context: Any, activities: list[Activity]) -> list[Any]:
            sent.extend(activities)
            return [None for _ in activities]

    incoming = Activity().deserialize(a.message("hej", service_url="http://127.0.0.1:9/"))
    context = TurnContext(Adapter(), incoming)  # type: ignore[arg-type]
    card = _NoDeepCopy(type="AdaptiveCard", version="1.5", body=[])
    reply = Activity(type="message", attachments=[{"contentType": "x", "content": card}])

    await context.send_activities([reply])

    [out] = sent
    assert out is not reply  # copied ...
    assert out.attachments[0]["content"] is card  # ... shallowly
    assert out.conversation.id == incoming.conversation.id and out.reply_to_id == incoming.id
    assert reply.conversation is None and reply.reply_to_id is None  # the caller's is untouched
