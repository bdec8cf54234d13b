"""The closed-loop measurement every chat scenario shares: one process under test, the fake
connector and the load generator in this process, one row of figures per concurrency level."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bench.botproc import BotProcess
from bench.core import Bench
from bench.fake_connector import FakeConnector
from bench.loadgen import Level, LevelResult, LoadGenerator, Step


async def measure_levels(
    bench: Bench,
    *,
    name: str,
    start_bot: Callable[[FakeConnector], Awaitable[BotProcess]],
    script: Sequence[Step],
    is_error: Callable[[dict[str, Any]], bool],
    extra_pids: Callable[[], Awaitable[list[int]]] | None = None,
    listeners: Sequence[Callable[..., None]] = (),
    users: Sequence[int] | None = None,
    seconds: float | None = None,
    connector: FakeConnector | None = None,
) -> list[LevelResult]:
    config = bench.config
    # A run sends far too much to keep every call.
    connector = connector or FakeConnector(keep_calls=False)
    connector.listeners.extend(listeners)
    await connector.start()
    results = []
    try:
        bot = await start_bot(connector)
        bench.progress(f"{name}: pid {bot.pid} listening on port {bot.port}")
        try:
            generator = LoadGenerator(
                connector=connector,
                bot_url=bot.url,
                bot_pid=bot.pid,
                script=script,
                run=name,
                is_error=is_error,
                extra_pids=extra_pids,
            )
            window = seconds or config.seconds
            for level_users in users or config.users:
                await bench.wait_until_quiet([os.getpid(), bot.pid])
                bench.progress(
                    f"{name}: {level_users} users, {config.warmup:.0f} s warm-up + "
                    f"{window:.0f} s measured …"
                )
                result = await generator.run_level(
                    Level(level_users, config.warmup, window, config.max_turns)
                )
                results.append(result)
                bench.progress(f"{name}: {level_users} users: {summary(result)}")
                if bot.process.returncode is not None:
                    raise RuntimeError(f"{name} exited during the run:\n{bot.log_tail()}")
        finally:
            await bot.stop()
    finally:
        await connector.stop()
    return results


def summary(result: LevelResult) -> str:
    return (
        f"{result.turns_per_second:.1f} turns/s, p50 {result.percentile_ms(50):.1f} ms, "
        f"p99 {result.percentile_ms(99):.1f} ms, CPU {result.cpu_per_turn_ms:.2f} ms/turn "
        f"({result.bot_cpu_share:.2f} cores), peak {result.peak_memory / 2**20:.0f} MiB, "
        f"{result.errors} errors"
    )
