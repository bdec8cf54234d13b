"""What every scenario gets (`Bench`: settings, earlier results, progress, helpers) and what it
gives back (`ScenarioResult`: figures per concurrency level, extra tables, target checks)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bench import procstat
from bench.botproc import ROOT
from bench.loadgen import LevelResult


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Config:
    """Everything tunable comes from the environment (documented in docs/performance.md)."""

    seconds: float = 20.0  # BENCH_SECONDS: measured window per concurrency level
    warmup: float = 4.0  # BENCH_WARMUP: discarded seconds before each window
    users: tuple[int, ...] = (1, 16, 64)  # BENCH_USERS
    max_turns: int = 200_000  # BENCH_MAX_TURNS: bound per level, whatever the speed
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"  # BENCH_POSTGRES_URL
    referrals: int = 1_000_000  # BENCH_REFERRALS: rows for the 'mine henvendelser' query
    python: str = sys.executable  # BENCH_PYTHON: interpreter for the processes under test
    bot_dir: Path = ROOT  # BENCH_BOT_DIR: where `python -m bot` runs (a scratch copy, say)
    results: Path = ROOT / "bench" / "results"  # BENCH_RESULTS
    quiet_cores: float = 0.3  # BENCH_QUIET_CORES: other people's load to wait out …
    quiet_wait: float = 30.0  # BENCH_QUIET_WAIT: … for at most this long before a level …
    quiet_budget: float = 120.0  # BENCH_QUIET_BUDGET: … and this long in all

    @classmethod
    def from_env(cls) -> Config:
        users = os.environ.get("BENCH_USERS")
        return cls(
            seconds=_env_float("BENCH_SECONDS", cls.seconds),
            warmup=_env_float("BENCH_WARMUP", cls.warmup),
            users=tuple(int(u) for u in users.split(",")) if users else cls.users,
            max_turns=_env_int("BENCH_MAX_TURNS", cls.max_turns),
            postgres_url=os.environ.get("BENCH_POSTGRES_URL", cls.postgres_url),
            referrals=_env_int("BENCH_REFERRALS", cls.referrals),
            python=os.environ.get("BENCH_PYTHON", cls.python),
            bot_dir=Path(os.environ.get("BENCH_BOT_DIR", str(cls.bot_dir))),
            results=Path(os.environ.get("BENCH_RESULTS", str(cls.results))),
            quiet_cores=_env_float("BENCH_QUIET_CORES", cls.quiet_cores),
            quiet_wait=_env_float("BENCH_QUIET_WAIT", cls.quiet_wait),
            quiet_budget=_env_float("BENCH_QUIET_BUDGET", cls.quiet_budget),
        )


@dataclass
class Target:
    """One line of the targets table."""

    scenario: str
    name: str
    measured: str
    ratio: str
    passed: bool | None  # None: could not be judged (no baseline in this run, …)
    note: str = ""


@dataclass
class ScenarioResult:
    name: str
    title: str
    description: str = ""
    levels: list[LevelResult] = field(default_factory=list)
    db_cpu_label: str | None = None  # when set, levels carry the database server's CPU
    sections: list[tuple[str, str]] = field(default_factory=list)  # (heading, markdown)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    elapsed: float = 0.0

    def level(self, users: int) -> LevelResult | None:
        return next((level for level in self.levels if level.users == users), None)


@dataclass
class Bench:
    config: Config
    results: dict[str, ScenarioResult] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    quiet_spent: float = 0.0

    async def wait_until_quiet(self, own_pids: list[int]) -> None:
        """Let other people's work on the machine pass, within the run's waiting budget."""
        config = self.config
        allowed = min(config.quiet_wait, config.quiet_budget - self.quiet_spent)
        if allowed < 1:
            return
        before = time.monotonic()
        await procstat.wait_until_quiet(
            own_pids, threshold=config.quiet_cores, max_wait=allowed, report=self.progress
        )
        self.quiet_spent += time.monotonic() - before

    def progress(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[bench {elapsed:6.1f}s] {message}", flush=True)

    @property
    def logs(self) -> Path:
        return self.config.results / "logs"


class Scenario(Protocol):
    name: str  # used on the command line and in BENCH_SCENARIOS
    title: str

    def run(self, bench: Bench) -> Awaitable[ScenarioResult]: ...


@dataclass(frozen=True)
class Pending:
    """A scenario whose feature is still being built: listed in the report, not run."""

    name: str
    title: str
    waits_for: str


ScenarioFactory = Callable[[], Scenario]
