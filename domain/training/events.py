"""Training events: kinds, the validated event, and the checks every way in shares.

Organisers enter local Copenhagen times (a card form, a YAML or CSV file); the event keeps
UTC instants. `local_instant` turns a local date and time into an instant and refuses times
that do not exist (02:30 on the last Sunday of March); an ambiguous time (02:30 on the last
Sunday of October) means the first, summer-time occurrence.

A problem is reported as a `Problem(field, code, values)`; the text catalogue has
`training.problem.<code>` in every language, so the card form and the import command say the
same thing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 4000
SHORT_LIMIT = 300
URL_LIMIT = 1000
KEY_LIMIT = 100
CAPACITY_LIMIT = 10000


class EventKind(StrEnum):
    TALK = "talk"  # oplæg
    THEME_DAY = "theme_day"  # temadag
    FURTHER_EDUCATION = "further_education"  # efteruddannelse
    DIALOGUE_MEETING = "dialogue_meeting"  # dialogmøde
    NETWORK_MEETING = "network_meeting"  # netværksmøde


# The Danish names organisers write in catalogue files (the code names work too).
DANISH_KIND_NAMES: Mapping[str, EventKind] = {
    "oplæg": EventKind.TALK,
    "temadag": EventKind.THEME_DAY,
    "efteruddannelse": EventKind.FURTHER_EDUCATION,
    "dialogmøde": EventKind.DIALOGUE_MEETING,
    "netværksmøde": EventKind.NETWORK_MEETING,
}


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    code: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class InvalidEvent(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class EventData:
    """An event as organisers describe it; instants in UTC."""

    kind: EventKind
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signup_deadline: datetime
    topics: tuple[str, ...] = ()
    description: str = ""
    place: str = ""
    online_url: str = ""
    audience: str = ""
    organiser: str = ""
    key: str | None = None  # a stable id from a catalogue file, for re-imports

    def differs_for_participants(self, other: EventData) -> bool:
        """A change participants must be told about: time or place."""
        return (self.starts_at, self.ends_at, self.place, self.online_url) != (
            other.starts_at,
            other.ends_at,
            other.place,
            other.online_url,
        )


def kind_from(value: str) -> EventKind | None:
    said = value.strip().casefold()
    if said in DANISH_KIND_NAMES:
        return DANISH_KIND_NAMES[said]
    try:
        return EventKind(said)
    except ValueError:
        return None


def local_instant(day: date, clock: time) -> datetime:
    """The UTC instant of a Copenhagen wall-clock time. Raises ValueError for a time that
    does not exist (skipped by the change to summer time)."""
    local = datetime.combine(day, clock, tzinfo=COPENHAGEN)
    instant = local.astimezone(UTC)
    if instant.astimezone(COPENHAGEN).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("nonexistent local time")
    return instant


def local(moment: datetime) -> datetime:
    return moment.astimezone(COPENHAGEN)


_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DANISH_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_URL = re.compile(r"^https://[^\s<>\"']+$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    match = _DATE.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _DANISH_DATE.match(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def parse_time(value: Any) -> time | None:
    if isinstance(value, time):
        return value
    if isinstance(value, int) and 0 <= value < 24 * 60:  # YAML 1.1 reads 09:30 as minutes
        return time(value // 60, value % 60)
    match = _TIME.match(str(value or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_local_datetime(value: Any) -> tuple[date, time | None] | None:
    """A local date-time ("2027-03-12 09:00", "12.03.2027 09:00") or a date alone."""
    if isinstance(value, datetime):
        return value.date(), value.time().replace(second=0, microsecond=0)
    if isinstance(value, date):
        return value, None
    text = str(value or "").strip().replace("T", " ")
    parts = text.split()
    if len(parts) == 1:
        day = parse_date(parts[0])
        return (day, None) if day else None
    if len(parts) == 2:
        day, clock = parse_date(parts[0]), parse_time(parts[1])
        return (day, clock) if day and clock else None
    return None


@dataclass
class _Checker:
    problems: list[Problem] = dataclasses.field(default_factory=list)

    def add(self, name: str, code: str, **values: Any) -> None:
        self.problems.append(Problem(name, code, values))

    def text(self, raw: Mapping[str, Any], name: str, limit: int, *, required: bool = False) -> str:
        value = raw.get(name)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.add(name, "required")
        elif len(text) > limit:
            self.add(name, "too_long", limit=limit, length=len(text))
        return text


def build_event(
    raw: Mapping[str, Any], *, topic_of: Any = None, now: datetime | None = None
) -> EventData:
    """Check and convert one event as organisers write it. Raises `InvalidEvent` with every
    problem found (not just the first).

    Fields: kind, title, start ("YYYY-MM-DD HH:MM" local) and end (a full date-time, or a time
    on the start day), capacity, signup_deadline (date-time, or a date meaning the end of that
    day; default: the start), topics (list or ";"/","-separated; `topic_of` maps a word to a
    topic id or None), description, place, online_url, audience, organiser, key.
    `now` (optional) refuses events that have already started.
    """
    check = _Checker()
    kind_raw = str(raw.get("kind") or "").strip()
    kind = kind_from(kind_raw) if kind_raw else None
    if not kind_raw:
        check.add("kind", "required")
    elif kind is None:
        check.add("kind", "unknown_kind", value=kind_raw)
    title = check.text(raw, "title", TITLE_LIMIT, required=True)
    description = check.text(raw, "description", DESCRIPTION_LIMIT)
    place = check.text(raw, "place", SHORT_LIMIT)
    online_url = check.text(raw, "online_url", URL_LIMIT)
    audience = check.text(raw, "audience", SHORT_LIMIT)
    organiser = check.text(raw, "organiser", SHORT_LIMIT)
    key = check.text(raw, "key", KEY_LIMIT) or None
    if key and not _KEY.match(key):
        check.add("key", "bad_key", value=key)
    if online_url and not _URL.match(online_url):
        check.add("online_url", "bad_url", value=online_url)
    if not place and not online_url:
        check.add("place", "place_or_link")

    starts_at = _instant(check, raw, "start", default_time=None)
    ends_at: datetime | None = None
    end_raw = raw.get("end")
    end_time = parse_time(end_raw) if end_raw is not None else None
    if end_raw is None or str(end_raw).strip() == "":
        check.add("end", "required")
    elif end_time is not None:  # a time on the start day (unknown if the start is bad)
        if starts_at is not None:
            try:
                ends_at = local_instant(local(starts_at).date(), end_time)
            except ValueError:
                check.add("end", "nonexistent_time", value=str(end_raw))
    else:
        ends_at = _instant(check, raw, "end", default_time=None)
    if starts_at and ends_at and ends_at <= starts_at:
        check.add("end", "end_before_start")
    if starts_at and now and starts_at <= now:
        check.add("start", "in_the_past")

    deadline: datetime | None = starts_at
    if raw.get("signup_deadline") not in (None, ""):
        deadline = _instant(check, raw, "signup_deadline", default_time=time(23, 59))
        if deadline and starts_at and deadline > starts_at:
            check.add("signup_deadline", "deadline_after_start")

    capacity = _capacity(check, raw.get("capacity"))
    topics = _topics(check, raw.get("topics"), topic_of)

    if check.problems:
        raise InvalidEvent(check.problems)
    assert kind and starts_at and ends_at and deadline and capacity is not None
    return EventData(
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        signup_deadline=deadline,
        topics=topics,
        description=description,
        place=place,
        online_url=online_url,
        audience=audience,
        organiser=organiser,
        key=key,
    )


def _instant(
    check: _Checker, raw: Mapping[str, Any], name: str, *, default_time: time | None
) -> datetime | None:
    value = raw.get(name)
    if value is None or str(value).strip() == "":
        check.add(name, "required")
        return None
    parsed = parse_local_datetime(value)
    if parsed is None or (parsed[1] is None and default_time is None):
        check.add(name, "bad_datetime", value=str(value))
        return None
    day, clock = parsed
    try:
        return local_instant(day, clock or default_time or time(0, 0))
    except ValueError:
        check.add(name, "nonexistent_time", value=str(value))
        return None


def _capacity(check: _Checker, value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        check.add("capacity", "required")
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        check.add("capacity", "bad_number", value=str(value))
        return None
    if not 1 <= number <= CAPACITY_LIMIT:
        check.add("capacity", "capacity_range", limit=CAPACITY_LIMIT)
        return None
    return number


def _topics(check: _Checker, value: Any, topic_of: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list) else re.split(r"[;,]", str(value))
    found: list[str] = []
    for item in items:
        word = str(item).strip()
        if not word:
            continue
        topic = topic_of(word) if topic_of else word
        if topic is None:
            check.add("topics", "unknown_topic", value=word)
        elif topic not in found:
            found.append(topic)
    return tuple(found)
