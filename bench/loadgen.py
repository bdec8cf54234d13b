"""Closed-loop load: N virtual users, each in its own personal conversation, each sending its
next message only when the bot's last reply to the previous one has reached the connector.

When is a turn over? A turn may produce one or more replies. Each scripted message says how
many replies it must produce (`Step.replies`, checked against the dialog's transcript tests),
and a turn is over when both
  1. the bot has answered the HTTP POST (our bot and the SDK send a turn's replies before they
     answer, so this alone would do for them; it also catches a failed turn's 5xx), and
  2. the connector has received that many replies for the user's conversation.
Latency is send -> arrival of the last expected reply at the connector (one clock: the
connector runs in this process). A reply count that is not reached within `REPLY_GRACE`
seconds of the HTTP answer, a surplus reply, an HTTP error or a reply that `is_error` flags
(e.g. the apology) counts as an error, and the user resynchronises and goes on.

Every loop is bounded in time (warm-up + window) and count (`max_turns`), and every wait has
a timeout.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench import procstat
from bench.activities import Activities
from bench.fake_connector import Call, FakeConnector

TURN_TIMEOUT = 30.0
REPLY_GRACE = 2.0


@dataclass(frozen=True, slots=True)
class Step:
    text: str
    replies: int = 1


@dataclass
class _Conversation:
    received: int = 0
    last_at: float = 0.0
    target: int = 0
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    flagged: int = 0
    answered_at: float = 0.0


class ReplyTracker:
    """Connector listener: counts replies per conversation and wakes the waiting user."""

    def __init__(self, is_error: Callable[[dict[str, Any]], bool]) -> None:
        self._conversations: dict[str, _Conversation] = {}
        self._is_error = is_error

    def conversation(self, conversation_id: str) -> _Conversation:
        return self._conversations.setdefault(conversation_id, _Conversation())

    def __call__(self, call: Call, arrived: float) -> None:
        body = call.body
        if call.method != "POST" or not body or "/activities" not in call.path:
            return
        conversation_id = (body.get("conversation") or {}).get("id") or call.conversation_id
        if conversation_id is None:
            return
        state = self.conversation(conversation_id)
        state.received += 1
        state.last_at = arrived
        if self._is_error(body):
            state.flagged += 1
        if state.received >= state.target:
            state.reached.set()


@dataclass
class LevelResult:
    users: int
    seconds: float
    turns: int
    errors: int
    latencies: list[float]
    bot_cpu_seconds: float
    driver_cpu_seconds: float
    peak_memory: int
    rss_end: int
    extra_cpu_seconds: float | None = None  # e.g. the PostgreSQL server's processes
    error_kinds: dict[str, int] = field(default_factory=dict)
    by_step: dict[int, list[float]] = field(default_factory=dict)  # script position -> latencies
    machine_cpu_seconds: float = 0.0  # every process on the machine, incl. bot and bench
    steal_seconds: float = 0.0

    @property
    def others_cpu_share(self) -> float:
        """Cores used by processes that are neither the bot, the bench nor its database:
        other people's work on a shared machine. Well above 0.1 makes the figures suspect."""
        if not self.seconds:
            return 0.0
        ours = self.bot_cpu_seconds + self.driver_cpu_seconds + (self.extra_cpu_seconds or 0.0)
        return max(0.0, self.machine_cpu_seconds - ours) / self.seconds

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_turn_ms(self) -> float:
        return 1000 * self.bot_cpu_seconds / self.turns if self.turns else float("nan")

    @property
    def extra_cpu_per_turn_ms(self) -> float | None:
        if self.extra_cpu_seconds is None or not self.turns:
            return None
        return 1000 * self.extra_cpu_seconds / self.turns

    @property
    def bot_cpu_share(self) -> float:
        """Bot CPU / wall time: 1.0 = one core busy."""
        return self.bot_cpu_seconds / self.seconds if self.seconds else 0.0

    @property
    def driver_cpu_share(self) -> float:
        return self.driver_cpu_seconds / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: float) -> float:
        return percentile_ms(self.latencies, q)


def percentile_ms(latencies: list[float], q: float) -> float:
    """Nearest-rank percentile of latencies in seconds, in milliseconds."""
    if not latencies:
        return float("nan")
    ordered = sorted(latencies)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return 1000 * ordered[rank]


@dataclass(frozen=True, slots=True)
class _Sample:
    bot: float  # CPU seconds of the process under test
    driver: float  # CPU seconds of this process (load generator + connector)
    extra: dict[int, float]  # CPU seconds of other processes (database server)
    wall: float
    machine: tuple[float, float]  # (busy, steal) CPU seconds of the whole machine


@dataclass
class Level:
    users: int
    warmup: float
    seconds: float
    max_turns: int


class LoadGenerator:
    def __init__(
        self,
        *,
        connector: FakeConnector,
        bot_url: str,
        bot_pid: int,
        script: Sequence[Step],
        run: str,
        is_error: Callable[[dict[str, Any]], bool] = lambda body: False,
        extra_pids: Callable[[], Awaitable[list[int]]] | None = None,
    ) -> None:
        self._connector = connector
        self._url = bot_url
        self._pid = bot_pid
        self._script = list(script)
        self._run = run
        self._tracker = ReplyTracker(is_error)
        self._extra_pids = extra_pids
        # Diagnostics: (start, latency, user, step, HTTP answer time) of every measured turn.
        self.trace: list[tuple[float, float, int, int, float]] | None = None

    async def run_level(self, level: Level) -> LevelResult:
        self._connector.listeners.append(self._tracker)
        try:
            return await self._run_level(level)
        finally:
            self._connector.listeners.remove(self._tracker)

    async def _run_level(self, level: Level) -> LevelResult:
        loop_start = time.perf_counter()
        window_start = loop_start + level.warmup
        window_end = window_start + level.seconds
        latencies: list[float] = []
        by_step: dict[int, list[float]] = {}
        errors: dict[str, int] = {}
        counter = {"started": 0, "in_window": 0}
        samples: dict[str, Any] = {}

        def error(kind: str, started: float) -> None:
            if window_start <= started < window_end:
                errors[kind] = errors.get(kind, 0) + 1

        async def sampler() -> None:
            await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
            extra = await self._extra_pids() if self._extra_pids else []
            procstat.reset_peak(self._pid)
            samples["start"] = self._sample(extra)
            await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
            if self._extra_pids:  # include server processes started during the window
                extra = sorted(set(extra) | set(await self._extra_pids()))
            samples["end"] = self._sample(extra)
            samples["memory"] = procstat.memory(self._pid)

        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def user(number: int) -> None:
                activities = Activities(
                    service_url=self._connector.url,
                    run=f"{self._run}-{level.users}",
                    user=number,
                )
                conversation = self._tracker.conversation(activities.conversation_id)
                # Spread the users' first messages over the first part of the warm-up, so
                # their steps do not stay in lockstep.
                await asyncio.sleep(min(level.warmup / 2, 0.5) * number / max(1, level.users))
                position = 0
                while time.perf_counter() < window_end and counter["started"] < level.max_turns:
                    counter["started"] += 1
                    index = position % len(self._script)
                    step = self._script[index]
                    position += 1
                    outcome = await self._turn(session, activities, conversation, step)
                    started, finished, problem = outcome
                    if problem:
                        error(problem, started)
                    elif window_start <= finished < window_end:
                        latencies.append(finished - started)
                        by_step.setdefault(index, []).append(finished - started)
                        if self.trace is not None:
                            self.trace.append(
                                (
                                    started,
                                    finished - started,
                                    number,
                                    index,
                                    conversation.answered_at,
                                )
                            )
                        counter["in_window"] += 1

            sampling = asyncio.create_task(sampler())
            await asyncio.gather(*(user(n) for n in range(level.users)))
            await sampling

        start, end = samples["start"], samples["end"]
        return LevelResult(
            users=level.users,
            seconds=end.wall - start.wall,
            turns=counter["in_window"],
            errors=sum(errors.values()),
            latencies=latencies,
            bot_cpu_seconds=end.bot - start.bot,
            driver_cpu_seconds=end.driver - start.driver,
            peak_memory=samples["memory"].peak_bytes,
            rss_end=samples["memory"].rss_bytes,
            extra_cpu_seconds=(
                procstat.cpu_used_between(start.extra, end.extra) if self._extra_pids else None
            ),
            error_kinds=errors,
            by_step=by_step,
            machine_cpu_seconds=end.machine[0] - start.machine[0],
            steal_seconds=end.machine[1] - start.machine[1],
        )

    def _sample(self, extra_pids: list[int]) -> _Sample:
        return _Sample(
            bot=procstat.cpu_seconds(self._pid),
            driver=time.process_time(),
            extra=procstat.cpu_by_pid(extra_pids),
            wall=time.perf_counter(),
            machine=procstat.machine_busy_seconds(),
        )

    async def _turn(
        self,
        session: aiohttp.ClientSession,
        activities: Activities,
        conversation: _Conversation,
        step: Step,
    ) -> tuple[float, float, str | None]:
        surplus = "surplus reply" if conversation.received > conversation.target else None
        conversation.target = conversation.received + step.replies
        conversation.reached.clear()
        flagged_before = conversation.flagged
        body = activities.message(step.text)
        started = time.perf_counter()
        try:
            async with session.post(
                self._url, data=body, headers={"Content-Type": "application/json"}
            ) as response:
                await response.read()
                status = response.status
            conversation.answered_at = time.perf_counter()
        except (aiohttp.ClientError, TimeoutError) as exc:
            conversation.target = conversation.received
            return started, time.perf_counter(), f"http {type(exc).__name__}"
        if status >= 300:
            conversation.target = conversation.received
            return started, time.perf_counter(), f"http {status}"
        if conversation.received < conversation.target:
            try:
                await asyncio.wait_for(conversation.reached.wait(), REPLY_GRACE)
            except TimeoutError:
                conversation.target = conversation.received
                return started, time.perf_counter(), "missing reply"
        if conversation.flagged != flagged_before:
            return started, conversation.last_at, "error reply"
        return started, conversation.last_at, surplus
