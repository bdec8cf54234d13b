"""Catalogue files (YAML and CSV): a good file imports every event; a bad one reports every
bad row by its line and imports nothing, from the command line too."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import training_cli
from bot.settings import Settings
from dialogs.i18n import default_catalogue
from domain.training.catalogue_file import read_catalogue
from domain.training.questions import topic_of
from storage.crypto import cipher_from
from storage.training import Training
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY, sqlite_url

TEXT = default_catalogue().text
NOW = datetime(2027, 2, 24, 9, 0, tzinfo=UTC)

GOOD_YAML = """\
events:
  - key: temadag-some-2027
    kind: temadag
    title: "Temadag: Sociale medier"
    topics: [sociale medier, rekruttering]
    start: "2027-03-12 09:00"
    end: "15:30"
    place: Københavns Rådhus
    capacity: 60
    signup_deadline: 2027-03-05
  - key: oplaeg-intro
    kind: oplæg
    title: Hvad er radikalisering?
    topics: radikalisering
    start: 2027-04-08 14:00:00
    end: "2027-04-08 15:30"
    online_url: https://teams.microsoft.com/l/meetup-join/x
    capacity: 200
"""

BAD_YAML = """\
events:
  - key: ok-row
    kind: temadag
    title: Fin temadag
    start: "2027-03-12 09:00"
    end: "15:30"
    place: Rådhuset
    capacity: 60
  - key: bad-row
    kind: fest
    title: ""
    start: "2027-03-12 09:00"
    end: "08:00"
    place: Rådhuset
    capacity: -3
    colour: red
  - key: ok-row
    kind: oplæg
    title: Dubletnøgle
    start: "2027-03-13 09:00"
    end: "10:00"
    place: Rådhuset
    capacity: 5
"""

GOOD_CSV = (
    "\ufeffkey;kind;title;topics;start;end;place;capacity;signup_deadline\n"
    "netvaerk-maj;netværksmøde;SSP-netværksmøde;polarisering;2027-05-11 13:00;15:00;"
    "Valby Kulturhus;80;2027-05-04\n"
    "kursus-samtale;efteruddannelse;Den svære samtale;den svære samtale, polarisering;"
    "12.04.2027 09:00;16:00;VINK;24;\n"
)

BAD_CSV = (
    "key,kind,title,start,end,place,capacity\n"
    "a,temadag,Fin,2027-03-12 09:00,15:00,Rådhuset,10\n"
    "\n"
    "b,temadag,Uden sted,2027-03-12 09:00,15:00,,10\n"
    "c,temadag,Sommertid,2027-03-28 02:30,04:00,Rådhuset,10\n"
)


def read(text: str, file_format: str) -> object:
    return read_catalogue(text, file_format=file_format, topic_of=topic_of, now=NOW)


def test_a_good_yaml_file() -> None:
    report = read_catalogue(GOOD_YAML, file_format="yaml", topic_of=topic_of, now=NOW)

    assert report.ok
    assert [(line, event.key) for line, event in report.events] == [
        (2, "temadag-some-2027"),
        (11, "oplaeg-intro"),
    ]
    first, second = (event for _, event in report.events)
    assert first.topics == ("social_media", "recruitment")
    assert second.starts_at == datetime(2027, 4, 8, 12, 0, tzinfo=UTC)  # summer time


def test_a_bad_yaml_file_reports_every_bad_row_by_line_and_keeps_nothing() -> None:
    report = read_catalogue(BAD_YAML, file_format="yaml", topic_of=topic_of, now=NOW)

    assert not report.ok
    assert report.events == []
    found = {(p.line, p.problem.field, p.problem.code) for p in report.problems}
    assert found == {
        (9, "colour", "unknown_field"),
        (9, "kind", "unknown_kind"),
        (9, "title", "required"),
        (9, "end", "end_before_start"),
        (9, "capacity", "capacity_range"),
        (17, "key", "duplicate_key"),
    }


def test_csv_files_with_either_separator() -> None:
    report = read_catalogue(GOOD_CSV, file_format="csv", topic_of=topic_of, now=NOW)

    assert report.ok
    assert [(line, event.key) for line, event in report.events] == [
        (2, "netvaerk-maj"),
        (3, "kursus-samtale"),
    ]
    assert report.events[1][1].topics == ("conversations", "polarisation")


def test_a_bad_csv_file_names_the_lines() -> None:
    report = read_catalogue(BAD_CSV, file_format="csv", topic_of=topic_of, now=NOW)

    assert report.events == []
    assert {(p.line, p.problem.code) for p in report.problems} == {
        (4, "place_or_link"),
        (5, "nonexistent_time"),
    }


def test_broken_files() -> None:
    for text, file_format, code in (
        ("events: [", "yaml", "bad_yaml"),
        ("just a string", "yaml", "not_a_list"),
        ("", "yaml", "empty"),
        ("events:\n  - just text\n", "yaml", "not_a_mapping"),
        ("key,kind\nx,temadag,extra\n", "csv", "extra_columns"),
    ):
        report = read_catalogue(text, file_format=file_format, topic_of=topic_of)
        assert [p.problem.code for p in report.problems] == [code], text


async def test_the_import_command_imports_nothing_from_a_bad_file(tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), data_dir=str(tmp_path))
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    out = io.StringIO()

    code = await _in_thread(training_cli.import_events, settings, bad, out=out, language="en")

    assert code == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == TEXT("en", "training.import.failed", count=6)
    assert lines[1:] == [
        "Line 9: colour: unknown field",
        'Line 9: Type: "fest" is not a type; use oplæg, temadag, efteruddannelse, dialogmøde '
        "or netværksmøde",
        "Line 9: Title: is required",
        "Line 9: End: must be after the start",
        "Line 9: Seats: must be between 1 and 10000",
        "Line 17: Key: the key is also used on line 2",
    ]
    assert await _event_count(settings) == 0


async def test_the_import_command_imports_and_re_imports_by_key(tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), data_dir=str(tmp_path))
    good = tmp_path / "events.yaml"
    good.write_text(GOOD_YAML, encoding="utf-8")

    out = io.StringIO()
    dry = await _in_thread(training_cli.import_events, settings, good, dry_run=True, out=out)
    assert dry == 0
    assert out.getvalue().strip() == TEXT("da", "training.import.dry_run", count=2)
    assert await _event_count(settings) == 0

    out = io.StringIO()
    assert await _in_thread(training_cli.import_events, settings, good, out=out) == 0
    assert out.getvalue().strip() == TEXT(
        "da", "training.import.ok", created=2, updated=0, unchanged=0
    )

    good.write_text(GOOD_YAML.replace("capacity: 60", "capacity: 70"), encoding="utf-8")
    out = io.StringIO()
    assert await _in_thread(training_cli.import_events, settings, good, out=out) == 0
    assert out.getvalue().strip() == TEXT(
        "da", "training.import.ok", created=0, updated=1, unchanged=1
    )
    assert await _event_count(settings) == 2


async def test_seeding_is_idempotent(tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), data_dir=str(tmp_path))
    for _ in range(2):
        assert await _in_thread(training_cli.seed, settings, out=io.StringIO()) == 0
    count = await _event_count(settings, after=datetime.now(UTC))
    assert 8 <= count <= 12


async def _in_thread(function: object, *args: object, **kwargs: object) -> int:
    """The CLI runs its own event loop (asyncio.run); run it beside the test's loop."""
    import asyncio

    return int(await asyncio.to_thread(function, *args, **kwargs))  # type: ignore[arg-type]


async def _event_count(settings: Settings, *, after: datetime = NOW) -> int:
    from storage.engine import create_engine
    from storage.migrate import upgrade

    engine: AsyncEngine = create_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
        training = Training(engine, cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY))
        return len(await training.events(after=after, include_cancelled=True))
    finally:
        await engine.dispose()
