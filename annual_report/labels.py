"""The report's Danish words, all in one data file (`labels_da.json`).

The report is a Danish document for the municipality's annual review, so it has one language;
the Teams card has its words in the bot's catalogue (`dialogs/catalogue/*/statistics.json`).
Category groups list their ids in report order; a stored id the file does not know (a renamed
rule, say) is shown as the id itself, after the known ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from domain.statistics import Mark, Period

LABELS_PATH = Path(__file__).with_name("labels_da.json")


@dataclass(frozen=True)
class Labels:
    data: dict[str, Any]

    def text(self, group: str, key: str, /, **values: Any) -> str:
        template = str(self.data[group][key])
        return template.format(**values) if values else template

    def table(self, table_id: str) -> tuple[str, str]:
        entry = self.data["tables"][table_id]
        return str(entry["title"]), str(entry["note"])

    def chart(self, table_id: str) -> str:
        return str(self.data["charts"][table_id])

    def category(self, group: str, key: str) -> str:
        return str(self.data["categories"][group].get(key, key))

    def categories(self, group: str, seen: Iterable[str] = ()) -> list[str]:
        """The group's ids in report order, then any other id seen in the data."""
        known = list(self.data["categories"][group])
        return known + sorted(set(seen) - set(known))

    def mark(self, mark: Mark) -> str:
        return str(self.data["marks"][mark.value])

    def method(self) -> list[str]:
        return [str(paragraph) for paragraph in self.data["method"]]

    def month(self, year: int, month: int, *, short: bool = False) -> str:
        name = self.category("month_short" if short else "month", str(month))
        return name if short else f"{name} {year}"

    def period(self, period: Period) -> str:
        """'2026' for a calendar year, 'marts 2026' for a month, else '1.1.2026–15.3.2026'."""
        first, last = period.first, period.last
        if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and (
            first.year == last.year
        ):
            return str(first.year)
        if first.day == 1 and (first.year, first.month) == (last.year, last.month):
            following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
            if (following - last).days == 1:
                return self.month(first.year, first.month)
        return f"{_day(first)}–{_day(last)}"


def _day(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


@cache
def danish() -> Labels:
    with open(LABELS_PATH, encoding="utf-8") as handle:
        return Labels(json.load(handle))
