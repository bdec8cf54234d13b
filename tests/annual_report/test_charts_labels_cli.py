"""Charts are deterministic and drawn in greys; the label file covers every id the bot stores;
`python -m bot report` writes the files, and refuses bad input and an old schema; the report
package stays in its layer."""

from __future__ import annotations

import ast
import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image

from annual_report import charts
from annual_report.figures import Chart, Column, Line, Table, compute
from annual_report.formatting import cell, number, slug
from annual_report.labels import danish
from bot.__main__ import main
from dialogs.referral.steps import BY_ID
from domain.casework import CloseOutcome
from domain.referral import AgeBand, Mode, OtherSign, SeriousSign, Unit
from domain.routing import Outcome, default_rules
from domain.statistics import HIDDEN, SMALL, Period, shown
from domain.training.events import EventKind
from domain.training.vocabulary import TOPICS
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.report_queries import ReportData
from tests.support.db import sqlite_url

ROOT = Path(__file__).resolve().parents[2]
LABELS = danish()


def sample_table() -> Table:
    values = [(shown(120), shown(98)), (SMALL, shown(7)), (shown(0), HIDDEN), (shown(12), SMALL)]
    lines = [Line(f"2026-{k + 1:02d}", f"måned {k + 1}", pair) for k, pair in enumerate(values)]
    return Table(
        "month", "referrals", "Henvendelser pr. måned", "", "Måned",
        (Column("a", "2026"), Column("b", "2025")), tuple(lines),
        Chart("line", "Henvendelser pr. måned", (0, 1)),
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["line", "bars"])
def test_charts_are_deterministic_greyscale_pngs(kind: str, tmp_path: Path) -> None:
    table = sample_table()
    table = dataclasses.replace(table, chart=Chart(kind, "Titel", (0, 1)))
    first = charts.render(table, tmp_path / "a.png", LABELS).read_bytes()
    second = charts.render(table, tmp_path / "b.png", LABELS).read_bytes()
    assert first == second
    assert b"Software" not in first and b"matplotlib" not in first.lower()
    image = Image.open(tmp_path / "a.png").convert("RGB")
    assert image.width >= 1000
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert all(max(rgb) - min(rgb) <= 8 for _, rgb in colours)  # grey only


def test_danish_numbers() -> None:
    assert number(1234567) == "1.234.567"
    assert number(0.125, 2) == "0,13"  # half up, as Excel rounds
    assert number(-0.001, 2) == "0,00"
    assert cell(shown(1234), "count", LABELS, csv=True) == "1234"
    assert cell(shown(3), "change", LABELS) == "+3"
    assert cell(shown(-12.5), "change_percent", LABELS) == "-13 %"
    assert cell(SMALL, "count", LABELS) == "<5" and cell(HIDDEN, "days", LABELS) == "x"
    assert slug("Fremmøde og ventelisten") == "fremmoede-og-ventelisten"


def test_the_label_file_covers_every_stored_id() -> None:
    groups = LABELS.data["categories"]
    route_rules = [rule.id for rule in default_rules().rules if rule.outcome is Outcome.ROUTE]
    expected = {
        "mode": [mode.value for mode in Mode],
        "rule": route_rules,
        "unit": [unit.value for unit in Unit],
        "route": [*(unit.value for unit in Unit), "ssp_plus"],
        "role": list(BY_ID["role"].fields[0].options),
        "administration": list(BY_ID["role"].fields[1].options),
        "age_band": [band.value for band in AgeBand],
        "sign": [*(s.value for s in SeriousSign), *(s.value for s in OtherSign)],
        "outcome": [*(o.value for o in CloseOutcome), "open"],
        "event_kind": [kind.value for kind in EventKind],
        "topic": list(TOPICS),
    }
    for group, ids in expected.items():
        assert list(groups[group]) == ids, group


def test_an_empty_year_gives_zeros_and_dashes() -> None:
    report = compute(
        ReportData((), (), (), ()),
        Period(date(2026, 1, 1), date(2026, 12, 31)),
        now=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert report.headline.figure("referrals").current == shown(0)
    assert report.headline.figure("claim_median").current.mark.value == "empty"


async def test_the_report_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqlite_url(tmp_path)
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "reports" / "2026"
    argv = ["report", "--from", "2026-01-01", "--to", "2026-12-31", "--out", str(out)]
    assert await _run(argv) == 0
    assert (out / "rapport.html").is_file()
    assert len(list(out.glob("*.csv"))) == 20 and len(list(out.glob("*.png"))) == 7
    bad = ["report", "--from", "2026-12-31", "--to", "2026-01-01", "--out", str(out)]
    assert await _run(bad) == 2


async def test_the_report_command_refuses_an_unmigrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    argv = ["report", "--from", "2026-01-01", "--to", "2026-12-31", "--out", str(tmp_path)]
    assert await _run(argv) == 2
    assert "python -m bot migrate" in capsys.readouterr().out


async def _run(argv: list[str]) -> int:
    import asyncio

    # The command runs its own event loop; give it a thread of its own.
    return await asyncio.to_thread(main, argv)


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_report_package_stays_in_its_layer() -> None:
    for path in (ROOT / "annual_report").rglob("*.py"):
        assert imports_of(path) & {"bot", "dialogs", "botbuilder", "aiohttp"} == set(), path
    for layer in ("dialogs", "storage", "domain"):
        for path in (ROOT / layer).rglob("*.py"):
            assert "annual_report" not in imports_of(path), path
    # matplotlib is loaded for the files only, never by the running bot.
    for name in ("figures.py", "labels.py", "formatting.py"):
        assert "matplotlib" not in imports_of(ROOT / "annual_report" / name)
