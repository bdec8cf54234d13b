"""`make bench` = `python -m bench [SCENARIO ...]`: run the scenarios (all by default, or those
named here or in BENCH_SCENARIOS), print progress, write bench/results/report.md.

Settings come from the environment (see bench/core.py `Config` and docs/performance.md);
`python -m bench --list` lists the scenarios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import traceback

from bench.core import Bench, Config, ScenarioResult
from bench.report import render
from bench.scenarios import PENDING, SCENARIOS


async def run(names: list[str]) -> int:
    bench = Bench(Config.from_env())
    config = bench.config
    config.results.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in SCENARIOS if not names or s.name in names]
    unknown = set(names) - {s.name for s in SCENARIOS}
    if unknown:
        print(f"unknown scenario(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    bench.progress(
        f"{len(chosen)} scenario(s): {', '.join(s.name for s in chosen)}; "
        f"{config.seconds:g} s per level after {config.warmup:g} s warm-up, users {config.users}"
    )
    started = time.monotonic()
    failed = False
    for scenario in chosen:
        bench.progress(f"== {scenario.name}: {scenario.title}")
        try:
            result = await scenario.run(bench)
        except Exception:
            failed = True
            result = ScenarioResult(scenario.name, scenario.title, error=traceback.format_exc())
            bench.progress(f"{scenario.name} FAILED:\n{result.error}")
        bench.results[scenario.name] = result
        report = render(bench, PENDING if not names else [], time.monotonic() - started)
        (config.results / "report.md").write_text(report, encoding="utf-8")
    path = config.results / "report.md"
    bench.progress(f"report: {path}")
    verdicts = [t.passed for r in bench.results.values() for t in r.targets]
    bench.progress(
        f"targets: {verdicts.count(True)} PASS, {verdicts.count(False)} FAIL, "
        f"{verdicts.count(None)} n/a"
    )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args()
    if args.list:
        for scenario in SCENARIOS:
            print(f"{scenario.name:22} {scenario.title}")
        for pending in PENDING:
            print(f"{pending.name:22} (not built yet) {pending.title}")
        return 0
    names = args.scenarios or [n for n in os.environ.get("BENCH_SCENARIOS", "").split(",") if n]
    return asyncio.run(run(names))


if __name__ == "__main__":
    sys.exit(main())
