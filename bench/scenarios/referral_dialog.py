"""A referral-dialog turn in our bot (`python -m bot`), state in SQLite or PostgreSQL, against
the echo baseline measured in the same run.

Each virtual user has its own personal conversation and walks the whole dialog with typed
answers (the named, crime-preventive route of tests/dialogs/test_referral_dialog.py, which
files a referral and asks for the young person's name, year and school), then starts again.
Every message of this walk gets exactly one reply (a card; the receipt at the end); a turn is
over when that reply is at the connector (see bench/loadgen.py).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import botproc, pg
from bench.activities import visible
from bench.core import Bench, ScenarioResult, Target
from bench.fake_connector import Call, FakeConnector
from bench.loadgen import LevelResult, Step, percentile_ms
from bench.scenarios.common import measure_levels
from bench.scenarios.echo_baseline import NAME as BASELINE

DESCRIPTION = "Eleven har truet en lærer og viser voldelige videoer i frikvarteret."

# (message, replies): acute no → named → role (typed field by field) → age 18+ → lives in
# Copenhagen → signs violence + intolerance → no known crime → description → context (5
# questions) → the young person (name, year, school) → summary → send → receipt.
WALK = [
    Step("ny bekymring"),
    Step("nej"),
    Step("2"),
    Step("1"),
    Step("1"),
    Step("4"),
    Step("ja"),
    Step("1, 9"),
    Step("1"),
    Step(DESCRIPTION),
    Step("ja"),
    Step("nej"),
    Step("ved ikke"),
    Step("nej"),
    Step("spring over"),
    Step("Ali Hassan"),
    Step("2007"),
    Step("Nørre Gymnasium"),
    Step("send"),
]

RECEIPT_MARK = "BEK-"


def _texts_that_mean_failure() -> tuple[str, ...]:
    """The apology after a failed turn, and 'I did not understand' (the walk lost its step)."""
    from dialogs.i18n import default_catalogue

    catalogue = default_catalogue()
    apology = catalogue.text("da", "errors.apology", correlation_id="\x00").split("\x00")[0]
    return apology, catalogue.text("da", "unknown.text"), catalogue.text("en", "unknown.text")


def is_failure_reply(failures: tuple[str, ...]) -> Any:
    def check(body: dict[str, Any]) -> bool:
        shown = visible(body)
        return any(shown.startswith(text) for text in failures if text)

    return check


class ReceiptCounter:
    """Counts receipts (filed referrals): proof that the walks really reach the end."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, call: Call, arrived: float) -> None:
        if call.body and visible(call.body).find(RECEIPT_MARK) >= 0 and "/activities" in call.path:
            self.count += 1


@dataclass(frozen=True)
class ReferralDialog:
    name: str
    title: str
    database: str  # "sqlite" | "postgresql"

    async def run(self, bench: Bench) -> ScenarioResult:
        started = time.monotonic()
        config = bench.config
        receipts = ReceiptCounter()
        failures = _texts_that_mean_failure()
        with tempfile.TemporaryDirectory(prefix=f"bench-{self.name}-") as scratch:
            workdir = Path(scratch)
            if self.database == "sqlite":
                levels = await self._measure(
                    bench,
                    f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}",
                    workdir,
                    None,
                    receipts,
                    failures,
                )
            else:
                async with pg.scratch_database(config.postgres_url, self.name) as url:

                    async def server_pids() -> list[int]:
                        return await pg.backend_pids(config.postgres_url, url)

                    levels = await self._measure(
                        bench, url, workdir, server_pids, receipts, failures
                    )
        result = ScenarioResult(
            name=self.name,
            title=self.title,
            description=(
                f"`python -m bot` (DATABASE_URL={self.database}, LOG_LEVEL=WARNING, "
                "WORKERS_ENABLED=false, development mode: auth off, dialog state AES-GCM "
                "sealed). Each user walks the 19-message named referral (tests/dialogs/"
                "test_referral_dialog.py) and starts again; the 19th message files the referral."
            ),
            levels=levels,
            db_cpu_label="PostgreSQL backends" if self.database == "postgresql" else None,
            elapsed=time.monotonic() - started,
        )
        result.notes.append(
            f"Referrals filed during the run (receipts at the connector): {receipts.count}."
        )
        if levels:
            result.sections.append(_by_step(levels[min(1, len(levels) - 1)]))
        result.targets.extend(targets(self.name, levels, bench.results.get(BASELINE)))
        return result

    async def _measure(
        self,
        bench: Bench,
        database_url: str,
        workdir: Path,
        server_pids: Any,
        receipts: ReceiptCounter,
        failures: tuple[str, ...],
    ) -> list[LevelResult]:
        async def start(connector: FakeConnector) -> botproc.BotProcess:
            return await start_bot(bench, self.name, database_url, workdir)

        return await measure_levels(
            bench,
            name=self.name,
            start_bot=start,
            script=WALK,
            is_error=is_failure_reply(failures),
            extra_pids=server_pids,
            listeners=[receipts],
        )


def _by_step(level: LevelResult) -> tuple[str, str]:
    """Latency per message of the walk: shows whether one step (filing, say) is the slow one."""
    lines = ["| # | message | turns | p50 ms | p99 ms |", "|---|---|---|---|---|"]
    for index, latencies in sorted(level.by_step.items()):
        lines.append(
            f"| {index + 1} | {WALK[index].text[:30]} | {len(latencies)} | "
            f"{percentile_ms(latencies, 50):.1f} | {percentile_ms(latencies, 99):.1f} |"
        )
    return f"Latency by step at {level.users} users", "\n".join(lines)


async def start_bot(
    bench: Bench, name: str, database_url: str, workdir: Path
) -> botproc.BotProcess:
    """Our bot as production runs it, in development mode (no app id: auth off)."""
    return await botproc.start(
        name,
        "bot",
        env={
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "WORKERS_ENABLED": "false",
            "DATA_DIR": str(workdir / "data"),
        },
        logs=bench.logs,
        ready_path="/healthz",
        python=bench.config.python,
        cwd=bench.config.bot_dir,
    )


def _judge(
    scenario: str, name: str, measured: str, ratio: float | None, passed: bool | None
) -> Target:
    return Target(scenario, name, measured, "n/a" if ratio is None else f"{ratio:.2f}×", passed)


def targets(
    scenario: str, levels: list[LevelResult], baseline: ScenarioResult | None
) -> list[Target]:
    """Issue #7: ≥ 5× the echo bot's turns/s and ≤ 1/5 of its CPU per turn at every level;
    p99 < 100 ms at 16 users; peak memory at 64 users ≤ 1.5× the echo bot's."""
    found: list[Target] = []
    for level in levels:
        echo = baseline.level(level.users) if baseline else None
        ratio = level.turns_per_second / echo.turns_per_second if echo and echo.turns else None
        found.append(
            _judge(
                scenario,
                f"turns/s at {level.users} users ≥ 5× echo",
                f"{level.turns_per_second:.1f} turns/s",
                ratio,
                None if ratio is None else ratio >= 5,
            )
        )
        cpu_ratio = level.cpu_per_turn_ms / echo.cpu_per_turn_ms if echo and echo.turns else None
        found.append(
            _judge(
                scenario,
                f"CPU/turn at {level.users} users ≤ 1/5 of echo (ratio ≤ 0.20)",
                f"{level.cpu_per_turn_ms:.2f} ms",
                cpu_ratio,
                None if cpu_ratio is None else cpu_ratio <= 0.2,
            )
        )
    at16 = next((level for level in levels if level.users == 16), None)
    if at16 is not None:
        p99 = at16.percentile_ms(99)
        echo16 = baseline.level(16) if baseline else None
        found.append(
            _judge(
                scenario,
                "p99 latency at 16 users < 100 ms",
                f"{p99:.1f} ms",
                p99 / echo16.percentile_ms(99) if echo16 and echo16.turns else None,
                p99 < 100,
            )
        )
    at64 = next((level for level in levels if level.users == 64), None)
    if at64 is not None:
        echo64 = baseline.level(64) if baseline else None
        ratio = at64.peak_memory / echo64.peak_memory if echo64 and echo64.peak_memory else None
        found.append(
            _judge(
                scenario,
                "peak memory at 64 users ≤ 1.5× echo",
                f"{at64.peak_memory / 2**20:.0f} MiB",
                ratio,
                None if ratio is None else ratio <= 1.5,
            )
        )
    for level in levels:
        if level.errors:
            found.append(
                Target(
                    scenario,
                    f"no failed turns at {level.users} users",
                    f"{level.errors} ({level.error_kinds})",
                    "",
                    False,
                )
            )
    return found


SQLITE = ReferralDialog(
    name="referral_sqlite", title="Referral dialog, state in SQLite", database="sqlite"
)
POSTGRES = ReferralDialog(
    name="referral_postgres",
    title="Referral dialog, state in PostgreSQL",
    database="postgresql",
)
