"""A wake-up while a job's batch runs is not lost (found by the consultant e2e test: an answer
written during a delivery batch waited a whole interval)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.workers import Job, Workers


async def test_work_written_during_a_batch_runs_at_once() -> None:
    workers = Workers(lambda: datetime.now(UTC))
    runs: list[str] = []
    second = asyncio.Event()

    async def deliver(now: datetime) -> int:
        runs.append("deliver")
        if len(runs) == 1:
            workers.wake()  # e.g. a consultant's action wrote an outbox row just now
        else:
            second.set()
        return 0

    async def other(now: datetime) -> int:
        return 0

    workers.add(Job("deliver", deliver, interval_seconds=60))
    workers.add(Job("other", other, interval_seconds=60))
    workers.start()
    try:
        await asyncio.wait_for(second.wait(), 2)
    finally:
        await workers.stop()
    assert runs[:2] == ["deliver", "deliver"]
