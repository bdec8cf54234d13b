"""Dates and periods in Danish and English, relative to a fixed today."""

from __future__ import annotations

from datetime import date

import pytest

from domain.training.periods import find_period
from domain.training.text import normalise

TODAY = date(2027, 2, 24)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("i dag", date(2027, 2, 24), date(2027, 2, 24)),
        ("today", date(2027, 2, 24), date(2027, 2, 24)),
        ("i morgen", date(2027, 2, 25), date(2027, 2, 25)),
        ("tomorrow", date(2027, 2, 25), date(2027, 2, 25)),
        ("i overmorgen", date(2027, 2, 26), date(2027, 2, 26)),
        ("denne uge", date(2027, 2, 24), date(2027, 2, 28)),
        ("this week", date(2027, 2, 24), date(2027, 2, 28)),
        ("næste uge", date(2027, 3, 1), date(2027, 3, 7)),
        ("next week", date(2027, 3, 1), date(2027, 3, 7)),
        ("i uge 10", date(2027, 3, 8), date(2027, 3, 14)),
        ("week 2", date(2028, 1, 10), date(2028, 1, 16)),  # week 2 of 2027 is over
        ("i weekenden", date(2027, 2, 27), date(2027, 2, 28)),
        ("denne måned", date(2027, 2, 24), date(2027, 2, 28)),
        ("næste måned", date(2027, 3, 1), date(2027, 3, 31)),
        ("i marts", date(2027, 3, 1), date(2027, 3, 31)),
        ("in March", date(2027, 3, 1), date(2027, 3, 31)),
        ("marts 2028", date(2028, 3, 1), date(2028, 3, 31)),
        ("i januar", date(2028, 1, 1), date(2028, 1, 31)),  # past month: next year
        ("i februar", date(2027, 2, 24), date(2027, 2, 28)),  # this month: from today
        ("i febuar", date(2027, 2, 24), date(2027, 2, 28)),  # typo
        ("in may", date(2027, 5, 1), date(2027, 5, 31)),
        ("den 12. marts", date(2027, 3, 12), date(2027, 3, 12)),
        ("12 march", date(2027, 3, 12), date(2027, 3, 12)),
        ("March 12th", date(2027, 3, 12), date(2027, 3, 12)),
        ("the 12th of March", date(2027, 3, 12), date(2027, 3, 12)),
        ("d. 12/3", date(2027, 3, 12), date(2027, 3, 12)),
        ("12.3.2027", date(2027, 3, 12), date(2027, 3, 12)),
        ("den 3. februar", date(2028, 2, 3), date(2028, 2, 3)),  # passed: next year
        ("den 12.", date(2027, 3, 12), date(2027, 3, 12)),  # the next 12th
        ("den 26.", date(2027, 2, 26), date(2027, 2, 26)),
        ("on the 30th", date(2027, 3, 30), date(2027, 3, 30)),  # February has none
        ("på torsdag", date(2027, 2, 25), date(2027, 2, 25)),
        ("on Thursday", date(2027, 2, 25), date(2027, 2, 25)),
        ("på onsdag", date(2027, 3, 3), date(2027, 3, 3)),  # today is Wednesday: next week's
        ("this Wednesday", date(2027, 2, 24), date(2027, 2, 24)),
        ("næste torsdag", date(2027, 3, 4), date(2027, 3, 4)),
        ("next Thursday", date(2027, 3, 4), date(2027, 3, 4)),
        ("torsdag i næste uge", date(2027, 3, 4), date(2027, 3, 4)),
        ("fredag", date(2027, 2, 26), date(2027, 2, 26)),
        ("i foråret", date(2027, 3, 1), date(2027, 5, 31)),
        ("this autumn", date(2027, 9, 1), date(2027, 11, 30)),
        ("i vinter", date(2027, 2, 24), date(2027, 2, 28)),
        ("i år", date(2027, 2, 24), date(2027, 12, 31)),
        ("next year", date(2028, 1, 1), date(2028, 12, 31)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period, spans = find_period(normalise(text), TODAY)

    assert period is not None
    assert (period.start, period.end) == (start, end)
    assert spans


@pytest.mark.parametrize(
    "text",
    [
        "may I sign up",  # "may" is not a month here
        "kl. 10.30",  # a time, not 10 March
        "Ahmed fra 7.b",
        "hvornår er næste temadag",
        "jeg er bekymret",
    ],
)
def test_no_period(text: str) -> None:
    assert find_period(normalise(text), TODAY) == (None, [])


def test_a_date_in_december_looks_into_next_year() -> None:
    period, _ = find_period("i januar", date(2027, 12, 20))
    assert period is not None and period.start == date(2028, 1, 1)
    period, _ = find_period("i vinter", date(2027, 12, 20))
    assert period is not None and (period.start, period.end) == (
        date(2027, 12, 20),
        date(2028, 2, 29),  # a leap year
    )
