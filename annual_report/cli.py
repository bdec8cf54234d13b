"""`python -m bot report --from 2026-01-01 --to 2026-12-31 --out reports/2026`.

The command only reads: it does not migrate the database (the bot does that at start) and
refuses a database whose schema is not the current one, naming the command that fixes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, date, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from annual_report.figures import build
from annual_report.output import Written, write
from domain.statistics import Period
from storage.engine import create_engine
from storage.migrate import alembic_config

log = logging.getLogger(__name__)


class ReportError(RuntimeError):
    pass


async def generate(
    engine: AsyncEngine, period: Period, out: Path, *, now: datetime | None = None
) -> Written:
    await _check_schema(engine)
    report = await build(engine, period, now=now or datetime.now(UTC))
    return await asyncio.to_thread(write, report, out)


async def _check_schema(engine: AsyncEngine) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    try:
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
            versions = {row[0] for row in found}
    except DBAPIError:
        versions = set()
    if head not in versions:
        raise ReportError(
            f"the database is not at the current schema ({head}); run `python -m bot migrate`"
        )


def run(database_url: str, first: date, last: date, out: Path) -> int:
    """The command: write the report, print where. Returns the exit code."""
    try:
        period = Period(first, last)
    except ValueError as exc:
        print(f"Report error: {exc}")
        return 2

    async def main() -> Written:
        engine = create_engine(database_url)
        try:
            return await generate(engine, period, out)
        finally:
            await engine.dispose()

    started = time.perf_counter()
    try:
        written = asyncio.run(main())
    except ReportError as exc:
        print(f"Report error: {exc}")
        return 2
    seconds = time.perf_counter() - started
    log.info(
        "report.done",
        extra={"files": len(written.files), "seconds": round(seconds, 2), "out": str(out)},
    )
    print(f"{written.html}  ({len(written.csv)} CSV, {len(written.png)} PNG, {seconds:.1f} s)")
    return 0
