"""Where a turn's CPU goes: `python -m bench.profile [referral_sqlite|referral_postgres|echo]`.

Runs the process under test exactly as the scenario does, loads it closed-loop at `--users`,
and samples it with py-spy (`.venv/bin/pip install py-spy`) for `--seconds` after the warm-up.

Only samples of threads holding the GIL are kept (`--gil`): without it py-spy counts threads
that wait for the GIL (16 aiosqlite workers do) and the loop's epoll wait as busy, which
skews every share. The main thread's samples are then scaled to its CPU per turn measured in
/proc/<pid>/task; the other threads' CPU (SQLite's C code, GIL released) is given in total. Writes
bench/results/profile-<name>-<users>u.{txt,md}: the collapsed stacks (feed them to
flamegraph.pl or speedscope) and a summary: CPU per turn split by cost bucket, top functions
by inclusive and by self time.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench import botproc, pg, procstat
from bench.core import Bench, Config
from bench.fake_connector import FakeConnector
from bench.loadgen import Level, LoadGenerator, Step
from bench.scenarios import referral_dialog
from bench.scenarios.common import summary

# Cost buckets: the first pattern that matches a frame, walking a stack from its leaf up,
# owns the sample. Order matters: specific before general.
BUCKETS: list[tuple[str, str]] = [
    ("msrest (de)serialisation", r"msrest/serialization\.py"),
    ("msrest pipeline / ConnectorClient", r"msrest/|botframework/connector/"),
    ("jsonpickle", r"jsonpickle/"),
    ("babel (dates)", r"babel/"),
    ("AES-GCM / HMAC", r"cryptography/|storage/crypto\.py|hmac\.py"),
    ("SQLAlchemy", r"sqlalchemy/"),
    ("aiosqlite + sqlite3", r"aiosqlite/|sqlite3/"),
    ("asyncpg", r"asyncpg/"),
    ("logging", r"logging/|bot/logging_setup\.py"),
    ("json (stdlib)", r"/json/"),
    ("uuid", r"/uuid\.py"),
    ("cards (dialogs/*cards*.py)", r"dialogs/(referral/)?cards\.py"),
    ("dialogs (our conversation code)", r"dialogs/|domain/"),
    ("storage (our SQL code)", r"storage/"),
    ("bot (our transport code)", r"bot/"),
    ("botbuilder (TurnContext, adapter)", r"botbuilder/"),
    ("aiohttp", r"aiohttp/|multidict/|yarl/"),
    ("asyncio event loop + sockets", r"asyncio/|selectors\.py|socket\.py"),
    ("threading / concurrent.futures", r"threading\.py|concurrent/"),
]

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")


def _frames(stack: str) -> list[tuple[str, str]]:
    found = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame)
        if match:
            found.append((match["func"], match["file"]))
        else:
            found.append((frame, ""))
    return found


def _short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/lib/python3":
                path = path.split("/", 1)[1] if "/" in path else path
    return path


def _load(collapsed: str) -> tuple[Counter[str], Counter[str]]:
    """(main-thread stacks, other threads' stacks) from py-spy's raw output with --threads."""
    main: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        thread, _, rest = stack.partition(";")
        (main if "MainThread" in thread else others)[rest] += int(count)
    return main, others


def _bucket(frames: list[tuple[str, str]]) -> str:
    for _func, path in reversed(frames):
        for bucket, pattern in BUCKETS:
            if re.search(pattern, path):
                return bucket
    return "other"


def analyse(collapsed: str, *, rate: int, turns: float, main_ms: float, others_ms: float) -> str:
    """Each GIL-holding sample of the main thread stands for 1/rate s of its CPU."""
    main, _others = _load(collapsed)
    total = sum(main.values()) or 1
    buckets: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for stack, count in main.items():
        frames = _frames(stack)
        buckets[_bucket(frames)] += count
        leaf_func, leaf_path = frames[-1]
        own[f"{leaf_func} ({_short(leaf_path)})"] += count
        for key in {f"{func} ({_short(path)})" for func, path in frames}:
            inclusive[key] += count
    sampled_ms = 1000 * total / rate / turns

    def table(title: str, counts: Counter[str], limit: int) -> list[str]:
        lines = [f"### {title}", "", "| % | ms per turn | what |", "|---|---|---|"]
        for key, count in counts.most_common(limit):
            lines.append(
                f"| {100 * count / total:.1f} | {1000 * count / rate / turns:.3f} | `{key}` |"
            )
        return [*lines, ""]

    out = [
        f"Main thread: {total} samples holding the GIL = {sampled_ms:.2f} ms/turn of the "
        f"{main_ms:.2f} ms/turn of CPU /proc gives it ({100 * sampled_ms / main_ms:.0f} %); the "
        "rest is C code that releases the GIL (SQLite, syscalls). Other threads: "
        f"{others_ms:.2f} ms/turn of CPU (aiosqlite workers: SQLite's C code, not sampled). A "
        "sample belongs to the innermost frame that matches a bucket.",
        "",
    ]
    out += table("Main thread CPU by cost bucket", buckets, 40)
    out += table("Main thread: top functions, inclusive", inclusive, 80)
    out += table("Main thread: top functions, self", own, 40)
    return "\n".join(out)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


async def profile(target: str, users: int, seconds: float, rate: int) -> Path:
    config = Config.from_env()
    bench = Bench(config)
    results = config.results
    results.mkdir(parents=True, exist_ok=True)
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if py_spy is None:
        raise SystemExit("py-spy is missing: .venv/bin/pip install py-spy")
    connector = FakeConnector(keep_calls=False)
    await connector.start()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as scratch:
        workdir = Path(scratch)
        database = None
        try:
            if target == "referral_postgres":
                database = pg.scratch_database(config.postgres_url, "profile")
                url = await database.__aenter__()
            else:
                url = f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}"
            if target == "echo":
                bot = await botproc.start(
                    "profile-echo",
                    "bench.echo_bot",
                    env={},
                    logs=bench.logs,
                    ready_path="/api/messages",
                    python=config.python,
                )
                script, is_error = [Step("hej")], (lambda body: False)
            else:
                bot = await referral_dialog.start_bot(bench, f"profile-{target}", url, workdir)
                failures = referral_dialog._texts_that_mean_failure()
                script = referral_dialog.WALK
                is_error = referral_dialog.is_failure_reply(failures)
            try:
                generator = LoadGenerator(
                    connector=connector,
                    bot_url=bot.url,
                    bot_pid=bot.pid,
                    script=script,
                    run=f"profile-{target}",
                    is_error=is_error,
                )
                stem = results / f"profile-{target}-{users}u"
                warmup = config.warmup

                async def sample() -> tuple[dict[int, float], dict[int, float]]:
                    await asyncio.sleep(warmup)
                    threads_before = procstat.thread_cpu(bot.pid)
                    raw = await asyncio.create_subprocess_exec(
                        py_spy,
                        "record",
                        "--pid",
                        str(bot.pid),
                        "--rate",
                        str(rate),
                        "--duration",
                        str(int(seconds)),
                        "--format",
                        "raw",
                        "--output",
                        f"{stem}.txt",
                        "--threads",
                        "--gil",
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=asyncio.subprocess.PIPE,
                    )
                    _, err = await raw.communicate()
                    if raw.returncode != 0:
                        raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')}")
                    return threads_before, procstat.thread_cpu(bot.pid)

                bench.progress(f"profiling {target} at {users} users for {seconds:.0f} s")
                sampler = asyncio.create_task(sample())
                level = await generator.run_level(
                    Level(users, warmup, seconds + 2, config.max_turns)
                )
                threads_before, threads_after = await sampler
                bench.progress(f"{target}: {summary(level)}")
                main_thread = threads_after.get(bot.pid, 0.0) - threads_before.get(bot.pid, 0.0)
                others = procstat.cpu_used_between(threads_before, threads_after) - main_thread
                busy = [t for t in threads_after if t != bot.pid]
            finally:
                await bot.stop()
        finally:
            await connector.stop()
            if database is not None:
                await database.__aexit__(None, None, None)
    collapsed = _read(Path(f"{stem}.txt"))
    turns = level.turns_per_second * seconds
    report = analyse(
        collapsed,
        rate=rate,
        turns=turns,
        main_ms=1000 * main_thread / turns,
        others_ms=1000 * others / turns,
    )
    header = (
        f"# Profile: {target}, {users} users, {seconds:.0f} s, py-spy {rate} Hz\n\n"
        f"Load during the profile: {summary(level)}.\n\n"
        f"CPU by thread (/proc/<pid>/task, during the py-spy window): main thread (event "
        f"loop) {1000 * main_thread / turns:.2f} ms/turn, {len(busy)} other threads "
        f"(aiosqlite connection workers, executors) {1000 * others / turns:.2f} ms/turn.\n\n"
    )
    _write(Path(f"{stem}.md"), header + report)
    bench.progress(f"wrote {stem}.md and {stem}.txt")
    return Path(f"{stem}.md")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument(
        "target",
        nargs="?",
        default="referral_sqlite",
        choices=["referral_sqlite", "referral_postgres", "echo"],
    )
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=100)
    args = parser.parse_args()
    path = asyncio.run(profile(args.target, args.users, args.seconds, args.rate))
    print(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
