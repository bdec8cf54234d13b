"""Catalogue files: events in bulk from YAML or CSV, every bad row reported by its line.

YAML: a list of events, or a mapping with an `events:` list. CSV: a header row of field names,
then one event per row, separated by "," or ";" (Danish Excel writes ";"), UTF-8 with or
without BOM; `topics` separated by ";" or ",". The fields are those of
`domain.training.events.build_event`; docs/training.md has the format with an example.

Reading never half-succeeds: `read_catalogue` returns the events only when every row is good,
otherwise every problem with its line number and no events.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import yaml

from domain.training.events import EventData, InvalidEvent, Problem, build_event

FIELDS = (
    "key",
    "kind",
    "title",
    "topics",
    "description",
    "start",
    "end",
    "place",
    "online_url",
    "capacity",
    "signup_deadline",
    "audience",
    "organiser",
)
# The demo catalogue says when relative to today instead of `start`/`end`/`signup_deadline`.
RELATIVE_FIELDS = ("in_days", "start_time", "end_time", "deadline_days_before")


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    problem: Problem


@dataclass
class CatalogueReport:
    events: list[tuple[int, EventData]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _yaml_rows(text: str) -> list[tuple[int, Any]]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    if root is None:
        return []
    items_node: Any = root
    items: Any = data
    if isinstance(root, yaml.MappingNode) and isinstance(data, dict):
        for key_node, value_node in root.value:
            if key_node.value == "events":
                items_node, items = value_node, data.get("events")
    if not isinstance(items_node, yaml.SequenceNode) or not isinstance(items, list):
        raise _FileProblem(1, "not_a_list")
    return [
        (node.start_mark.line + 1, item) for node, item in zip(items_node.value, items, strict=True)
    ]


def _csv_rows(text: str) -> list[tuple[int, Any]]:
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, Any]] = []
    for row in reader:
        if None in row:
            raise _FileProblem(reader.line_num, "extra_columns")
        if not any((value or "").strip() for value in row.values()):
            continue
        rows.append((reader.line_num, {k.strip(): v for k, v in row.items() if k}))
    return rows


class _FileProblem(Exception):
    def __init__(self, line: int, code: str) -> None:
        super().__init__(code)
        self.line = line
        self.code = code


def with_relative_dates(raw: Mapping[str, Any], today: date) -> dict[str, Any]:
    """`in_days: 12, start_time: "09:00", end_time: "15:30", deadline_days_before: 5` →
    `start`, `end` and `signup_deadline` relative to `today` (the demo catalogue)."""
    result = {k: v for k, v in raw.items() if k not in RELATIVE_FIELDS}
    if "in_days" in raw:
        day = today + timedelta(days=int(raw["in_days"]))
        result["start"] = f"{day.isoformat()} {raw.get('start_time', '09:00')}"
        result["end"] = str(raw.get("end_time", "15:00"))
        before = raw.get("deadline_days_before")
        if before is not None:
            result["signup_deadline"] = (day - timedelta(days=int(before))).isoformat()
    return result


def read_catalogue(
    text: str,
    *,
    file_format: str,
    topic_of: Callable[[str], str | None],
    now: datetime | None = None,
    today: date | None = None,
) -> CatalogueReport:
    """Read a whole file (`file_format` "yaml" or "csv"). `today` allows the relative fields of
    the demo catalogue; `now` refuses events that have already started."""
    report = CatalogueReport()
    try:
        rows = _yaml_rows(text) if file_format == "yaml" else _csv_rows(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        report.problems.append(RowProblem(line, Problem("file", "bad_yaml")))
        return report
    except csv.Error:
        report.problems.append(RowProblem(1, Problem("file", "bad_csv")))
        return report
    except _FileProblem as exc:
        report.problems.append(RowProblem(exc.line, Problem("file", exc.code)))
        return report
    if not rows:
        report.problems.append(RowProblem(1, Problem("file", "empty")))
        return report
    keys: dict[str, int] = {}
    allowed = set(FIELDS) | (set(RELATIVE_FIELDS) if today else set())
    for line, raw in rows:
        if not isinstance(raw, dict):
            report.problems.append(RowProblem(line, Problem("file", "not_a_mapping")))
            continue
        unknown = sorted(str(name) for name in raw if name not in allowed)
        for name in unknown:
            report.problems.append(RowProblem(line, Problem(name, "unknown_field")))
        values = with_relative_dates(raw, today) if today else raw
        try:
            event = build_event(values, topic_of=topic_of, now=now)
        except InvalidEvent as invalid:
            report.problems.extend(RowProblem(line, problem) for problem in invalid.problems)
            continue
        if event.key:
            if event.key in keys:
                report.problems.append(
                    RowProblem(line, Problem("key", "duplicate_key", {"line": keys[event.key]}))
                )
                continue
            keys[event.key] = line
        if not unknown:
            report.events.append((line, event))
    if report.problems:
        report.events = []
    return report
