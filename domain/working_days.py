"""Working days in Copenhagen: response deadlines, reminders and "time to claim" in reports.

A working day is Monday to Friday, except
- Danish public holidays (helligdage): `public_holidays` computes them from Easter (Store
  bededag until 2023, abolished from 2024). The maintained `holidays` library is the reference:
  tests/domain/test_working_days.py checks that both agree on every year from 1900 to 2100, so
  a law change that a new release of the library knows about fails the tests. The service does
  not import the library: its first `holidays.Denmark` loads all ~250 countries' modules
  (~12 MiB for the life of the process; docs/performance.md, fix 4). And
- the days Copenhagen municipality's offices close although they are not public holidays:
  by default Grundlovsdag (5 June), juleaftensdag (24 December) and nytårsaftensdag
  (31 December). These are configurable (`WorkingCalendar.closed_days`). 1 May is deliberately
  not closed: it is a half or whole day off only under some collective agreements.

Working hours are 08:00-16:00 Europe/Copenhagen. All times are converted to that zone, so the
rules hold in both winter (+01:00) and summer time (+02:00).

Deadline rule (`add_working_days`): a referral received during working hours is due at the
same clock time n working days later (Friday 14:30 + 1 → Monday 14:30). One received outside
working hours (evening, night, weekend, holiday, closed day) counts as received at 08:00 on the
next working day (Friday 20:00 + 1 → Tuesday 08:00). Before 08:00 on a working day counts as
08:00 that day.

Report measure (`working_days_between`): the working hours that passed between two moments,
divided by the 8 hours of a working day. "0.5 working days" means four working hours; a
referral sent Friday 15:00 and claimed Monday 09:00 took 0.25 (two working hours). Nights,
weekends and holidays do not count. The two agree: the time between a start and its deadline
n working days later is exactly n.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class MonthDay(NamedTuple):
    month: int
    day: int


GRUNDLOVSDAG = MonthDay(6, 5)
CHRISTMAS_EVE = MonthDay(12, 24)  # juleaftensdag
NEW_YEARS_EVE = MonthDay(12, 31)  # nytårsaftensdag
DEFAULT_CLOSED_DAYS = frozenset({GRUNDLOVSDAG, CHRISTMAS_EVE, NEW_YEARS_EVE})


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    correction = (century + 8) // 25
    moon = (century - correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon + 15) % 30
    quarter, quarter_rest = divmod(year_of_century, 4)
    weekday = (32 + 2 * century_rest + 2 * quarter - epact - quarter_rest) % 7
    shift = (golden + 11 * epact + 22 * weekday) // 451
    month, day = divmod(epact + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


# Days after Easter Sunday: skærtorsdag, langfredag, påskedag, 2. påskedag, Kristi
# himmelfartsdag, pinsedag, 2. pinsedag.
_EASTER_OFFSETS = (-3, -2, 0, 1, 39, 49, 50)
_STORE_BEDEDAG = 26  # the fourth Friday after Easter; abolished from 2024 (lov nr. 214 af 2023)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Denmark's official public holidays in `year` (helligdage): nytårsdag, the Easter and
    Whitsun days, Kristi himmelfartsdag, Store bededag until 2023, juledag and 2. juledag. The
    same days as `holidays.Denmark(years=year)`, public category (tested from 1900 to 2100)."""
    easter = easter_sunday(year)
    offsets = (*_EASTER_OFFSETS, _STORE_BEDEDAG) if year <= 2023 else _EASTER_OFFSETS
    return frozenset(
        {date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)}
        | {easter + timedelta(days=offset) for offset in offsets}
    )


@dataclass(frozen=True)
class WorkingCalendar:
    closed_days: frozenset[MonthDay] = DEFAULT_CLOSED_DAYS
    day_start: time = time(8, 0)
    day_end: time = time(16, 0)

    def __post_init__(self) -> None:
        if self.day_start >= self.day_end:
            raise ValueError("a working day must start before it ends")
        for month, day in self.closed_days:
            date(2000, month, day)  # a leap year, so 29 February is allowed; raises if invalid

    @property
    def day_length(self) -> timedelta:
        return _at(date(2000, 1, 3), self.day_end) - _at(date(2000, 1, 3), self.day_start)

    def is_working_day(self, day: date) -> bool:
        day = _local_date(day)
        return (
            day.weekday() < 5
            and day not in public_holidays(day.year)
            and MonthDay(day.month, day.day) not in self.closed_days
        )

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day = _local_date(day) + timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def effective_start(self, moment: datetime) -> datetime:
        """When the working clock starts for something received at `moment` (see module doc)."""
        local = _local(moment)
        if self.is_working_day(local.date()):
            if local.time() < self.day_start:
                return _at(local.date(), self.day_start)
            if local.time() < self.day_end:
                return local
        return _at(self.next_working_day(local.date()), self.day_start)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The deadline n working days after `start`, in Europe/Copenhagen time."""
        if n < 0:
            raise ValueError("n must be 0 or more")
        begin = self.effective_start(start)
        day = begin.date()
        for _ in range(n):
            day = self.next_working_day(day)
        # Same wall-clock time, re-localised: across a DST weekend that is one hour more or less
        # in real time. The day is a working day, never a Sunday, so the time always exists.
        return _at(day, begin.time())

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working hours from start to end, in working days; negative if end is before start."""
        first, last = _local(start), _local(end)
        # Python compares and subtracts times of the same zone by wall clock, which is wrong in
        # the repeated autumn hour; decide the order in UTC. The overlaps below are safe by wall
        # clock: EU clocks change on a Sunday, which is never a working day.
        if last.astimezone(UTC) < first.astimezone(UTC):
            return -self.working_days_between(end, start)
        worked = timedelta(0)
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                opens, closes = _at(day, self.day_start), _at(day, self.day_end)
                worked += max(timedelta(0), min(last, closes) - max(first, opens))
            day += timedelta(days=1)
        return worked / self.day_length


DEFAULT_CALENDAR = WorkingCalendar()


def is_working_day(day: date, *, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> bool:
    return calendar.is_working_day(day)


def next_working_day(day: date, *, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date:
    return calendar.next_working_day(day)


def add_working_days(
    start: datetime, n: int, *, calendar: WorkingCalendar = DEFAULT_CALENDAR
) -> datetime:
    return calendar.add_working_days(start, n)


def working_days_between(
    start: datetime, end: datetime, *, calendar: WorkingCalendar = DEFAULT_CALENDAR
) -> float:
    return calendar.working_days_between(start, end)


def _local(moment: datetime) -> datetime:
    # A naive time could be UTC from a database or local from a form; guessing shifts
    # deadlines by one or two hours, so refuse.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"need a timezone-aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(COPENHAGEN)


def _local_date(day: date) -> date:
    # datetime is a subclass of date; its calendar day is the one in Copenhagen.
    return _local(day).date() if isinstance(day, datetime) else day


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock.replace(tzinfo=None), tzinfo=COPENHAGEN)
