"""The yardstick: Microsoft's canonical echo bot (`bench/echo_bot.py`) under the same load
generator, connector and concurrency levels as our bot, in the same run."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bench import botproc
from bench.core import Bench, ScenarioResult
from bench.fake_connector import FakeConnector
from bench.loadgen import Step
from bench.scenarios.common import measure_levels

NAME = "echo_baseline"


def _not_an_echo(body: dict[str, Any]) -> bool:
    return not str(body.get("text") or "").startswith("Echo: ")


@dataclass(frozen=True)
class EchoBaseline:
    name: str = NAME
    title: str = "Baseline: the canonical botbuilder 4.17.1 echo bot"

    async def run(self, bench: Bench) -> ScenarioResult:
        started = time.monotonic()

        async def start(connector: FakeConnector) -> botproc.BotProcess:
            return await botproc.start(
                self.name,
                "bench.echo_bot",
                env={},
                logs=bench.logs,
                ready_path="/api/messages",  # any HTTP answer (405 to a GET) means it is up
                python=bench.config.python,
            )

        levels = await measure_levels(
            bench,
            name=self.name,
            start_bot=start,
            script=[Step("hej med dig")],
            is_error=_not_an_echo,
        )
        return ScenarioResult(
            name=self.name,
            title=self.title,
            description=(
                "`python -m bench.echo_bot`: Microsoft's 02.echo-bot sample as published for "
                "4.17 (CloudAdapter + ConfigurationBotFrameworkAuthentication, auth off, "
                "`ADAPTER.process(req, BOT)`, ActivityHandler echo). Each user sends a message "
                "and waits for its echo at the connector."
            ),
            levels=levels,
            elapsed=time.monotonic() - started,
        )


SCENARIO = EchoBaseline()
