"""Pacing proactive sends within Microsoft Teams' rate limits (docs/training.md).

Teams throttles a bot per conversation (7 sends a second, 8 in two, 60 in thirty, 1800 an
hour) and per tenant (30-50 a second; we design for 30). `Pacer` keeps every proactive send of
this process under both: a token bucket for the tenant (`rate` a second, bursts up to `burst`)
and sliding windows per conversation. A 429 from Teams pauses the whole bucket for its
`Retry-After`, so the next sends wait instead of being throttled too.

The clock and the sleep are injected, so tests run on a fake clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Sleep = Callable[[float], Awaitable[None]]
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Window:
    limit: int
    seconds: float


_TENANT = "tenant"  # the one key of the tenant-wide window

PER_CONVERSATION = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))


@dataclass
class TokenBucket:
    rate: float  # tokens a second
    burst: float  # bucket size
    clock: Callable[[], float] = time.monotonic
    _tokens: float = field(init=False)
    _updated: float = field(init=False)
    _paused_until: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._tokens = self.burst
        self._updated = self.clock()

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def wait_time(self) -> float:
        """Seconds until a token is free (0: take one now)."""
        now = self.clock()
        if now < self._paused_until:
            return self._paused_until - now
        self._refill(now)
        if self._tokens >= 1 - _EPSILON:  # float sums of refills fall a hair short of 1
            return 0.0
        return (1 - self._tokens) / self.rate

    def take(self) -> None:
        self._refill(self.clock())
        self._tokens -= 1

    def pause(self, seconds: float) -> None:
        """Teams said Retry-After: nothing goes out until then, and the bucket starts empty."""
        now = self.clock()
        self._paused_until = max(self._paused_until, now + seconds)
        self._tokens = 0.0
        self._updated = max(self._updated, self._paused_until)


@dataclass
class ConversationWindows:
    windows: tuple[Window, ...] = PER_CONVERSATION
    clock: Callable[[], float] = time.monotonic
    _sent: dict[str, deque[float]] = field(default_factory=dict)

    def wait_time(self, conversation_id: str) -> float:
        now = self.clock()
        history = self._sent.get(conversation_id)
        if not history:
            return 0.0
        longest = max(window.seconds for window in self.windows)
        while history and history[0] <= now - longest:
            history.popleft()
        wait = 0.0
        for window in self.windows:
            inside = [moment for moment in history if moment > now - window.seconds]
            if len(inside) >= window.limit:
                wait = max(wait, inside[-window.limit] + window.seconds - now)
        return wait

    def record(self, conversation_id: str) -> None:
        self._sent.setdefault(conversation_id, deque()).append(self.clock())


class Pacer:
    """One per process, shared by every job that sends proactively."""

    def __init__(
        self,
        *,
        rate: float = 30.0,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # Two limits for the tenant. The bucket spreads the sends (a tenth of a second's worth
        # at most goes out at once); its burst also lets a send that woke late, as sleeps on a
        # busy loop do, be made up by the next one, which a burst of one would lose for good
        # (~15 % of the rate at 50/s, measured by the fan-out bench). The sliding window is
        # what keeps every one-second window at `rate` sends, as Teams counts them.
        default_burst = max(1.0, rate / 10)
        self.bucket = TokenBucket(rate, burst if burst is not None else default_burst, clock)
        self.tenant = ConversationWindows(windows=(Window(max(1, int(rate)), 1.0),), clock=clock)
        self.conversations = ConversationWindows(clock=clock)
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def acquire(self, conversation_id: str) -> None:
        """Wait until one more send to this conversation is within every limit, and count it."""
        async with self._lock:
            while True:
                wait = max(
                    self.bucket.wait_time(),
                    self.tenant.wait_time(_TENANT),
                    self.conversations.wait_time(conversation_id),
                )
                if wait <= 0:
                    break
                await self._sleep(max(wait, 0.001))  # never a float-sized stall
            self.bucket.take()
            self.tenant.record(_TENANT)
            self.conversations.record(conversation_id)

    def throttled(self, retry_after: float) -> None:
        self.bucket.pause(retry_after)
