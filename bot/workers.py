"""Background work in the bot process: the outbox, reminders, announcements, retention.

Each job is an async function `run(now) -> int` (how many items it handled) that does one
bounded batch. The runner calls every job on its own interval, again at once while a batch
was full, and never lets one job's failure stop the others. Jobs must be safe to run in
several instances at once (claim rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite
deployments run one instance).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from storage.errors import STORE_ERRORS

log = logging.getLogger(__name__)

# Under the 10-minute leases of the outbox and of deliveries in `sending`.
STORE_PATIENCE_SECONDS = 480.0

JobFunction = Callable[[datetime], Awaitable[int]]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunction
    interval_seconds: float
    batch_size: int = 0  # a batch this full means more is waiting: run again at once


class Workers:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._jobs: list[Job] = []
        self._tasks: list[asyncio.Task[None]] = []
        # One event per job: a wake-up reaches every job, and one job clearing its event
        # cannot swallow another's.
        self._wakes: dict[str, asyncio.Event] = {}

    def add(self, job: Job) -> None:
        self._jobs.append(job)
        self._wakes[job.name] = asyncio.Event()

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(self._jobs)

    def wake(self) -> None:
        """New work was written (e.g. an outbox row): run the jobs now instead of waiting."""
        for event in self._wakes.values():
            event.set()

    async def run_once(self, name: str) -> int:
        """Run one job's batch now (tests and the CLI use this)."""
        job = next(job for job in self._jobs if job.name == name)
        return await job.run(self._clock())

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=job.name) for job in self._jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _loop(self, job: Job) -> None:
        wake = self._wakes[job.name]
        while True:
            # Cleared before the batch, not after: work written while the batch runs wakes
            # the next batch at once instead of waiting a whole interval.
            wake.clear()
            handled = 0
            try:
                handled = await job.run(self._clock())
                if handled:
                    log.info("worker.batch", extra={"job": job.name, "handled": handled})
            except Exception:
                log.exception("worker.failed", extra={"job": job.name})
            if job.batch_size and handled >= job.batch_size:
                continue
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow the
            # cancellation of `stop()` when it arrives as the wait ends, and the loop would
            # then wait a whole interval more (a shutdown that hangs).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(job.interval_seconds):
                    await wake.wait()


async def persist(
    write: Callable[[], Awaitable[object]],
    *,
    what: str,
    patience: float = STORE_PATIENCE_SECONDS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Store the outcome of work that already happened outside (Teams took a post, a send was
    refused), waiting out a database outage instead of giving up at the first error. Given up,
    the row would keep its lease: delivered only when the lease ends, ten minutes later, and a
    post whose record was lost would then be posted again (tests/reliability/
    test_postgres_restart.py). Raises when `patience` seconds are not enough."""
    delay, waited = 0.2, 0.0
    while True:
        try:
            await write()
            return
        except STORE_ERRORS as error:
            if waited + delay > patience:
                raise
            log.warning(
                "worker.store_retry",
                extra={"what": what, "error_type": type(error).__name__, "wait_s": delay},
            )
            await sleep(delay)
            waited += delay
            delay = min(delay * 2, 5.0)
