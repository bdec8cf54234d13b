"""A year of synthetic data on each backend, and the report written from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from annual_report.cli import generate
from annual_report.figures import Report, build
from annual_report.output import Written
from domain.statistics import Period
from tests.annual_report.synthetic import NOW, build_year

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))


@dataclass(frozen=True)
class Built:
    engine: AsyncEngine
    report: Report
    written: Written


@pytest.fixture
async def built(engine: AsyncEngine, tmp_path: Path) -> Built:
    await build_year(engine)
    written = await generate(engine, YEAR, tmp_path / "report", now=NOW)
    return Built(engine, await build(engine, YEAR, now=NOW), written)
