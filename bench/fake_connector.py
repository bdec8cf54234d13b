"""A fake Bot Framework connector on loopback: records what the bot sends and can answer
with scripted faults (429 with Retry-After, 5xx, slow responses).

Shared by the tests (`tests/bot/`) and the benchmarks. It speaks the subset of the Connector
REST API (v3) the bot uses; its contract tests run the same client calls against it and
against the Agents Playground's connector.

For load (the benchmarks) it can also: enforce Teams' rate limits (`rate_limits`, answering 429
with `Retry-After` as Teams does), inject random 5xx and slow answers (`chaos`), tell listeners
about every accepted send with its arrival time (`listeners`), and stop keeping the call log
(`keep_calls=False`), which would otherwise grow by a parsed body per send.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True, slots=True)
class Fault:
    status: int
    retry_after: str | None = None
    delay: float = 0.0


@dataclass(slots=True)
class Call:
    method: str
    path: str
    conversation_id: str | None
    body: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` sends per `seconds`."""

    limit: int
    seconds: float


# Microsoft Teams' limits per bot and conversation, and the app-wide limit per tenant that the
# platform documentation asks bots to design for (30 requests per second).
TEAMS_PER_CONVERSATION = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
TEAMS_PER_APP = (Window(30, 1.0),)


@dataclass
class RateLimits:
    """Sliding-window limits, as Teams enforces them: a send over any window is answered with
    429, `{"error": {"code": "Throttled"}}` and `Retry-After` (seconds until the oldest send in
    the full window leaves it). Throttled sends do not count."""

    per_conversation: tuple[Window, ...] = TEAMS_PER_CONVERSATION
    per_app: tuple[Window, ...] = TEAMS_PER_APP
    clock: Callable[[], float] = time.monotonic
    _sent: dict[str | None, deque[float]] = field(default_factory=dict)
    _app: deque[float] = field(default_factory=deque)

    def retry_after(self, conversation_id: str | None) -> float | None:
        """None if a send may go through now (and counts it), else the seconds to wait."""
        now = self.clock()
        history = self._sent.setdefault(conversation_id, deque())
        wait = max(_over(history, self.per_conversation, now), _over(self._app, self.per_app, now))
        if wait > 0:
            return wait
        history.append(now)
        self._app.append(now)
        return None


def _over(history: deque[float], windows: tuple[Window, ...], now: float) -> float:
    longest = max((window.seconds for window in windows), default=0.0)
    while history and history[0] <= now - longest:
        history.popleft()
    wait = 0.0
    for window in windows:
        inside = [t for t in history if t > now - window.seconds]
        if len(inside) >= window.limit:
            wait = max(wait, inside[-window.limit] + window.seconds - now)
    return wait


@dataclass
class Chaos:
    """Random faults for load tests: a share of sends answered 5xx, a share answered 429
    (`throttle_rate`: throttled whatever our own rate, as when another instance or app used
    the tenant's quota), a share answered slowly. Both faults come with `Retry-After: 1`.
    Seeded, so a run can be repeated; `injected` counts the faults drawn."""

    error_rate: float = 0.0
    error_status: int = 503
    slow_rate: float = 0.0
    slow_seconds: float = 0.5
    seed: int = 7
    throttle_rate: float = 0.0
    injected: Counter[int] = field(default_factory=Counter)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def draw(self) -> tuple[int | None, float]:
        """(fault status or None, delay in seconds) for the next send."""
        roll = self._random.random()  # one draw for both faults: without 429s, as it was
        status = None
        if roll < self.error_rate:
            status = self.error_status
        elif roll < self.error_rate + self.throttle_rate:
            status = 429
        if status is not None:
            self.injected[status] += 1
        delay = self.slow_seconds if self._random.random() < self.slow_rate else 0.0
        return status, delay


# A listener gets each accepted call and its arrival time (`time.perf_counter()`).
Listener = Callable[[Call, float], None]


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition | None = None
    url: str = ""
    keep_calls: bool = True
    rate_limits: RateLimits | None = None
    chaos: Chaos | None = None
    listeners: list[Listener] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    # Team rosters for `GET /v3/conversations/{team id}/pagedmembers`, served in pages of
    # `roster_page_size` (Teams' paging, continuation tokens included). Unknown teams: empty.
    rosters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    roster_page_size: int = 2
    # Conversations whose sends Teams refuses with 403 and this error code, e.g.
    # "ConversationBlockedByUser" (the user blocked the bot) or "BotNotInConversationRoster".
    refused: dict[str, str] = field(default_factory=dict)
    # Seconds between accepting a call (recorded, listeners told) and answering it: Teams
    # already has the message while the bot still waits for the answer. A bot that dies in
    # this gap sent a message it could not record (tests/reliability).
    answer_delay: float = 0.0

    def fail_next(self, *faults: Fault) -> None:
        """The next requests are answered with these faults, in order, then normally."""
        self.faults.extend(faults)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Activities the bot posted (replies and new messages), in arrival order."""
        return [
            call.body
            for call in self.calls
            if call.method == "POST"
            and call.body
            and call.body.get("type")
            and "/activities" in call.path
        ]

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self._changed = asyncio.Condition()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/"
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeConnector:
        await self.start()
        return self

    async def __aexit__(self, *exc_details: object) -> None:
        await self.stop()

    async def wait_for_sent(self, count: int, seconds: float = 5.0) -> list[dict[str, Any]]:
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.sent) >= count), seconds)
        return self.sent

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        parts = request.path.strip("/").split("/")
        conversation_id = parts[2] if len(parts) > 2 and parts[1] == "conversations" else None
        refusal = self.refused.get(conversation_id or "")
        if refusal is not None:
            self.statuses[403] += 1
            if self.keep_calls:
                self.calls.append(Call(request.method, request.path, conversation_id, None))
            return web.json_response(
                {"error": {"code": refusal, "message": "The bot cannot send here."}},
                status=403,
            )
        fault = self._fault(conversation_id)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status < 300:  # only slow
                return await self._accept(request, parts, conversation_id, body)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self.statuses[fault.status] += 1
            if self.keep_calls:
                self.calls.append(Call(request.method, request.path, conversation_id, None))
            return web.json_response(
                {"error": {"code": "Throttled" if fault.status == 429 else "ServiceError"}},
                status=fault.status,
                headers=headers,
            )
        return await self._accept(request, parts, conversation_id, body)

    def _fault(self, conversation_id: str | None) -> Fault | None:
        if self.faults:
            return self.faults.popleft()
        status, delay = self.chaos.draw() if self.chaos else (None, 0.0)
        if status is not None:
            return Fault(status, retry_after="1", delay=delay)
        if self.rate_limits is not None:
            wait = self.rate_limits.retry_after(conversation_id)
            if wait is not None:
                return Fault(429, retry_after=str(max(1, round(wait + 0.5))), delay=delay)
        return Fault(200, delay=delay) if delay else None

    async def _accept(
        self, request: web.Request, parts: list[str], conversation_id: str | None, body: Any
    ) -> web.Response:
        call = Call(request.method, request.path, conversation_id, body)
        arrived = time.perf_counter()
        self.statuses[200] += 1
        if self.keep_calls:
            self.calls.append(call)
        for listener in self.listeners:
            listener(call, arrived)
        if self._changed is not None and self.keep_calls:
            async with self._changed:
                self._changed.notify_all()
        answer = self._answer(request.method, parts, body, request.query)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return web.json_response(answer, status=200)

    def _answer(
        self, method: str, parts: list[str], body: Any, query: Any = None
    ) -> dict[str, Any]:
        if method == "POST" and parts == ["v3", "conversations"]:
            number = next(self._ids)
            return {"id": f"conversation-{number}", "activityId": f"activity-{number}"}
        if method == "GET" and parts[-1] == "pagedmembers":
            return self._roster_page(parts[2], query or {})
        return {"id": f"activity-{next(self._ids)}"}

    def _roster_page(self, team_id: str, query: Any) -> dict[str, Any]:
        members = self.rosters.get(team_id, [])
        start = int(query.get("continuationToken") or 0)
        size = min(int(query.get("pageSize") or self.roster_page_size), self.roster_page_size)
        end = start + size
        token = str(end) if end < len(members) else None
        return {"members": members[start:end], "continuationToken": token}
