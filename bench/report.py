"""The Markdown report: targets first (figure, ratio to the echo baseline, PASS/FAIL), then
each scenario's figures per concurrency level, then how it was measured."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata

from bench.core import Bench, Pending, ScenarioResult
from bench.loadgen import LevelResult

CONTENDED = 0.3  # cores of other people's work above which a row is marked ⚠


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "**FAIL**", None: "n/a"}[passed]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _commit(directory: str) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", directory, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", directory, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def _level_table(result: ScenarioResult, baseline: ScenarioResult | None) -> str:
    db = result.db_cpu_label
    head = [
        "users",
        "turns/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "CPU ms/turn",
        "bot CPU (cores)",
        "peak RSS MiB",
        "errors",
    ]
    if db:
        head.insert(7, f"{db} CPU ms/turn")
    if baseline and result is not baseline:
        head += ["turns/s ÷ echo", "CPU/turn ÷ echo", "peak RSS ÷ echo"]
    head += ["driver CPU (cores)", "other load (cores)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for level in result.levels:
        row = [
            str(level.users),
            f"{level.turns_per_second:.1f}",
            f"{level.percentile_ms(50):.1f}",
            f"{level.percentile_ms(95):.1f}",
            f"{level.percentile_ms(99):.1f}",
            f"{level.percentile_ms(100):.1f}",
            f"{level.cpu_per_turn_ms:.2f}",
            f"{level.bot_cpu_share:.2f}",
            f"{level.peak_memory / 2**20:.1f}",
            str(level.errors),
        ]
        if db:
            extra = level.extra_cpu_per_turn_ms
            row.insert(7, "-" if extra is None else f"{extra:.2f}")
        if baseline and result is not baseline:
            echo = baseline.level(level.users)
            row += _ratios(level, echo)
        busy = " ⚠" if level.others_cpu_share > CONTENDED else ""
        row += [f"{level.driver_cpu_share:.2f}", f"{level.others_cpu_share:.2f}{busy}"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _ratios(level: LevelResult, echo: LevelResult | None) -> list[str]:
    if echo is None or not echo.turns:
        return ["-", "-", "-"]
    return [
        f"{level.turns_per_second / echo.turns_per_second:.2f}×",
        f"{level.cpu_per_turn_ms / echo.cpu_per_turn_ms:.2f}×",
        f"{level.peak_memory / echo.peak_memory:.2f}×" if echo.peak_memory else "-",
    ]


def render(bench: Bench, pending: list[Pending], total_seconds: float) -> str:
    config = bench.config
    results = list(bench.results.values())
    baseline = bench.results.get("echo_baseline")
    out = [
        "# Benchmark report",
        "",
        f"Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by `make bench` in "
        f"{total_seconds / 60:.1f} min. Commit {_commit(str(config.bot_dir))}.",
        "",
        f"Machine: {os.cpu_count()} cores ({_cpu_model()}), Python {platform.python_version()}, "
        f"botbuilder-core {_version('botbuilder-core')}, msrest {_version('msrest')}, "
        f"aiohttp {_version('aiohttp')}, SQLAlchemy {_version('SQLAlchemy')}.",
        f"Settings: BENCH_SECONDS={config.seconds:g} (measured window per level), "
        f"BENCH_WARMUP={config.warmup:g}, BENCH_USERS={','.join(map(str, config.users))}, "
        f"BENCH_REFERRALS={config.referrals}.",
        "",
        "## Targets",
        "",
        "| scenario | target | measured | ratio to echo | verdict |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        for target in result.targets:
            out.append(
                f"| {target.scenario} | {target.name} | {target.measured} | {target.ratio} | "
                f"{_verdict(target.passed)} |"
            )
        if result.error:
            last = result.error.strip().splitlines()[-1]
            out.append(f"| {result.name} | (scenario failed) | {last} | | **FAIL** |")
    for item in pending:
        out.append(
            f"| {item.name} | {item.title} | not built yet: waits for {item.waits_for} | | n/a |"
        )
    for result in results:
        out += ["", f"## {result.title} (`{result.name}`, {result.elapsed:.0f} s)", ""]
        if result.description:
            out += [result.description, ""]
        if result.error:
            out += ["```", result.error, "```", ""]
        if result.levels:
            out += [_level_table(result, baseline), ""]
            kinds = {k: v for level in result.levels for k, v in level.error_kinds.items()}
            if kinds:
                out += [f"Errors by kind: {kinds}", ""]
        for heading, body in result.sections:
            out += [f"### {heading}", "", body, ""]
        for note in result.notes:
            out += [f"- {note}"]
        if result.notes:
            out.append("")
    out += [
        "## How it was measured",
        "",
        "- Three processes: the bot under test (`python -m bot` or the echo sample, alone in "
        "its process), and the bench (`python -m bench`: fake Bot Framework connector and "
        "load generator on one asyncio loop). Loopback only.",
        "- Closed loop: each virtual user has its own personal conversation and sends its next "
        "message only when the bot's reply to the previous one has reached the connector and "
        "the bot has answered the HTTP POST. Latency = send → last expected reply at the "
        "connector.",
        "- turns/s = turns completed inside the measured window ÷ window; the warm-up before "
        "each window is discarded.",
        "- CPU ms/turn = (utime + stime of the bot process, all threads, from /proc/<pid>/stat) "
        "over the window ÷ turns. SQLite work happens in the bot process (aiosqlite thread) "
        "and is included; PostgreSQL work happens in the server and is shown apart.",
        "- Peak RSS = VmHWM of the bot process, reset (clear_refs 5) at the start of each "
        "window, read at its end.",
        "- driver CPU = CPU of the bench process (connector + load generator): it must stay "
        "well under 1 core or the driver, not the bot, is the limit.",
        "- other load = the machine's busy CPU (/proc/stat, incl. steal) minus the bot, the "
        "bench and the database backends: someone else's work. On a shared 2-core machine "
        "a value well above 0.1 makes that row suspect; rerun when the machine is quiet.",
    ]
    return "\n".join(out) + "\n"
