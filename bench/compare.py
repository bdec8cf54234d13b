"""A/B of the referral-dialog turn across source trees: `python -m bench.compare DIR [DIR ...]`.

For trying a fix before it lands: copy the tree (`cp -r /work/main /tmp/perf`), change it, and
compare. Each DIR runs `python -m bot` from that directory (so its own bot/, dialogs/,
storage/), one at a time, in alternating rounds (A B C A B C …) so that drift and other
people's work on a shared machine hit every variant alike; the median of the rounds is
reported. CPU per turn is the steadiest figure; turns/s and p99 move with machine load (the
'other load' column says how much there was).

Options: --database sqlite|postgresql, --users N, --rounds N, --seconds N (per round).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bench import pg
from bench.core import Bench, Config
from bench.fake_connector import FakeConnector
from bench.loadgen import Level, LevelResult, LoadGenerator
from bench.scenarios import referral_dialog


async def _round(
    bench: Bench, directory: Path, database: str, users: int, seconds: float
) -> LevelResult:
    config = replace(bench.config, bot_dir=directory)
    variant = Bench(config)
    connector = FakeConnector(keep_calls=False)
    await connector.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-compare-") as scratch:
            workdir = Path(scratch)
            if database == "sqlite":
                url = f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}"
                return await _measure(variant, connector, url, workdir, users, seconds, None)
            async with pg.scratch_database(config.postgres_url, "compare") as url:

                async def server_pids() -> list[int]:
                    return await pg.backend_pids(config.postgres_url, url)

                return await _measure(variant, connector, url, workdir, users, seconds, server_pids)
    finally:
        await connector.stop()


async def _measure(
    bench: Bench,
    connector: FakeConnector,
    url: str,
    workdir: Path,
    users: int,
    seconds: float,
    server_pids: object,
) -> LevelResult:
    bot = await referral_dialog.start_bot(bench, "compare", url, workdir)
    try:
        await bench.wait_until_quiet([os.getpid(), bot.pid])
        generator = LoadGenerator(
            connector=connector,
            bot_url=bot.url,
            bot_pid=bot.pid,
            script=referral_dialog.WALK,
            run="compare",
            is_error=referral_dialog.is_failure_reply(referral_dialog._texts_that_mean_failure()),
            extra_pids=server_pids,  # type: ignore[arg-type]
        )
        return await generator.run_level(
            Level(users, bench.config.warmup, seconds, bench.config.max_turns)
        )
    finally:
        await bot.stop()


async def compare(
    directories: list[Path], database: str, users: int, rounds: int, seconds: float
) -> str:
    bench = Bench(Config.from_env())
    results: dict[Path, list[LevelResult]] = {d: [] for d in directories}
    for number in range(1, rounds + 1):
        for directory in directories:
            result = await _round(bench, directory, database, users, seconds)
            results[directory].append(result)
            bench.progress(
                f"round {number}/{rounds} {directory}: {result.turns_per_second:.0f} turns/s, "
                f"CPU {result.cpu_per_turn_ms:.2f} ms/turn, p99 {result.percentile_ms(99):.0f} ms, "
                f"other load {result.others_cpu_share:.2f}, errors {result.errors}"
            )
    lines = [
        f"{database}, {users} users, median of {rounds} rounds of {seconds:g} s",
        "",
        "| tree | CPU ms/turn | vs first | turns/s | vs first | p50 ms | p99 ms | DB server "
        "CPU ms/turn | peak RSS MiB | errors | other load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    first: tuple[float, float] | None = None
    for directory, runs in results.items():
        cpu = statistics.median(r.cpu_per_turn_ms for r in runs)
        tps = statistics.median(r.turns_per_second for r in runs)
        first = first or (cpu, tps)
        extra = [r.extra_cpu_per_turn_ms for r in runs if r.extra_cpu_per_turn_ms is not None]
        cells = [
            str(directory),
            f"{cpu:.2f}",
            f"{cpu / first[0]:.2f}×",
            f"{tps:.0f}",
            f"{tps / first[1]:.2f}×",
            f"{statistics.median(r.percentile_ms(50) for r in runs):.1f}",
            f"{statistics.median(r.percentile_ms(99) for r in runs):.1f}",
            f"{statistics.median(extra):.2f}" if extra else "-",
            f"{max(r.peak_memory for r in runs) / 2**20:.0f}",
            str(sum(r.errors for r in runs)),
            f"{statistics.median(r.others_cpu_share for r in runs):.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    table = asyncio.run(
        compare(
            [d.resolve() for d in args.directories],
            args.database,
            args.users,
            args.rounds,
            args.seconds,
        )
    )
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
