"""The bench's own ceiling: `bench/raw_bot.py` (a bare aiohttp handler that parses the
activity and posts one reply, no SDK) under the same load generator and connector. If a bot
under test ever comes near this figure, the bench, not the bot, is what is being measured."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench import botproc
from bench.core import Bench, ScenarioResult
from bench.fake_connector import FakeConnector
from bench.loadgen import Step
from bench.scenarios.common import measure_levels

USERS = 16


@dataclass(frozen=True)
class HarnessFloor:
    name: str = "harness_floor"
    title: str = "The bench's own ceiling: a bare aiohttp bot"

    async def run(self, bench: Bench) -> ScenarioResult:
        started = time.monotonic()

        async def start(connector: FakeConnector) -> botproc.BotProcess:
            return await botproc.start(
                self.name,
                "bench.raw_bot",
                env={},
                logs=bench.logs,
                ready_path="/api/messages",
                python=bench.config.python,
            )

        levels = await measure_levels(
            bench,
            name=self.name,
            start_bot=start,
            script=[Step("hej med dig")],
            is_error=lambda body: not str(body.get("text") or "").startswith("Echo: "),
            users=[USERS],
            seconds=max(5.0, bench.config.seconds / 2),
        )
        return ScenarioResult(
            name=self.name,
            title=self.title,
            description=__doc__ or "",
            levels=levels,
            elapsed=time.monotonic() - started,
        )


SCENARIO = HarnessFloor()
