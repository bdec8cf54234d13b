"""`python -m bot.consultant_cli import-resource-persons`: the resource panel from YAML."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.consultant_cli import main, read_resource_persons
from domain.casework import default_topic_map
from storage.resource_persons import ResourcePersons
from tests.support.db import sqlite_url

GOOD = """
resource_persons:
  - name: Aisha Khan
    topics: [online_radicalisation, polarisation]
    competences: Sociale medier, dialog med unge
    contact: aisha.khan@kk.example
  - name: Bo Hansen
    topics: [family]
    competences: Familiearbejde
"""


def test_a_good_file_is_read() -> None:
    people, problems = read_resource_persons(GOOD, default_topic_map())
    assert problems == []
    assert [(p.name, p.topics, p.contact) for p in people] == [
        ("Aisha Khan", ("online_radicalisation", "polarisation"), "aisha.khan@kk.example"),
        ("Bo Hansen", ("family",), None),
    ]


def test_every_problem_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    path = tmp_path / "panel.yaml"
    path.write_text(
        "resource_persons:\n"
        "  - name: Aisha\n    topics: [tiktok]\n    competences: x\n"
        "  - name: aisha\n    topics: []\n    competences: ''\n    phone: 1\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert main(["import-resource-persons", str(path)], out) == 2
    report = out.getvalue()
    for expected in (
        "5 problem(s), nothing imported",
        "resource_persons[1]: unknown topic(s) ['tiktok']",
        "resource_persons[2]: unknown field(s) ['phone']",
        "resource_persons[2]: 'aisha' is listed twice",
        "resource_persons[2]: topics must be a non-empty list",
        "resource_persons[2]: competences are missing",
    ):
        assert expected in report


async def test_import_replaces_the_panel(
    tmp_path: Path, sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "panel.yaml"
    path.write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    out = io.StringIO()
    assert main(["import-resource-persons", str(path), "--dry-run"], out) == 0
    assert await ResourcePersons(sqlite_engine).active() == []

    # The CLI runs its own event loop, so run it in a thread.
    assert await asyncio.to_thread(main, ["import-resource-persons", str(path)], out) == 0
    assert [p.name for p in await ResourcePersons(sqlite_engine).active()] == [
        "Aisha Khan",
        "Bo Hansen",
    ]
