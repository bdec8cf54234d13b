"""'Mine henvendelser' over 1,000,000 stored referrals: the database time of the query behind
`Referrals.of_employee` on PostgreSQL, and whether its plan uses `ix_referrals_employee`.

The schema comes from the real migrations (`python -m bot migrate` into a scratch database);
the rows are synthetic (COPY): employees with ~50 referrals each over five years, plus one
very active employee with 0.2 % of all rows (the worst case for 'newest 20 of mine'). The
statement measured is the one `Referrals.of_employee` really sends, caught on the engine, run
under `EXPLAIN (ANALYZE, BUFFERS)`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import event

from bench import botproc, pg
from bench.core import Bench, ScenarioResult, Target

INDEX = "ix_referrals_employee"
TARGET_MS = 20.0
SAMPLES = 200
EXPLAINED = 60
BATCH = 50_000
PER_EMPLOYEE = 50
HEAVY_SHARE = 0.002

COLUMNS = [
    "reference",
    "year",
    "sequence",
    "mode",
    "status",
    "unit",
    "rule_id",
    "tags",
    "age_band",
    "residence",
    "crime_status",
    "signs",
    "has_serious_sign",
    "employee_role",
    "employee_administration",
    "employee_pseudonym",
    "employee_name_enc",
    "employee_contact_enc",
    "description_enc",
    "context_enc",
    "youth_enc",
    "created_at",
    "updated_at",
    "respond_by",
]


def _token(rng: random.Random, size: int) -> str:
    """Looks like (and is as long as) an AES-GCM field token."""
    return "v1.bench." + base64.urlsafe_b64encode(rng.randbytes(size)).decode().rstrip("=")


def _rows(count: int, pseudonyms: list[str], heavy: str, seed: int = 7) -> Any:
    """Referrals in filing order (ids and created_at ascending), references gapless per year."""
    rng = random.Random(seed)
    start = datetime(2022, 1, 3, 8, tzinfo=UTC)
    span = timedelta(days=5 * 365).total_seconds()
    sequences: dict[int, int] = {}
    units = ("vink", "ssp")
    statuses = ("closed",) * 8 + ("new", "claimed")
    description = _token(rng, 240)  # one value: row width matters, randomness does not
    context = _token(rng, 90)
    for number in range(count):
        created = start + timedelta(seconds=span * number / count + rng.random())
        sequences[created.year] = sequence = sequences.get(created.year, 0) + 1
        named = rng.random() < 0.7
        employee = heavy if rng.random() < HEAVY_SHARE else rng.choice(pseudonyms)
        yield (
            f"BEK-{created.year}-{sequence:04d}",
            created.year,
            sequence,
            "named" if named else "anonymous",
            rng.choice(statuses),
            rng.choice(units),
            "crime_preventive",
            "SSP+",
            "18_plus",
            "yes",
            "none_known",
            "violence,intolerance",
            True,
            "teacher",
            "buf",
            employee,
            _token(rng, 24) if named else None,
            _token(rng, 60) if named else None,
            description,
            context,
            None,
            created,
            created,
            created + timedelta(days=14),
        )


def _plan_nodes(plan: dict[str, Any]) -> Any:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


@dataclass(frozen=True)
class MyReferralsQuery:
    name: str = "my_referrals_query"
    title: str = "'Mine henvendelser' over 1,000,000 stored referrals (PostgreSQL)"

    async def run(self, bench: Bench) -> ScenarioResult:
        started = time.monotonic()
        result = ScenarioResult(name=self.name, title=self.title, description=__doc__ or "")
        async with pg.scratch_database(bench.config.postgres_url, "query") as url:
            await self._migrate(bench, url)
            await self._measure(bench, url, result)
        result.elapsed = time.monotonic() - started
        return result

    async def _migrate(self, bench: Bench, url: str) -> None:
        bench.progress(f"{self.name}: migrating a scratch database")
        process = await asyncio.create_subprocess_exec(
            bench.config.python,
            "-m",
            "bot",
            "migrate",
            cwd=str(bench.config.bot_dir),
            env=botproc.loopback_env({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), 120)
        if process.returncode != 0:
            raise RuntimeError(f"migrate failed: {output.decode(errors='replace')[-2000:]}")

    async def _measure(self, bench: Bench, url: str, result: ScenarioResult) -> None:
        from storage.crypto import Cipher, generate_key, parse_keys
        from storage.engine import create_engine
        from storage.referrals import Referrals

        count = bench.config.referrals
        cipher = Cipher(parse_keys(f"bench:{generate_key()}"), random.Random(1).randbytes(32))
        employees = [f"aad-bench-employee-{n}" for n in range(max(1, count // PER_EMPLOYEE))]
        heavy_employee = "aad-bench-employee-heavy"
        pseudonyms = [cipher.pseudonym(e) for e in employees]

        bench.progress(f"{self.name}: loading {count:,} referrals with COPY …")
        loaded = time.monotonic()
        connection = await asyncpg.connect(pg.dsn(url), timeout=10)
        try:
            rows = _rows(count, pseudonyms, cipher.pseudonym(heavy_employee))
            done = 0
            while done < count:
                batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
                await connection.copy_records_to_table("referrals", records=batch, columns=COLUMNS)
                done += len(batch)
                if done % 200_000 < BATCH:
                    bench.progress(f"{self.name}: {done:,} rows")
            await connection.execute("ANALYZE referrals")
            size = await connection.fetchval(
                "SELECT pg_size_pretty(pg_total_relation_size('referrals'))"
            )
            heavy_rows = await connection.fetchval(
                "SELECT count(*) FROM referrals WHERE employee_pseudonym = $1",
                cipher.pseudonym(heavy_employee),
            )
        finally:
            await connection.close()
        load_seconds = time.monotonic() - loaded
        bench.progress(f"{self.name}: loaded in {load_seconds:.0f} s ({size}); querying")

        engine = create_engine(url)
        captured: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if "employee_pseudonym" in statement:
                captured.append((statement, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        referrals = Referrals(engine, cipher)
        rng = random.Random(11)
        sample = [heavy_employee, *rng.sample(employees, min(SAMPLES - 1, len(employees)))]
        wall: list[float] = []
        heavy_found = 0
        try:
            await referrals.of_employee(sample[1])  # connect, prepare
            for employee in sample:
                before = time.perf_counter()
                found = await referrals.of_employee(employee)
                wall.append(1000 * (time.perf_counter() - before))
                if employee == heavy_employee:
                    heavy_found = len(found)
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
            statement = captured[-1][0]
            # One statement per call: the last len(sample) captured belong to the sample, in
            # order (the busiest employee first).
            parameters = [params for _, params in captured[-len(sample) :]]
            explained = await self._explain(engine, statement, parameters[:EXPLAINED])
        finally:
            await engine.dispose()

        database_ms = [e["total_ms"] for e in explained]
        heavy = explained[0]
        uses_index = all(INDEX in e["indexes"] for e in explained)
        worst = max(database_ms)
        result.targets += [
            Target(
                self.name,
                f"query database time < {TARGET_MS:.0f} ms (EXPLAIN ANALYZE, worst of "
                f"{len(explained)} employees incl. the busiest)",
                f"worst {worst:.2f} ms, median {statistics.median(database_ms):.2f} ms",
                f"{worst / TARGET_MS:.2f}× of budget",
                worst < TARGET_MS,
            ),
            Target(
                self.name,
                f"plan uses {INDEX}",
                ", ".join(sorted({i for e in explained for i in e["indexes"]})) or "no index",
                "",
                uses_index,
            ),
        ]
        wall_sorted = sorted(wall)
        result.sections.append(
            (
                "Figures",
                "\n".join(
                    [
                        "| what | value |",
                        "|---|---|",
                        f"| referrals stored | {count:,} ({size} with indexes) |",
                        f"| employees | {len(employees):,} (~{PER_EMPLOYEE} each) + one with "
                        f"{heavy_rows:,} |",
                        f"| load time (COPY + ANALYZE) | {load_seconds:.1f} s |",
                        f"| database time, median / worst (planning + execution) | "
                        f"{statistics.median(database_ms):.3f} / {worst:.3f} ms |",
                        f"| busiest employee ({heavy_found} shown of {heavy_rows:,}) | "
                        f"{heavy['total_ms']:.3f} ms, {heavy['buffers']} buffers |",
                        f"| `Referrals.of_employee` wall time incl. SQLAlchemy + asyncpg, "
                        f"p50 / p95 / max of {len(wall)} | {wall_sorted[len(wall) // 2]:.2f} / "
                        f"{wall_sorted[int(len(wall) * 0.95)]:.2f} / {wall_sorted[-1]:.2f} ms |",
                    ]
                ),
            )
        )
        result.sections.append(
            (
                "Statement and plan (busiest employee)",
                f"```sql\n{statement}\n```\n\n```\n{heavy['text']}\n```",
            )
        )

    async def _explain(
        self, engine: Any, statement: str, parameter_sets: list[Any]
    ) -> list[dict[str, Any]]:
        """EXPLAIN ANALYZE the captured statement with each sampled employee's parameters."""
        explained = []
        async with engine.connect() as connection:
            for parameters in parameter_sets:
                raw = await connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", parameters
                )
                document = raw.scalar_one()
                plan = (json.loads(document) if isinstance(document, str) else document)[0]
                text = await connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
                )
                nodes = list(_plan_nodes(plan["Plan"]))
                explained.append(
                    {
                        "total_ms": plan["Planning Time"] + plan["Execution Time"],
                        "indexes": {n["Index Name"] for n in nodes if "Index Name" in n},
                        "buffers": sum(
                            nodes[0].get(k, 0) for k in ("Shared Hit Blocks", "Shared Read Blocks")
                        ),
                        "text": "\n".join(row[0] for row in text),
                    }
                )
        return explained


SCENARIO = MyReferralsQuery()
