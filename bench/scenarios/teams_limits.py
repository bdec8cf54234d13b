"""Under Teams' rules: the connector enforces Teams' rate limits (7 sends/s, 8/2 s, 60/30 s
per conversation; 30 requests/s for the app) with 429 + Retry-After, and also answers 2 % of
sends with 503 and 2 % slowly (0.3 s). Our bot must lose no turn (bot.compat.RetryPolicy);
the canonical echo bot, whose throttled replies are never retried (STACK-NOTES defect 4), is
measured alongside. The app-wide limit, not the bot, then caps throughput at ~30 turns/s:
the figure that matters for sizing, whatever the bot's own speed.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import botproc
from bench.core import Bench, ScenarioResult, Target
from bench.fake_connector import Chaos, FakeConnector, RateLimits
from bench.loadgen import LevelResult, Step
from bench.scenarios import referral_dialog
from bench.scenarios.common import measure_levels

USERS = 16
ERROR_RATE = 0.02
SLOW_RATE = 0.02
SLOW_SECONDS = 0.3


def _connector() -> FakeConnector:
    return FakeConnector(
        keep_calls=False,
        rate_limits=RateLimits(),
        chaos=Chaos(error_rate=ERROR_RATE, slow_rate=SLOW_RATE, slow_seconds=SLOW_SECONDS),
    )


def _answers(connector: FakeConnector) -> str:
    return ", ".join(f"{status}: {count}" for status, count in sorted(connector.statuses.items()))


@dataclass(frozen=True)
class TeamsLimits:
    name: str = "teams_limits"
    title: str = "Under Teams' rate limits with injected 503s and slow answers"

    async def run(self, bench: Bench) -> ScenarioResult:
        started = time.monotonic()
        seconds = max(5.0, bench.config.seconds / 2)
        result = ScenarioResult(self.name, self.title, description=__doc__ or "")
        rows = []

        echo_connector = _connector()

        async def start_echo(connector: FakeConnector) -> botproc.BotProcess:
            return await botproc.start(
                f"{self.name}-echo",
                "bench.echo_bot",
                env={},
                logs=bench.logs,
                ready_path="/api/messages",
                python=bench.config.python,
            )

        [echo] = await measure_levels(
            bench,
            name=f"{self.name}-echo",
            start_bot=start_echo,
            script=[Step("hej med dig")],
            is_error=lambda body: not str(body.get("text") or "").startswith("Echo: "),
            users=[USERS],
            seconds=seconds,
            connector=echo_connector,
        )
        rows.append(("canonical echo bot", echo, _answers(echo_connector)))

        ours_connector = _connector()
        with tempfile.TemporaryDirectory(prefix=f"bench-{self.name}-") as scratch:
            workdir = Path(scratch)
            url = f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}"

            async def start_ours(connector: FakeConnector) -> botproc.BotProcess:
                return await referral_dialog.start_bot(bench, f"{self.name}-bot", url, workdir)

            [ours] = await measure_levels(
                bench,
                name=f"{self.name}-bot",
                start_bot=start_ours,
                script=referral_dialog.WALK,
                is_error=referral_dialog.is_failure_reply(
                    referral_dialog._texts_that_mean_failure()
                ),
                users=[USERS],
                seconds=seconds,
                connector=ours_connector,
            )
        rows.append(("our bot, referral dialog (SQLite)", ours, _answers(ours_connector)))

        result.sections.append(("Figures", _table(rows)))
        result.targets.append(
            Target(
                self.name,
                "no turn lost to 429/503/slow sends (retried, Retry-After honoured)",
                f"{ours.errors} failed of {ours.turns + ours.errors}",
                f"echo: {echo.errors} failed of {echo.turns + echo.errors}",
                ours.errors == 0,
            )
        )
        result.elapsed = time.monotonic() - started
        return result


def _table(rows: list[tuple[str, LevelResult, Any]]) -> str:
    lines = [
        f"{USERS} users, each in its own conversation.",
        "",
        "| bot | turns/s | p50 ms | p99 ms | failed turns | connector answers |",
        "|---|---|---|---|---|---|",
    ]
    for label, level, answers in rows:
        lines.append(
            f"| {label} | {level.turns_per_second:.1f} | {level.percentile_ms(50):.0f} | "
            f"{level.percentile_ms(99):.0f} | {level.errors} {level.error_kinds or ''} | "
            f"{answers} |"
        )
    return "\n".join(lines)


SCENARIO = TeamsLimits()
