"""Working days in Copenhagen: holidays, closed days, deadlines across weekends and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.working_days import (
    COPENHAGEN,
    DEFAULT_CLOSED_DAYS,
    MonthDay,
    WorkingCalendar,
    add_working_days,
    is_working_day,
    next_working_day,
    public_holidays,
    working_days_between,
)


def cph(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=COPENHAGEN)


# --- which days are working days --------------------------------------------------------------

CLOSED = [
    pytest.param(date(2026, 1, 10), id="saturday"),
    pytest.param(date(2026, 1, 11), id="sunday"),
    pytest.param(date(2026, 1, 1), id="nytaarsdag"),
    pytest.param(date(2026, 4, 2), id="skaertorsdag-2026"),
    pytest.param(date(2026, 4, 3), id="langfredag-2026"),
    pytest.param(date(2026, 4, 6), id="2-paaskedag-2026"),
    pytest.param(date(2027, 3, 25), id="skaertorsdag-2027"),
    pytest.param(date(2027, 3, 26), id="langfredag-2027"),
    pytest.param(date(2027, 3, 29), id="2-paaskedag-2027"),
    pytest.param(date(2026, 5, 14), id="kristi-himmelfart-2026"),
    pytest.param(date(2027, 5, 6), id="kristi-himmelfart-2027"),
    pytest.param(date(2026, 5, 25), id="2-pinsedag-2026"),
    pytest.param(date(2027, 5, 17), id="2-pinsedag-2027"),
    pytest.param(date(2026, 12, 25), id="juledag"),
    pytest.param(date(2025, 12, 26), id="2-juledag"),
    pytest.param(date(2023, 5, 5), id="store-bededag-2023"),
    # closed by default although not public holidays:
    pytest.param(date(2026, 6, 5), id="grundlovsdag"),
    pytest.param(date(2026, 12, 24), id="juleaftensdag"),
    pytest.param(date(2026, 12, 31), id="nytaarsaftensdag"),
]
OPEN = [
    pytest.param(date(2026, 1, 12), id="monday"),
    pytest.param(date(2026, 4, 1), id="wednesday-before-easter"),
    pytest.param(date(2026, 4, 7), id="tuesday-after-easter"),
    pytest.param(date(2026, 5, 15), id="friday-after-kristi-himmelfart"),
    pytest.param(date(2026, 5, 1), id="1-maj"),
    pytest.param(date(2024, 4, 26), id="store-bededag-abolished-from-2024"),
    pytest.param(date(2026, 12, 23), id="lillejuleaftensdag"),
    pytest.param(date(2027, 12, 27), id="monday-after-a-weekend-christmas"),
]


@pytest.mark.parametrize("day", CLOSED)
def test_closed_days(day: date) -> None:
    assert not is_working_day(day)


@pytest.mark.parametrize("day", OPEN)
def test_open_days(day: date) -> None:
    assert is_working_day(day)


def test_an_aware_datetime_counts_by_its_copenhagen_date() -> None:
    # 23:30 UTC on 23 December is already juleaftensdag in Copenhagen.
    assert not is_working_day(datetime(2026, 12, 23, 23, 30, tzinfo=UTC))
    assert is_working_day(datetime(2026, 12, 23, 22, 30, tzinfo=UTC))


def test_public_holidays_are_the_maintained_librarys() -> None:
    """Our Easter rules against `holidays.Denmark` (public category), year by year: a law
    change that a new release of the library knows about fails here."""
    years = range(1900, 2101)  # the library computes up to 2100
    library = holidays.Denmark(years=years)
    for year in years:
        assert public_holidays(year) == {day for day in library if day.year == year}, year


def test_store_bededag_is_a_holiday_until_2023_only() -> None:
    assert date(2023, 5, 5) in public_holidays(2023)
    assert date(2024, 4, 26) not in public_holidays(2024)
    assert is_working_day(date(2024, 4, 26))


def test_default_closed_days_are_the_librarys_optional_days_except_1_may() -> None:
    optional = holidays.Denmark(years=2026, categories=("optional",))
    from_library = {MonthDay(day.month, day.day) for day in optional} - {MonthDay(5, 1)}
    assert from_library == DEFAULT_CLOSED_DAYS


def test_closed_days_are_configurable() -> None:
    open_offices = WorkingCalendar(closed_days=frozenset())
    assert open_offices.is_working_day(date(2026, 12, 24))
    assert open_offices.is_working_day(date(2026, 6, 5))
    assert not open_offices.is_working_day(date(2026, 12, 25))  # public holidays stay closed
    with_may_day = WorkingCalendar(closed_days=DEFAULT_CLOSED_DAYS | {MonthDay(5, 1)})
    assert not with_may_day.is_working_day(date(2026, 5, 1))
    assert add_working_days(cph(2026, 4, 30, 10), 1, calendar=with_may_day) == cph(2026, 5, 4, 10)


@pytest.mark.parametrize(
    "closed",
    [pytest.param(MonthDay(2, 30), id="no-such-day"), pytest.param(MonthDay(13, 1), id="month")],
)
def test_calendar_rejects_impossible_closed_days(closed: MonthDay) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(closed_days=frozenset({closed}))


def test_calendar_rejects_a_day_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(day_start=time(16), day_end=time(8))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 1, 9), date(2026, 1, 12), id="friday-to-monday"),
        pytest.param(date(2026, 1, 10), date(2026, 1, 12), id="saturday-to-monday"),
        pytest.param(date(2026, 5, 13), date(2026, 5, 15), id="over-kristi-himmelfart"),
        pytest.param(date(2026, 4, 1), date(2026, 4, 7), id="over-easter"),
        pytest.param(date(2026, 12, 23), date(2026, 12, 28), id="over-christmas"),
        pytest.param(date(2026, 12, 30), date(2027, 1, 4), id="over-new-year"),
        pytest.param(date(2026, 6, 4), date(2026, 6, 8), id="over-grundlovsdag"),
        pytest.param(date(2026, 5, 22), date(2026, 5, 26), id="over-2-pinsedag"),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


# --- deadlines ---------------------------------------------------------------------------------

DEADLINES = [
    # same clock time n working days later
    pytest.param(cph(2026, 1, 9, 14, 30), 1, cph(2026, 1, 12, 14, 30), id="friday-pm+1"),
    pytest.param(cph(2026, 1, 9, 14, 30), 3, cph(2026, 1, 14, 14, 30), id="friday-pm+3"),
    pytest.param(cph(2026, 1, 13, 9), 0, cph(2026, 1, 13, 9), id="plus-0"),
    # outside working hours: from 08:00 on the next working day
    pytest.param(cph(2026, 1, 9, 20), 1, cph(2026, 1, 13, 8), id="friday-evening+1"),
    pytest.param(cph(2026, 1, 9, 16), 1, cph(2026, 1, 13, 8), id="friday-16-00+1"),
    pytest.param(cph(2026, 1, 10, 11), 0, cph(2026, 1, 12, 8), id="saturday+0"),
    pytest.param(cph(2026, 1, 10, 11), 1, cph(2026, 1, 13, 8), id="saturday+1"),
    pytest.param(cph(2026, 1, 13, 6), 1, cph(2026, 1, 14, 8), id="early-morning+1"),
    pytest.param(cph(2026, 12, 25, 10), 1, cph(2026, 12, 29, 8), id="on-a-holiday+1"),
    # holiday eves
    pytest.param(cph(2026, 12, 23, 15), 1, cph(2026, 12, 28, 15), id="lillejuleaften+1"),
    pytest.param(cph(2026, 12, 23, 15), 3, cph(2026, 12, 30, 15), id="lillejuleaften+3"),
    pytest.param(cph(2026, 12, 29, 10), 3, cph(2027, 1, 5, 10), id="over-new-year+3"),
    pytest.param(cph(2026, 4, 1, 14), 1, cph(2026, 4, 7, 14), id="before-easter+1"),
    pytest.param(cph(2026, 4, 1, 14), 3, cph(2026, 4, 9, 14), id="before-easter+3"),
    pytest.param(cph(2027, 3, 24, 9), 1, cph(2027, 3, 30, 9), id="before-easter-2027+1"),
    pytest.param(cph(2026, 5, 13, 12), 1, cph(2026, 5, 15, 12), id="before-kristi-himmelfart"),
    pytest.param(cph(2026, 5, 22, 12), 1, cph(2026, 5, 26, 12), id="before-2-pinsedag"),
    # DST: the clock time stays, the offset changes
    pytest.param(cph(2026, 3, 27, 10), 1, cph(2026, 3, 30, 10), id="dst-starts"),
    pytest.param(cph(2026, 10, 23, 10), 1, cph(2026, 10, 26, 10), id="dst-ends"),
]


@pytest.mark.parametrize(("start", "n", "deadline"), DEADLINES)
def test_add_working_days(start: datetime, n: int, deadline: datetime) -> None:
    result = add_working_days(start, n)
    assert result == deadline
    assert result.tzinfo is COPENHAGEN
    assert (result.hour, result.minute) == (deadline.hour, deadline.minute)


def test_deadline_across_dst_keeps_the_clock_time_not_the_hours() -> None:
    # Subtract in UTC: Python subtracts two times of the same zone by wall clock.
    spring_start = cph(2026, 3, 27, 10)
    spring = add_working_days(spring_start, 1)
    assert spring.utcoffset() == timedelta(hours=2)
    assert spring.astimezone(UTC) - spring_start.astimezone(UTC) == timedelta(hours=71)
    autumn_start = cph(2026, 10, 23, 10)
    autumn = add_working_days(autumn_start, 1)
    assert autumn.utcoffset() == timedelta(hours=1)
    assert autumn.astimezone(UTC) - autumn_start.astimezone(UTC) == timedelta(hours=73)


def test_utc_input_is_read_as_copenhagen_time() -> None:
    # 09:00 UTC is 10:00 in Copenhagen in winter.
    assert add_working_days(datetime(2026, 1, 9, 9, tzinfo=UTC), 1) == cph(2026, 1, 12, 10)


def test_naive_times_and_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2026, 1, 9, 10), 1)
    with pytest.raises(ValueError):
        add_working_days(cph(2026, 1, 9, 10), -1)
    with pytest.raises(ValueError, match="timezone-aware"):
        working_days_between(datetime(2026, 1, 9, 10), cph(2026, 1, 9, 12))


# --- time to claim, for the annual report -----------------------------------------------------

BETWEEN = [
    pytest.param(cph(2026, 1, 13, 9), cph(2026, 1, 13, 13), 0.5, id="four-hours"),
    pytest.param(cph(2026, 1, 9, 15), cph(2026, 1, 12, 9), 0.25, id="friday-to-monday"),
    pytest.param(cph(2026, 1, 10, 11), cph(2026, 1, 12, 12), 0.5, id="from-saturday"),
    pytest.param(cph(2026, 1, 12, 18), cph(2026, 1, 13, 7), 0.0, id="overnight"),
    pytest.param(cph(2026, 1, 12, 8), cph(2026, 1, 16, 16), 5.0, id="whole-week"),
    pytest.param(cph(2026, 4, 1, 12), cph(2026, 4, 7, 12), 1.0, id="over-easter"),
    pytest.param(cph(2026, 3, 27, 10), cph(2026, 3, 30, 10), 1.0, id="over-dst-start"),
    pytest.param(cph(2026, 10, 23, 10), cph(2026, 10, 26, 10), 1.0, id="over-dst-end"),
    pytest.param(cph(2026, 12, 23, 8), cph(2027, 1, 4, 8), 4.0, id="christmas-to-new-year"),
    pytest.param(cph(2026, 1, 12, 12), cph(2026, 1, 9, 12), -1.0, id="backwards"),
]


@pytest.mark.parametrize(("start", "end", "days"), BETWEEN)
def test_working_days_between(start: datetime, end: datetime, days: float) -> None:
    assert working_days_between(start, end) == pytest.approx(days)


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(database=None, max_examples=300)
@given(moments, st.integers(min_value=0, max_value=15))
def test_a_deadline_is_exactly_n_working_days_away(start: datetime, n: int) -> None:
    deadline = add_working_days(start, n)
    assert working_days_between(start, deadline) == pytest.approx(n)
    assert is_working_day(deadline)
