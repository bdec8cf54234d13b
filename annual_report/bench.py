"""How long the report takes on a large year: `annual_report.bench.run(100_000)`.

Fills a database (a temporary SQLite file unless `database_url` names an empty, migrated one)
with `n` referrals filed through the year before `year` and `n` in `year` (so the comparison
with the year before has as much to read), their history as the consultant side writes it
(filed, claimed, transferred, reminded, escalated, closed), gate answers and a training
catalogue with sign-ups; then times `python -m bot report` for `year` end to end (read,
compute, CSV, PNG, HTML). The rows are shaped like the repositories' but written in bulk, and
the encrypted columns hold placeholders: the report never reads them.

    .venv/bin/python -m annual_report.bench 100000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from annual_report.cli import generate
from domain.statistics import Period
from domain.training.vocabulary import TOPICS
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.models import Base

TABLES = Base.metadata.tables
ROLES = ("teacher", "club", "street", "caseworker", "jobcentre", "health", "ssp", "other")
ADMINISTRATIONS = ("buf", "sof", "bif", "kff", "suf", "other")
AGE_BANDS = ("under_10", "10_14", "15_17", "18_25", "over_25", "unknown")
SERIOUS = ("violence", "weapons", "threats", "arson_vandalism", "violent_messages")
OTHER = ("extremist_content", "intolerance", "us_vs_them", "symbols", "isolation")
OUTCOMES = ("advice_given", "ssp_local_committee", "social_services", "infohus_police", "unfounded")
KINDS = ("talk", "theme_day", "further_education", "dialogue_meeting", "network_meeting")
CHUNK = 5000


@dataclass(frozen=True)
class BenchResult:
    referrals: int  # in the reported year
    fill_seconds: float
    report_seconds: float
    files: int
    database: str


def run(
    n: int = 100_000,
    *,
    year: int = 2026,
    database_url: str | None = None,
    out: Path | None = None,
    seed: int = 8,
) -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="report-bench-") as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        return asyncio.run(_run(n, year, url, out or Path(folder) / "report", seed))


async def _run(n: int, year: int, url: str, out: Path, seed: int) -> BenchResult:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        started = time.perf_counter()
        await fill(engine, n, year=year, seed=seed)
        filled = time.perf_counter()
        period = Period(date(year, 1, 1), date(year, 12, 31))
        written = await generate(engine, period, out, now=datetime(year + 1, 1, 15, tzinfo=UTC))
        done = time.perf_counter()
    finally:
        await engine.dispose()
    return BenchResult(n, filled - started, done - filled, len(written.files), engine.dialect.name)


async def fill(engine: AsyncEngine, n: int, *, year: int, seed: int = 8) -> None:
    """n referrals in `year` and n in the year before, with history, gates and training."""
    rng = random.Random(seed)
    async with engine.begin() as connection:
        next_id = 1
        for filed_year in (year - 1, year):
            referrals, events = [], []
            for sequence in range(1, n + 1):
                referral, history = _referral(rng, next_id, filed_year, sequence)
                referrals.append(referral)
                events.extend(history)
                next_id += 1
                if len(referrals) >= CHUNK:
                    await connection.execute(insert(TABLES["referrals"]), referrals)
                    await connection.execute(insert(TABLES["referral_events"]), events)
                    referrals, events = [], []
            if referrals:
                await connection.execute(insert(TABLES["referrals"]), referrals)
                await connection.execute(insert(TABLES["referral_events"]), events)
            gates = [
                {"kind": rng.choice(("question", "question", "acute", "not_copenhagen")),
                 "at": _moment(rng, filed_year)}
                for _ in range(max(1, n // 5))
            ]  # fmt: skip
            await connection.execute(insert(TABLES["gate_answers"]), gates)
            await _training(connection, rng, filed_year, max(5, n // 500))


def _moment(rng: random.Random, year: int) -> datetime:
    start = datetime(year, 1, 1, tzinfo=UTC)
    return start + timedelta(seconds=rng.randrange(364 * 86400))


def _referral(
    rng: random.Random, referral_id: int, year: int, sequence: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    created = _moment(rng, year)
    anonymous = rng.random() < 0.3
    age = rng.choice(AGE_BANDS)
    signs = rng.sample(SERIOUS + OTHER, rng.randrange(0, 4))
    serious = any(sign in SERIOUS for sign in signs)
    if anonymous:
        rule, unit = ("anonymous_crime_preventive" if serious else "anonymous"), "vink"
    elif serious or rng.random() < 0.1:
        rule, unit = "crime_preventive", "ssp"
    else:
        rule, unit = ("polarisation" if signs else "unclear"), "vink"
    tags = "SSP+" if unit == "ssp" and age == "18_25" else ""
    events = [_event(referral_id, created, "filed", "new", unit)]
    now_unit, at = unit, created
    if rng.random() < 0.05 and not anonymous:
        at += timedelta(hours=rng.uniform(1, 30))
        now_unit = "vink" if unit == "ssp" else "ssp"
        events.append(_event(referral_id, at, "transferred", "new", now_unit))
    status, claimed_at, closed_at, outcome = "new", None, None, None
    wait = timedelta(hours=rng.expovariate(1 / 20))
    if wait > timedelta(hours=24):
        events.append(_event(referral_id, at + timedelta(hours=24), "reminded", "new", now_unit))
    if wait > timedelta(hours=72):
        events.append(_event(referral_id, at + timedelta(hours=72), "escalated", "new", now_unit))
    if rng.random() < 0.95:
        claimed_at, status = at + wait, "claimed"
        events.append(_event(referral_id, claimed_at, "claimed", "claimed", now_unit))
        if rng.random() < 0.9:
            closed_at = claimed_at + timedelta(days=rng.uniform(0.2, 40))
            status, outcome = "closed", rng.choice(OUTCOMES)
            events.append(_event(referral_id, closed_at, "closed", "closed", now_unit))
    row = {
        "id": referral_id,
        "reference": f"BEK-{year}-{sequence:04d}",
        "year": year,
        "sequence": sequence,
        "mode": "anonymous" if anonymous else "named",
        "status": status,
        "unit": now_unit,
        "rule_id": rule,
        "tags": tags,
        "age_band": age,
        "residence": "yes",
        "crime_status": "none_known",
        "signs": ",".join(signs),
        "has_serious_sign": serious,
        "employee_role": rng.choice(ROLES),
        "employee_administration": rng.choice(ADMINISTRATIONS),
        "employee_pseudonym": f"{rng.getrandbits(128):032x}",
        "description_enc": "-",
        "context_enc": "-",
        "created_at": created,
        "updated_at": closed_at or created,
        "unit_since": at,
        "claimed_at": claimed_at,
        "closed_at": closed_at,
        "outcome": outcome,
    }
    return row, events


def _event(referral_id: int, at: datetime, kind: str, status: str, unit: str) -> dict[str, Any]:
    return {"referral_id": referral_id, "at": at, "kind": kind, "status": status, "unit": unit}


async def _training(connection: Any, rng: random.Random, year: int, events: int) -> None:
    for number in range(events):
        starts = _moment(rng, year)
        row = {
            "kind": rng.choice(KINDS),
            "title": f"Arrangement {number}",
            "description": "",
            "topics": ",".join(rng.sample(TOPICS, rng.randrange(1, 3))),
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=3),
            "place": "",
            "online_url": "",
            "capacity": 30,
            "signup_deadline": starts - timedelta(days=1),
            "audience": "",
            "organiser": "",
            "status": "cancelled" if rng.random() < 0.05 else "scheduled",
            "version": 1,
            "last_sequence": 0,
            "created_at": starts - timedelta(days=30),
            "updated_at": starts - timedelta(days=30),
        }
        result = await connection.execute(
            insert(TABLES["training_events"]).returning(TABLES["training_events"].c.id), [row]
        )
        event_id = result.scalar_one()
        signups = list(_signups(rng, event_id, starts, rng.randrange(5, 45)))
        await connection.execute(insert(TABLES["training_signups"]), signups)


def _signups(
    rng: random.Random, event_id: int, starts: datetime, count: int
) -> Iterator[dict[str, Any]]:
    for sequence in range(1, count + 1):
        status = "confirmed" if sequence <= 30 else "waitlisted"
        if rng.random() < 0.1:
            status = "cancelled"
        yield {
            "event_id": event_id,
            "participant_id": f"bench-{event_id}-{sequence}",
            "participant_name_enc": None,
            "language": "da",
            "status": status,
            "sequence": sequence,
            "attended": rng.random() < 0.8 if status == "confirmed" else None,
            "created_at": starts - timedelta(days=10),
            "updated_at": starts - timedelta(days=10),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annual_report.bench", description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=100_000, help="referrals per year")
    parser.add_argument("--database-url", help="an empty database to fill (default: temp SQLite)")
    parser.add_argument("--out", type=Path, help="keep the report here")
    args = parser.parse_args(argv)
    result = run(args.n, database_url=args.database_url, out=args.out)
    print(
        f"report on {result.referrals} referrals ({result.database}): "
        f"{result.report_seconds:.1f} s (filling the database took {result.fill_seconds:.1f} s, "
        f"{result.files} files)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
