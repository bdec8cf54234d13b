"""Dates and periods in Danish and English questions, relative to a given "today".

`find_period(text, today)` reads the first period a normalised text names and returns it with
the character spans it used (so the rest of the question can be read without them):

| said | period |
|---|---|
| i dag, today / i morgen, tomorrow / i overmorgen | that day |
| denne uge, this week / næste uge, next week / uge 12, week 12 | Monday-Sunday (today on) |
| i weekenden, this weekend | the coming Saturday-Sunday |
| denne måned, this month / næste måned, next month | the month (today on) |
| i marts, in March, marts 2027 | the month; a month already past means next year's |
| den 12. marts, 12/3, March 12th, the 12th of March | that day; already past means next year |
| den 12., on the 12th | the next 12th of a month, today included |
| på torsdag, on Thursday, torsdag | the next Thursday after today |
| denne torsdag, this Thursday | the next Thursday, today included |
| næste torsdag, next Thursday, torsdag i næste uge | Thursday of next week |
| i foråret, this spring / sommer / efterår, autumn, fall / vinter | the season (today on) |
| i år, this year / næste år, next year | the year (today on) |

Weeks start on Monday (Danish usage). Nothing here reads the clock: "today" is passed in.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from domain.training.text import distance


@dataclass(frozen=True, slots=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive
    unit: str  # day | days | week | month | season | year: how to say it back

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, first: date, last: date) -> bool:
        return first <= self.end and last >= self.start


_MONTHS: dict[str, int] = {
    "januar": 1, "january": 1, "jan": 1,
    "februar": 2, "february": 2, "feb": 2,
    "marts": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "maj": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
# Words that are months only next to a day number or after "i"/"in" (may = "kan", mar = …).
_WEAK_MONTHS = frozenset({"may", "mar", "jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept",
                          "okt", "oct", "nov", "dec"})  # fmt: skip
_WEEKDAYS: dict[str, int] = {
    "mandag": 0, "tirsdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lørdag": 5, "søndag": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
_SEASONS: dict[str, tuple[int, int]] = {
    "foråret": (3, 5), "forår": (3, 5), "spring": (3, 5),
    "sommer": (6, 8), "sommeren": (6, 8), "summer": (6, 8),
    "efteråret": (9, 11), "efterår": (9, 11), "autumn": (9, 11), "fall": (9, 11),
    "vinter": (12, 2), "vinteren": (12, 2), "winter": (12, 2),
}  # fmt: skip

_WORD = r"[a-zæøå]+"
_ORDINAL = r"(?:\.|st\b|nd\b|rd\b|th\b)"
_YEAR = r"(?:,? (?P<year>20\d\d))?"


def _month_number(word: str) -> int | None:
    if word in _MONTHS:
        return _MONTHS[word]
    if len(word) >= 6:  # a typo in a long month name: "febuar", "setember"
        for name, number in _MONTHS.items():
            if len(name) >= 6 and distance(word, name) <= 1:
                return number
    return None


def _weekday_number(word: str) -> int | None:
    if word in _WEEKDAYS:
        return _WEEKDAYS[word]
    base = word[:-2] if word.endswith("en") else word  # "torsdagen"
    if base in _WEEKDAYS:
        return _WEEKDAYS[base]
    for name, number in _WEEKDAYS.items():
        if len(word) >= 6 and distance(word, name) <= 1:
            return number
    return None


def _next_year_if_past(today: date, month: int, day: int, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        if candidate < today:
            candidate = date(today.year + 1, month, day)
        return candidate
    except ValueError:
        return None


def _month_period(today: date, month: int, year: int | None) -> Period:
    if year is None:
        year = today.year if month >= today.month else today.year + 1
    first = date(year, month, 1)
    last = date(year, month, monthrange(year, month)[1])
    return Period(max(first, today) if first <= today <= last else first, last, "month")


def _week_of(monday: date, today: date) -> Period:
    return Period(max(monday, today), monday + timedelta(days=6), "week")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


Span = tuple[int, int]
_Found = tuple[Period, list[Span]]


def _explicit_date(text: str, today: date) -> _Found | None:
    # "12. marts", "den 12. marts 2027", "12 march", "the 12th of march"
    for match in re.finditer(
        rf"(?:\b(?:den|d\.|the|on the|on)\s)?\b(?P<day>\d{{1,2}}){_ORDINAL}?(?: of)? "
        rf"(?P<month>{_WORD}){_YEAR}",
        text,
    ):
        month = _month_number(match["month"])
        if month:
            year = int(match["year"]) if match["year"] else None
            day = _next_year_if_past(today, month, int(match["day"]), year)
            if day:
                return Period(day, day, "day"), [match.span()]
    # "march 12th", "march 12, 2027"
    for match in re.finditer(
        rf"\b(?P<month>{_WORD}) (?:the )?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b{_YEAR}", text
    ):
        month = _month_number(match["month"])
        if month:
            year = int(match["year"]) if match["year"] else None
            day = _next_year_if_past(today, month, int(match["day"]), year)
            if day:
                return Period(day, day, "day"), [match.span()]
    # "12/3", "d. 12/3", "12.3.", "12.3.2027" (Danish order: day first)
    for match in re.finditer(
        r"(?<![\d:])(?:\b(?:den|d\.) ?)?(?P<day>\d{1,2})[./](?P<month>\d{1,2})"
        r"(?:[./](?P<year>(?:20)?\d\d))?\.?(?![\d:])",
        text,
    ):
        if text[max(0, match.start() - 4) : match.start()].strip().endswith(("kl.", "kl")):
            continue
        month = int(match["month"])
        if not 1 <= month <= 12:
            continue
        year = int(match["year"]) if match["year"] else None
        if year is not None and year < 100:
            year += 2000
        day = _next_year_if_past(today, month, int(match["day"]), year)
        if day:
            return Period(day, day, "day"), [match.span()]
    return None


def _day_of_month(text: str, today: date) -> _Found | None:
    # "den 12.", "d. 12", "on the 12th", "the 12th", "12th"
    match = re.search(
        r"\b(?:den|d\.) ?(?P<a>\d{1,2})\b\.?(?!\d)"
        r"|\b(?:on )?(?:the )?(?P<b>\d{1,2})(?:st|nd|rd|th)\b",
        text,
    )
    if not match:
        return None
    number = int(match["a"] or match["b"])
    if not 1 <= number <= 31:
        return None
    year, month = today.year, today.month
    if number < today.day:
        month += 1
    for _ in range(13):
        if month > 12:
            year, month = year + 1, 1
        if number <= monthrange(year, month)[1]:
            day = date(year, month, number)
            return Period(day, day, "day"), [match.span()]
        month += 1
    return None


def _weekday(text: str, today: date) -> _Found | None:
    for match in re.finditer(
        rf"\b(?:(?P<lead>næste|next|på|on|denne|this|kommende|coming|om) )?(?P<day>{_WORD})\b",
        text,
    ):
        number = _weekday_number(match["day"])
        if number is None:
            continue
        lead = match["lead"]
        spans = [match.span()]
        next_week = re.search(r"\b(?:i )?(?:næste uge|next week|ugen efter)\b", text)
        if lead in ("næste", "next") or next_week:
            day = _monday(today) + timedelta(days=7 + number)
            if next_week:
                spans.append(next_week.span())
        else:
            ahead = (number - today.weekday()) % 7
            if ahead == 0 and lead not in ("denne", "this"):
                ahead = 7
            day = today + timedelta(days=ahead)
        return Period(day, day, "day"), spans
    return None


_RELATIVE_DAYS = (
    (r"\bi dag\b|\bidag\b|\btoday\b|\btonight\b", 0),
    (r"\bi overmorgen\b|\bday after tomorrow\b", 2),
    (r"\bi morgen\b|\bimorgen\b|\btomorrow\b", 1),
)


def _relative(text: str, today: date) -> _Found | None:
    for pattern, days in _RELATIVE_DAYS:
        match = re.search(pattern, text)
        if match:
            day = today + timedelta(days=days)
            return Period(day, day, "day"), [match.span()]
    match = re.search(r"\b(?:i )?(?:næste uge|next week|ugen efter)\b", text)
    if match:
        return _week_of(_monday(today) + timedelta(days=7), today), [match.span()]
    match = re.search(r"\b(?:i )?(?:denne uge|ugen|this week)\b", text)
    if match:
        return _week_of(_monday(today), today), [match.span()]
    match = re.search(r"\b(?:i |in )?(?:uge|week) (?P<week>\d{1,2})\b", text)
    if match:
        week = int(match["week"])
        for year in (today.year, today.year + 1):
            try:
                monday = date.fromisocalendar(year, week, 1)
            except ValueError:
                continue
            if monday + timedelta(days=6) >= today:
                return _week_of(monday, today), [match.span()]
    match = re.search(r"\b(?:i )?weekenden\b|\b(?:this |the )?weekend\b", text)
    if match:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            saturday = today - timedelta(days=1)
        return Period(max(saturday, today), saturday + timedelta(days=1), "days"), [match.span()]
    match = re.search(r"\b(?:i )?(?:denne måned|this month|resten af måneden)\b", text)
    if match:
        return _month_period(today, today.month, today.year), [match.span()]
    match = re.search(r"\b(?:i )?(?:næste måned|next month)\b", text)
    if match:
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return _month_period(today, month, year), [match.span()]
    return None


def _month(text: str, today: date) -> _Found | None:
    for match in re.finditer(
        rf"(?:\b(?P<lead>i|in|til|for|during|inden|før|by|først i|sidst i) (?P<month>{_WORD})"
        rf"|\b(?P<bare>{_WORD}))(?: måned)?{_YEAR}",
        text,
    ):
        word = match["month"] or match["bare"]
        if word is None:
            continue
        if match["bare"] and word in _WEAK_MONTHS:
            continue
        month = _month_number(word)
        if month is None:
            continue
        year = int(match["year"]) if match["year"] else None
        return _month_period(today, month, year), [match.span()]
    return None


def _season(text: str, today: date) -> _Found | None:
    for match in re.finditer(rf"\b(?:i |in |til |this |the )?(?:the )?(?P<word>{_WORD})\b", text):
        months = _SEASONS.get(match["word"])
        if months is None:
            continue
        first_month, last_month = months
        if first_month > last_month:  # winter: December to February
            first_year = today.year - 1 if today.month <= last_month else today.year
            start = date(first_year, first_month, 1)
            end = date(first_year + 1, last_month, monthrange(first_year + 1, last_month)[1])
        else:
            year = today.year if today.month <= last_month else today.year + 1
            start = date(year, first_month, 1)
            end = date(year, last_month, monthrange(year, last_month)[1])
        return Period(max(start, today), end, "season"), [match.span()]
    return None


def _year(text: str, today: date) -> _Found | None:
    match = re.search(r"\b(?:i år|this year|resten af året)\b", text)
    if match:
        return Period(today, date(today.year, 12, 31), "year"), [match.span()]
    match = re.search(r"\b(?:næste år|next year)\b", text)
    if match:
        year = today.year + 1
        return Period(date(year, 1, 1), date(year, 12, 31), "year"), [match.span()]
    return None


def find_period(text: str, today: date) -> tuple[Period | None, list[Span]]:
    """The period a normalised text names, most specific first; (None, []) if none."""
    for finder in (_explicit_date, _day_of_month, _weekday, _relative, _month, _season, _year):
        found = finder(text, today)
        if found:
            return found
    return None, []
