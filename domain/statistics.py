"""Statistics for the annual results follow-up (resultatopfølgning), as pure functions.

- `Period`: a span of whole calendar days in Copenhagen, and the period it is compared with
  (the same dates one year earlier: referrals follow the school year, so "the previous
  quarter" would compare a summer holiday with a school term).
- Small-number protection (`protect`): a count of 1-4 is shown as "<5" (primary suppression),
  0 is shown as 0 (as Statistics Denmark does: an empty cell identifies nobody), and further
  cells are hidden (secondary suppression, shown as "x") until no primary cell can be worked
  out exactly from the totals and the other cells. "Worked out" is decided exactly, by linear
  algebra over the table's sum constraints, not by a rule of thumb; see `protect`.
- Percentiles (`percentile`): linear interpolation between closest ranks, the method of
  Excel's PERCENTILE.INC, so a municipal analyst can reproduce every figure.
- Working-day durations for many referrals at once (`WorkingTime`): the same measure as
  `domain.working_days.working_days_between`, computed by a lookup instead of a walk over the
  days, so 100,000 referrals take a fraction of a second.

A protected value never carries the hidden number: `Value.number` is None unless the value is
shown, so no output layer can leak what this module hid.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

from domain.working_days import COPENHAGEN, DEFAULT_CALENDAR, WorkingCalendar

K = TypeVar("K", bound=Hashable)  # a published figure
H = TypeVar("H", bound=Hashable)  # a cell
ANCHOR = date(2000, 1, 3)  # where working-time positions are 0
THRESHOLD = 5  # counts of 1 to THRESHOLD-1 are protected; statistics need THRESHOLD values


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """Whole days from `first` to `last`, both included, in Copenhagen time."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"a period must not end ({self.last}) before it starts ({self.first})")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The first instant of the period (midnight in Copenhagen)."""
        return datetime.combine(self.first, time(0), tzinfo=COPENHAGEN)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=COPENHAGEN)

    def contains(self, moment: datetime) -> bool:
        return self.first <= local_date(moment) <= self.last

    def months(self) -> tuple[tuple[int, int], ...]:
        """(year, month) of every calendar month the period touches, in order."""
        found: list[tuple[int, int]] = []
        year, month = self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(found)

    def previous(self) -> Period:
        """The same dates one year earlier (29 February becomes 28 February); a period longer
        than a year goes back as many whole years as it needs not to overlap itself."""
        years = 1
        while _years_back(self.last, years) >= self.first:
            years += 1
        return Period(_years_back(self.first, years), _years_back(self.last, years))


class PeriodChoice(StrEnum):
    """The periods an admin can pick on the statistics card."""

    THIS_YEAR = "this_year"  # 1 January until today
    LAST_YEAR = "last_year"
    THIS_QUARTER = "this_quarter"
    LAST_QUARTER = "last_quarter"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"


def period_of(choice: PeriodChoice | str, today: date) -> Period:
    choice = PeriodChoice(choice)
    if choice is PeriodChoice.THIS_YEAR:
        return Period(date(today.year, 1, 1), today)
    if choice is PeriodChoice.LAST_YEAR:
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if choice is PeriodChoice.THIS_QUARTER:
        return Period(quarter_start, today)
    if choice is PeriodChoice.LAST_QUARTER:
        last = quarter_start - timedelta(days=1)
        return Period(date(last.year, last.month - 2, 1), last)
    month_start = today.replace(day=1)
    if choice is PeriodChoice.THIS_MONTH:
        return Period(month_start, today)
    last = month_start - timedelta(days=1)
    return Period(last.replace(day=1), last)


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"need a timezone-aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(COPENHAGEN).date()


# --- protected values ------------------------------------------------------------------------


class Mark(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # a count of 1-4: "<5"
    HIDDEN = "hidden"  # hidden so that a small count cannot be worked out: "x"
    TOO_FEW = "too_few"  # a statistic of fewer than THRESHOLD values: "n<5"
    EMPTY = "empty"  # nothing to compute (no values, or a change from 0): "–"


@dataclass(frozen=True, slots=True)
class Value:
    """A figure as it may be published. `number` is None unless `mark` is SHOWN."""

    number: float | None
    mark: Mark = Mark.SHOWN

    def __post_init__(self) -> None:
        if (self.mark is Mark.SHOWN) != (self.number is not None):
            raise ValueError("a value has a number exactly when it is shown")

    @property
    def shown(self) -> bool:
        return self.mark is Mark.SHOWN


SMALL = Value(None, Mark.SMALL)
HIDDEN = Value(None, Mark.HIDDEN)
TOO_FEW = Value(None, Mark.TOO_FEW)
EMPTY = Value(None, Mark.EMPTY)


def shown(number: float) -> Value:
    return Value(number, Mark.SHOWN)


def count_value(count: int, *, threshold: int = THRESHOLD) -> Value:
    """One count on its own (no totals around it): primary suppression only."""
    if count < 0:
        raise ValueError("a count is never negative")
    return SMALL if 0 < count < threshold else shown(count)


# --- small-number protection ---------------------------------------------------------------


def protect_sums(
    cells: Mapping[H, int],
    figures: Mapping[K, Collection[H]],
    *,
    exempt: Collection[K] = (),
    keep: Collection[K] = (),
    priority: Mapping[K, int] | None = None,
    threshold: int = THRESHOLD,
) -> dict[K, Value]:
    """Protect published figures that are sums of unpublished cells.

    `cells`: the finest counts (for linked tables: the counts of every combination of their
    categories); `figures`: each published figure and the cells it adds up. Tables that share
    cells are protected together, so hiding a number in one table cannot be undone with
    another. Exempt figures count things that are not people (training events): always
    shown, never hidden to protect another figure. Kept figures are published elsewhere too
    (the number of referrals is every breakdown's total): never hidden to protect another
    figure, since hiding them here would not hide them there.

    Primary suppression: every figure of 1 to threshold-1. The reader is assumed to know every
    published figure and which cells are empty (pessimistic: empty combinations are often
    obvious, such as an anonymous referral routed by a named-only rule); the unknowns are the
    non-empty cells. A hidden figure can be worked out exactly when its row of cell
    memberships lies in the span of the published figures' rows (decided by Gaussian
    elimination over the rationals). Secondary suppression: while some primary figure can be
    worked out, hide one more published figure taken from a combination that works it out,
    preferring the one that stops the disclosure, then lower `priority` (cells before totals),
    then the smallest value. Empty figures are never hidden: they protect nothing.
    """
    unknown = sorted((key for key, count in cells.items() if count), key=repr)
    index = {key: k for k, key in enumerate(unknown)}
    for key, count in cells.items():
        if count < 0:
            raise ValueError(f"cell {key!r} has a negative count")
    vector: dict[K, tuple[int, ...]] = {}
    value: dict[K, int] = {}
    for figure, members in figures.items():
        value[figure] = sum(cells[member] for member in members)
        vector[figure] = tuple(sorted({index[m] for m in members if m in index}))
    exempted = frozenset(exempt)
    fixed = exempted | frozenset(keep)
    rank = priority or {}
    order = {figure: k for k, figure in enumerate(figures)}
    primary = [f for f in figures if 0 < value[f] < threshold and f not in exempted]
    hidden = set(primary)

    def preference(figure: K) -> tuple[int, int, int]:
        return (rank.get(figure, 0), value[figure], order[figure])

    while True:
        published = [f for f in figures if f not in hidden]
        span = _Span(len(unknown), [vector[f] for f in published])
        disclosed = [f for f in primary if span.contains(vector[f])]
        if not disclosed:
            break
        target = disclosed[0]
        involved = span.involved(vector[target])
        candidates = sorted(
            (published[k] for k in involved if published[k] not in fixed and vector[published[k]]),
            key=preference,
        ) or sorted((f for f in published if f not in fixed and vector[f]), key=preference)
        if not candidates:  # only exempt or kept figures left: refuse rather than leak
            raise ValueError(f"cannot protect the figure {target!r}")

        def stops(candidate: K, target: K = target, published: list[K] = published) -> bool:
            rest = [vector[f] for f in published if f != candidate]
            return not _Span(len(unknown), rest).contains(vector[target])

        hidden.add(next((c for c in candidates if stops(c)), candidates[0]))

    return {
        figure: SMALL if figure in primary else HIDDEN if figure in hidden else shown(value[figure])
        for figure in figures
    }


class _Span:
    """The span of 0/1 membership rows over the rationals, in reduced row echelon form; each
    basis row remembers which input rows it combines (to name the figures involved)."""

    def __init__(self, width: int, rows: Sequence[tuple[int, ...]]) -> None:
        self._width = width
        self._basis: list[tuple[list[Fraction], dict[int, Fraction], int]] = []
        for number, members in enumerate(rows):
            self._add(_dense(width, members), {number: Fraction(1)})

    def _reduce(
        self, row: list[Fraction], mix: dict[int, Fraction]
    ) -> tuple[list[Fraction], dict[int, Fraction]]:
        for basis, basis_mix, pivot in self._basis:
            factor = row[pivot]
            if factor:
                row = [a - factor * b for a, b in zip(row, basis, strict=True)]
                for number, weight in basis_mix.items():
                    mix[number] = mix.get(number, Fraction(0)) - factor * weight
        return row, mix

    def _add(self, row: list[Fraction], mix: dict[int, Fraction]) -> None:
        row, mix = self._reduce(row, mix)
        pivot = next((k for k, entry in enumerate(row) if entry), None)
        if pivot is None:
            return
        lead = row[pivot]
        row = [entry / lead for entry in row]
        mix = {number: weight / lead for number, weight in mix.items()}
        for k, (basis, basis_mix, basis_pivot) in enumerate(self._basis):
            factor = basis[pivot]
            if factor:
                new_mix = dict(basis_mix)
                for number, weight in mix.items():
                    new_mix[number] = new_mix.get(number, Fraction(0)) - factor * weight
                self._basis[k] = (
                    [a - factor * b for a, b in zip(basis, row, strict=True)],
                    new_mix,
                    basis_pivot,
                )
        self._basis.append((row, mix, pivot))

    def contains(self, members: tuple[int, ...]) -> bool:
        row, _ = self._reduce(_dense(self._width, members), {})
        return not any(row)

    def involved(self, members: tuple[int, ...]) -> list[int]:
        """Input rows with a non-zero weight in a combination equal to `members` (which must
        be in the span)."""
        row, mix = self._reduce(_dense(self._width, members), {})
        assert not any(row)
        return sorted(number for number, weight in mix.items() if weight)


def _dense(width: int, members: tuple[int, ...]) -> list[Fraction]:
    row = [Fraction(0)] * width
    for k in members:
        row[k] = Fraction(1)
    return row


Position = tuple[int, int]  # (row, column) of a table; -1 is the totals row or column


@dataclass(frozen=True)
class Protected:
    """A protected table: `cells[r][c]`, the row totals (one per row), the column totals (one
    per column) and the grand total, each present only if the table has them."""

    cells: tuple[tuple[Value, ...], ...]
    row_totals: tuple[Value, ...] | None = None
    column_totals: tuple[Value, ...] | None = None
    total: Value | None = None


def protect(
    counts: Sequence[Sequence[int]],
    *,
    row_totals: bool = False,
    column_totals: bool = True,
    additive: bool = True,
    exempt_rows: Iterable[int] = (),
    exempt_columns: Iterable[int] = (),
    keep: Iterable[Position] = (),
    threshold: int = THRESHOLD,
) -> Protected:
    """Protect one table of counts with its totals (`protect_sums` with the table's cells as
    the cells). `additive=False` is for multiple-response tables, where one case counts in
    several rows (signs): no sums relate the cells, so only primary suppression applies and
    the table has no totals. Rows and columns of exempt counts (not people) are always shown;
    `keep` names figures published elsewhere too ((-1, -1) is the grand total), which are
    never hidden to protect another.
    """
    rows = len(counts)
    columns = len(counts[0]) if rows else 0
    if any(len(row) != columns for row in counts):
        raise ValueError("every row needs the same number of columns")
    if not additive and (row_totals or column_totals):
        raise ValueError("a multiple-response table has no totals")
    cells = {(r, c): counts[r][c] for r in range(rows) for c in range(columns)}
    figures: dict[tuple[int, int], list[tuple[int, int]]] = {p: [p] for p in cells}
    if row_totals:
        for r in range(rows):
            figures[(r, -1)] = [(r, c) for c in range(columns)]
    if column_totals:
        for c in range(columns):
            figures[(-1, c)] = [(r, c) for r in range(rows)]
    if row_totals and column_totals:
        figures[(-1, -1)] = list(cells)
    exempt_r, exempt_c = frozenset(exempt_rows), frozenset(exempt_columns)
    exempt = [(r, c) for r, c in figures if r in exempt_r or c in exempt_c]
    priority = {p: int(-1 in p) for p in figures}
    values = protect_sums(
        cells, figures, exempt=exempt, keep=list(keep), priority=priority, threshold=threshold
    )
    return Protected(
        cells=tuple(tuple(values[(r, c)] for c in range(columns)) for r in range(rows)),
        row_totals=tuple(values[(r, -1)] for r in range(rows)) if row_totals else None,
        column_totals=tuple(values[(-1, c)] for c in range(columns)) if column_totals else None,
        total=values[(-1, -1)] if row_totals and column_totals else None,
    )


def protect_column(
    counts: Sequence[int], *, threshold: int = THRESHOLD
) -> tuple[list[Value], Value]:
    """One column of counts that add up to a total published elsewhere too (the number of
    referrals): (cells, total). The total is never hidden to protect a cell."""
    table = protect([[count] for count in counts], keep=[(-1, 0)], threshold=threshold)
    assert table.column_totals is not None
    return [row[0] for row in table.cells], table.column_totals[0]


# --- derived figures ------------------------------------------------------------------------


def change(current: Value, previous: Value) -> Value:
    """current - previous; hidden when either is not shown (or it would give one away)."""
    if not (current.shown and previous.shown):
        return HIDDEN
    assert current.number is not None and previous.number is not None
    return shown(current.number - previous.number)


def change_percent(current: Value, previous: Value) -> Value:
    if not (current.shown and previous.shown):
        return HIDDEN
    assert current.number is not None and previous.number is not None
    if previous.number == 0:
        return EMPTY
    return shown(100.0 * (current.number - previous.number) / previous.number)


def share(part: int, whole: int, *, threshold: int = THRESHOLD) -> Value:
    """part/whole in per cent. Not computed for fewer than `threshold` cases, and hidden when
    the part or the rest is a small count, which the share and the whole would give away."""
    if not 0 <= part <= whole:
        raise ValueError("need 0 <= part <= whole")
    if whole < threshold:
        return TOO_FEW if whole else EMPTY
    rest = whole - part
    if 0 < part < threshold or 0 < rest < threshold:
        return HIDDEN
    return shown(100.0 * part / whole)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (Excel PERCENTILE.INC, numpy's default)."""
    if not values:
        raise ValueError("no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be between 0 and 1")
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percentile_value(values: Sequence[float], q: float, *, threshold: int = THRESHOLD) -> Value:
    """A percentile as it may be published: only of `threshold` or more values."""
    if not values:
        return EMPTY
    if len(values) < threshold:
        return TOO_FEW
    return shown(percentile(values, q))


# --- working-day durations in bulk -----------------------------------------------------------


class WorkingTime:
    """Moments as positions on an axis that only moves during working hours, in working days:
    `position(b) - position(a) == working_days_between(a, b)` for any a and b.

    The working hours before each day are summed once per day of the span (grown on demand),
    so a duration costs two lookups instead of a walk over its days."""

    def __init__(self, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> None:
        self._calendar = calendar
        self._day_seconds = calendar.day_length.total_seconds()
        self._first: date | None = None
        self._before: list[float] = []  # working seconds from _first to the start of each day

    def position(self, moment: datetime) -> float:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"need a timezone-aware datetime, got naive {moment.isoformat()}")
        local = moment.astimezone(COPENHAGEN)
        day = local.date()
        seconds = self._seconds_before(day)
        if self._calendar.is_working_day(day):
            # Wall-clock arithmetic, as in `working_days_between`: working hours never
            # contain a daylight-saving change (those happen on Sunday nights).
            clock = local.replace(tzinfo=None)
            opens = datetime.combine(day, self._calendar.day_start.replace(tzinfo=None))
            seconds += min(max((clock - opens).total_seconds(), 0.0), self._day_seconds)
        return seconds / self._day_seconds

    def between(self, start: datetime, end: datetime) -> float:
        return self.position(end) - self.position(start)

    def _seconds_before(self, day: date) -> float:
        if self._first is None or not self._first <= day <= self._last_day():
            first = day if self._first is None else min(day, self._first)
            last = day if self._first is None else max(day, self._last_day())
            self._build(first - timedelta(days=366), last + timedelta(days=366))
        assert self._first is not None
        return self._before[(day - self._first).days]

    def _last_day(self) -> date:
        assert self._first is not None
        return self._first + timedelta(days=len(self._before) - 1)

    def _build(self, first: date, last: date) -> None:
        """Working seconds from ANCHOR to the start of each day (negative before it), so a
        position stays the same when the table grows."""
        first, last = min(first, ANCHOR), max(last, ANCHOR)
        before, total, day = [], 0.0, first
        while day <= last:
            before.append(total)
            if self._calendar.is_working_day(day):
                total += self._day_seconds
            day += timedelta(days=1)
        at_anchor = before[(ANCHOR - first).days]
        self._first, self._before = first, [seconds - at_anchor for seconds in before]


# --- headline figures -------------------------------------------------------------------------


class FigureKind(StrEnum):
    COUNT = "count"
    DAYS = "days"  # working days
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class HeadlineFigure:
    id: str
    kind: FigureKind
    current: Value
    previous: Value


@dataclass(frozen=True, slots=True)
class Headline:
    """The figures the admins' statistics card shows, protected like the report's."""

    period: Period
    previous: Period
    figures: tuple[HeadlineFigure, ...]

    def figure(self, figure_id: str) -> HeadlineFigure:
        return next(figure for figure in self.figures if figure.id == figure_id)
