"""The annual report over 100,000 referrals (issue #8: under a minute).

Fills a scratch SQLite database with `BENCH_REPORT_REFERRALS` synthetic referrals in the year
(plus as many in the year before, with their history, gate answers and training events) through
`annual_report.bench`, then times the whole `python -m bot report` work: read, compute, 20 CSV
files, 7 PNG charts and the HTML report.
"""

from __future__ import annotations

import asyncio
import os
import time

from annual_report.bench import run
from bench.core import Bench, ScenarioResult, Target

TARGET_SECONDS = 60.0


class ReportGeneration:
    name = "report_generation"
    title = "Annual report over 100,000 referrals"

    async def run(self, bench: Bench) -> ScenarioResult:
        count = int(os.environ.get("BENCH_REPORT_REFERRALS", "100000"))
        started = time.monotonic()
        bench.progress(f"{self.name}: filling {count:,} referrals and writing the report")
        result = await asyncio.to_thread(run, count)
        outcome = ScenarioResult(self.name, self.title, description=__doc__ or "")
        outcome.sections.append(
            (
                "Figures",
                "| what | value |\n|---|---|\n"
                f"| referrals in the year | {result.referrals:,} |\n"
                f"| fill time (not measured against the target) | {result.fill_seconds:.1f} s |\n"
                f"| report time (read, compute, CSV, PNG, HTML) | {result.report_seconds:.1f} s |\n"
                f"| files written | {result.files} |\n",
            )
        )
        outcome.targets.append(
            Target(
                self.name,
                f"report on {result.referrals:,} referrals < {TARGET_SECONDS:.0f} s",
                f"{result.report_seconds:.1f} s",
                f"{result.report_seconds / TARGET_SECONDS:.2f}× of budget",
                result.report_seconds < TARGET_SECONDS,
            )
        )
        outcome.elapsed = time.monotonic() - started
        return outcome


SCENARIO = ReportGeneration()
