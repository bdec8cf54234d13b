"""Statistics for the annual report: periods, small-number protection, percentiles, shares and
working-day durations. Protection is checked against an independent oracle: numpy's rank of
the published sums decides whether a hidden count could be worked out."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.statistics import (
    EMPTY,
    HIDDEN,
    SMALL,
    TOO_FEW,
    Mark,
    Period,
    PeriodChoice,
    Value,
    WorkingTime,
    change,
    change_percent,
    count_value,
    percentile,
    percentile_value,
    period_of,
    protect,
    protect_column,
    protect_sums,
    share,
    shown,
)
from domain.working_days import COPENHAGEN, working_days_between


def marks(values: list[Value] | tuple[Value, ...]) -> list[str]:
    return [str(int(v.number)) if v.number is not None else v.mark.value for v in values]


# --- periods ---------------------------------------------------------------------------------


def test_a_year_is_compared_with_the_year_before() -> None:
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    assert year.previous() == Period(date(2025, 1, 1), date(2025, 12, 31))
    assert year.days == 365
    assert len(year.months()) == 12


def test_a_leap_day_goes_back_to_28_february() -> None:
    assert Period(date(2028, 2, 29), date(2028, 3, 31)).previous() == Period(
        date(2027, 2, 28), date(2027, 3, 31)
    )


def test_a_period_longer_than_a_year_goes_back_without_overlapping() -> None:
    two_years = Period(date(2025, 1, 1), date(2026, 12, 31))
    assert two_years.previous() == Period(date(2023, 1, 1), date(2024, 12, 31))


def test_period_edges_are_copenhagen_midnight() -> None:
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    assert year.start == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert year.end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert year.contains(datetime(2025, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 January
    assert not year.contains(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        year.contains(datetime(2026, 5, 1))
    with pytest.raises(ValueError, match="before"):
        Period(date(2026, 2, 1), date(2026, 1, 31))


@pytest.mark.parametrize(
    ("choice", "first", "last"),
    [
        (PeriodChoice.THIS_YEAR, date(2026, 1, 1), date(2026, 11, 24)),
        (PeriodChoice.LAST_YEAR, date(2025, 1, 1), date(2025, 12, 31)),
        (PeriodChoice.THIS_QUARTER, date(2026, 10, 1), date(2026, 11, 24)),
        (PeriodChoice.LAST_QUARTER, date(2026, 7, 1), date(2026, 9, 30)),
        (PeriodChoice.THIS_MONTH, date(2026, 11, 1), date(2026, 11, 24)),
        (PeriodChoice.LAST_MONTH, date(2026, 10, 1), date(2026, 10, 31)),
    ],
)
def test_the_card_periods(choice: PeriodChoice, first: date, last: date) -> None:
    assert period_of(choice, date(2026, 11, 24)) == Period(first, last)


def test_last_quarter_in_january_is_the_previous_years_fourth() -> None:
    assert period_of("last_quarter", date(2026, 1, 5)) == Period(
        date(2025, 10, 1), date(2025, 12, 31)
    )
    assert period_of("last_month", date(2026, 1, 5)) == Period(
        date(2025, 12, 1), date(2025, 12, 31)
    )


# --- primary suppression ---------------------------------------------------------------------


def test_counts_1_to_4_are_small_and_0_is_shown() -> None:
    assert [count_value(n) for n in range(7)] == [
        shown(0), SMALL, SMALL, SMALL, SMALL, shown(5), shown(6)
    ]  # fmt: skip
    with pytest.raises(ValueError):
        count_value(-1)


def test_a_hidden_value_carries_no_number() -> None:
    assert SMALL.number is None and HIDDEN.number is None
    with pytest.raises(ValueError):
        Value(3, Mark.SMALL)
    with pytest.raises(ValueError):
        Value(None, Mark.SHOWN)


# --- secondary suppression -------------------------------------------------------------------


def test_one_small_cell_in_a_column_hides_the_next_smallest() -> None:
    cells, total = protect_column([3, 10, 0, 12])
    assert marks(cells) == ["small", "hidden", "0", "12"]
    assert total == shown(25)


def test_two_small_cells_protect_each_other() -> None:
    cells, total = protect_column([3, 10, 0, 2])
    assert marks(cells) == ["small", "10", "0", "small"]
    assert total == shown(15)


def test_a_small_total_is_small_too() -> None:
    cells, total = protect_column([3, 0, 0])
    assert marks(cells) == ["small", "0", "0"]
    assert total == SMALL


def test_zeros_are_never_hidden_since_they_protect_nothing() -> None:
    cells, _ = protect_column([0, 4, 0, 7, 9])
    assert marks(cells) == ["0", "small", "0", "hidden", "9"]


def test_a_two_by_two_block_is_hidden_in_a_cross_table() -> None:
    table = protect([[6, 3, 20], [8, 9, 10], [30, 40, 50]], row_totals=True, column_totals=True)
    assert [marks(row) for row in table.cells] == [
        ["hidden", "small", "20"],
        ["hidden", "hidden", "10"],
        ["30", "40", "50"],
    ]
    assert table.row_totals is not None and table.column_totals is not None
    assert marks(table.row_totals) == ["29", "27", "120"]
    assert marks(table.column_totals) == ["44", "52", "80"]
    assert table.total == shown(176)


def test_totals_are_hidden_only_when_no_cell_will_do() -> None:
    # Row 0 is 0, 3, 0: its total is small too, so column 1 needs another hidden cell, and
    # then row 2's total would give that one away.
    table = protect([[0, 3, 0], [0, 0, 0], [30, 40, 50]], row_totals=True, column_totals=True)
    assert [marks(row) for row in table.cells] == [
        ["0", "small", "0"],
        ["0", "0", "0"],
        ["30", "hidden", "50"],
    ]
    assert table.row_totals is not None
    assert marks(table.row_totals) == ["small", "0", "hidden"]


def test_kept_totals_are_never_hidden() -> None:
    table = protect([[0, 3, 0], [0, 0, 0], [30, 40, 50]], row_totals=True, column_totals=True,
                    keep=[(2, -1)])  # fmt: skip
    assert table.row_totals is not None
    assert marks(table.row_totals)[2] == "120"
    assert marks(table.cells[2]).count("hidden") >= 2


def test_multiple_response_tables_have_only_primary_suppression() -> None:
    table = protect([[3], [10], [12]], column_totals=False, additive=False)
    assert [marks(row) for row in table.cells] == [["small"], ["10"], ["12"]]
    with pytest.raises(ValueError, match="no totals"):
        protect([[1]], additive=False)


def test_exempt_columns_are_always_shown_and_never_hide_for_others() -> None:
    table = protect([[2, 3], [40, 9]], column_totals=True, exempt_columns=[0])
    assert [marks(row) for row in table.cells] == [["2", "small"], ["40", "hidden"]]


def test_linked_tables_are_protected_together() -> None:
    # Type (anonymous = the two anonymous rules) and rule share cells: hiding the small rule
    # alone would be undone by "anonymous minus the other anonymous rule".
    cells = {("anonymous", "anon_crime"): 1, ("anonymous", "anon"): 6, ("named", "polar"): 12}
    figures = {
        ("rule", "anon_crime"): [("anonymous", "anon_crime")],
        ("rule", "anon"): [("anonymous", "anon")],
        ("rule", "polar"): [("named", "polar")],
        ("mode", "anonymous"): [("anonymous", "anon_crime"), ("anonymous", "anon")],
        ("mode", "named"): [("named", "polar")],
        ("total",): list(cells),
    }
    values = protect_sums(cells, figures, keep=[("total",)])
    assert values[("rule", "anon_crime")] == SMALL
    assert not values[("rule", "anon")].shown or not values[("mode", "anonymous")].shown
    assert values[("total",)] == shown(19)
    assert not disclosed(cells, figures, values)


def test_only_exempt_figures_left_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot protect"):
        protect([[3, 10]], column_totals=False, row_totals=True, exempt_columns=[1],
                keep=[(0, -1)])  # fmt: skip


def disclosed(cells: dict, figures: dict, values: dict) -> list:  # type: ignore[type-arg]
    """The oracle: primary figures whose value follows from the published ones, by numpy's
    rank (an implementation independent of the one under test)."""
    unknown = [key for key, count in cells.items() if count]
    index = {key: k for k, key in enumerate(unknown)}

    def row(members: list) -> np.ndarray:  # type: ignore[type-arg]
        vector = np.zeros(len(unknown))
        for member in members:
            if member in index:
                vector[index[member]] = 1.0
        return vector

    published = [row(members) for figure, members in figures.items() if values[figure].shown]
    base = np.array(published) if published else np.zeros((0, len(unknown)))
    rank = np.linalg.matrix_rank(base) if len(base) else 0
    found = []
    for figure, members in figures.items():
        if values[figure] == SMALL and len(unknown):
            extended = np.vstack([base, row(members)]) if len(base) else np.array([row(members)])
            if np.linalg.matrix_rank(extended) == rank:
                found.append(figure)
    return found


def grid_problem(counts: list[list[int]]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    rows, columns = len(counts), len(counts[0])
    cells = {(r, c): counts[r][c] for r in range(rows) for c in range(columns)}
    figures: dict = {p: [p] for p in cells}  # type: ignore[type-arg]
    for r in range(rows):
        figures[(r, -1)] = [(r, c) for c in range(columns)]
    for c in range(columns):
        figures[(-1, c)] = [(r, c) for r in range(rows)]
    figures[(-1, -1)] = list(cells)
    return cells, figures


small_counts = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(5, 40))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda rows: st.integers(1, 4).flatmap(
            lambda columns: st.lists(
                st.lists(small_counts, min_size=columns, max_size=columns),
                min_size=rows,
                max_size=rows,
            )
        )
    )
)
def test_no_small_count_can_be_worked_out_from_any_protected_table(
    counts: list[list[int]],
) -> None:
    table = protect(counts, row_totals=True, column_totals=True)
    assert table.row_totals is not None and table.column_totals is not None
    assert table.total is not None
    values = {(r, c): v for r, row in enumerate(table.cells) for c, v in enumerate(row)}
    values.update({(r, -1): v for r, v in enumerate(table.row_totals)})
    values.update({(-1, c): v for c, v in enumerate(table.column_totals)})
    values[(-1, -1)] = table.total
    cells, figures = grid_problem(counts)
    assert disclosed(cells, figures, values) == []
    for position, value in values.items():
        true = sum(cells[m] for m in figures[position])
        if value.shown:
            assert value.number == true  # what is shown is the truth
            assert not 0 < true < 5
        elif value == SMALL:
            assert 0 < true < 5


# --- derived figures -------------------------------------------------------------------------


def test_changes_are_hidden_when_either_side_is() -> None:
    assert change(shown(12), shown(10)) == shown(2)
    assert change(shown(12), SMALL) == HIDDEN
    assert change(HIDDEN, shown(10)) == HIDDEN
    assert change_percent(shown(12), shown(10)) == shown(20.0)
    assert change_percent(shown(12), shown(0)) == EMPTY
    assert change_percent(SMALL, shown(10)) == HIDDEN


def test_shares_protect_small_counts_in_the_part_and_the_rest() -> None:
    assert share(25, 25) == shown(100.0)
    assert share(20, 25) == shown(80.0)
    assert share(23, 25) == HIDDEN  # 2 not within: a small count
    assert share(3, 25) == HIDDEN
    assert share(0, 25) == shown(0.0)
    assert share(3, 4) == TOO_FEW
    assert share(0, 0) == EMPTY
    with pytest.raises(ValueError):
        share(5, 4)


def test_percentiles_match_excels_percentile_inc() -> None:
    values = [0.0625, 0.125, 0.25, 0.25, 0.5, 1.25, 3.25]
    for q in (0.0, 0.1, 0.5, 0.9, 1.0):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q * 100)))
    assert percentile([1.0, 2.0], 0.5) == 1.5
    assert percentile_value([1.0] * 4, 0.5) == TOO_FEW
    assert percentile_value([], 0.5) == EMPTY
    assert percentile_value([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == shown(3.0)
    with pytest.raises(ValueError):
        percentile([], 0.5)


# --- working-day durations -------------------------------------------------------------------


def cph(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=COPENHAGEN)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (cph(2026, 3, 13, 15), cph(2026, 3, 16, 9), 0.25),  # Friday 15:00 → Monday 09:00
        (cph(2026, 3, 7, 12), cph(2026, 3, 9, 9), 0.125),  # Saturday → Monday 09:00
        (cph(2026, 4, 2, 10), cph(2026, 4, 7, 10), 0.25),  # Maundy Thursday → after Easter
        (cph(2026, 11, 2, 20), cph(2026, 11, 3, 9), 0.125),  # evening → next morning
        (cph(2026, 12, 23, 15), cph(2027, 1, 4, 9), 3.25),  # 24, 25 and 31 Dec, 1 Jan closed
        (cph(2026, 3, 27, 15), cph(2026, 3, 30, 9), 0.25),  # across the change to summer time
    ],
)
def test_working_time_durations(start: datetime, end: datetime, days: float) -> None:
    clock = WorkingTime()
    assert clock.between(start, end) == pytest.approx(days)
    assert clock.between(start, end) == pytest.approx(working_days_between(start, end))
    assert clock.between(end, start) == pytest.approx(-days)


moments = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(moments, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90)))
def test_working_time_agrees_with_working_days_between(start: datetime, span: timedelta) -> None:
    end = start + span
    clock = WorkingTime()
    assert clock.between(start, end) == pytest.approx(working_days_between(start, end), abs=1e-9)


def test_working_time_grows_its_table_both_ways() -> None:
    clock = WorkingTime()
    later, earlier = cph(2030, 6, 3, 12), cph(2020, 6, 1, 12)
    assert clock.between(cph(2026, 6, 1, 12), later) == pytest.approx(
        working_days_between(cph(2026, 6, 1, 12), later)
    )
    assert clock.between(earlier, cph(2026, 6, 1, 12)) == pytest.approx(
        working_days_between(earlier, cph(2026, 6, 1, 12))
    )
    with pytest.raises(ValueError, match="naive"):
        clock.position(datetime(2026, 1, 1))


def test_small_cases_of_every_one_dimensional_table_are_safe() -> None:
    for counts in itertools.product((0, 1, 4, 5, 9), repeat=3):
        cells, total = protect_column(list(counts))
        problem = {(k, 0): n for k, n in enumerate(counts)}
        figures = {(k, 0): [(k, 0)] for k in range(3)} | {(-1, 0): list(problem)}
        values = {(k, 0): v for k, v in enumerate(cells)} | {(-1, 0): total}
        assert disclosed(problem, figures, values) == [], counts
