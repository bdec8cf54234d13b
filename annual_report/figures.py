"""From the bot's data to the report's tables: counting, durations and small-number protection.

`compute(data, period, now=…)` is pure: it takes what `storage.report_queries.load` read and
returns a `Report` of protected tables (`domain.statistics.Value`s, never a raw number that is
hidden) and the headline figures the Teams card shows. `build(engine, period, now=…)` reads and
computes (in a worker thread, so a large year does not block the bot's event loop).

Linked tables are protected together (`domain.statistics.protect_sums`): type, route, rule and
unit of the same referrals are margins of one table of combinations, because the routing rules
tie them (anonymous referrals are exactly those of the two anonymous rules, a rule decides the
route); protecting them one by one would let a hidden number be worked out from another table.
Every other breakdown (administration, profession, age, signs, outcome, month) shares only the
total with them and is protected on its own. A figure shown in two places (a table's totals and
the headline, the sign-ups by type and the comparison with the year before) is computed once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from annual_report.labels import Labels, danish
from domain.statistics import (
    EMPTY,
    FigureKind,
    Headline,
    HeadlineFigure,
    Period,
    Value,
    WorkingTime,
    change,
    change_percent,
    count_value,
    percentile_value,
    protect,
    protect_column,
    protect_sums,
    share,
    shown,
)
from domain.working_days import COPENHAGEN, DEFAULT_CALENDAR, WorkingCalendar
from storage.report_queries import (
    GateAnswer,
    ReferralFacts,
    ReminderEvent,
    ReportData,
    TrainingEventFacts,
    load,
)

SSP_PLUS = "SSP+"
QUESTION = "question"
COUNT, CHANGE, CHANGE_PERCENT = "count", "change", "change_percent"
DAYS, PERCENT = FigureKind.DAYS.value, FigureKind.PERCENT.value


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    label: str
    kind: str = COUNT  # count | change | change_percent | days | percent


@dataclass(frozen=True, slots=True)
class Line:
    id: str
    label: str
    values: tuple[Value, ...]
    kind: str | None = None  # overrides the columns' kind (the response table)
    total: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    kind: str  # bars | line
    title: str
    series: tuple[int, ...]  # column indexes drawn, one series each


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    section: str  # referrals | response | gates | training
    title: str
    note: str
    header: str
    columns: tuple[Column, ...]
    lines: tuple[Line, ...]
    chart: Chart | None = None


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    previous: Period
    generated_at: datetime
    headline: Headline
    tables: tuple[Table, ...]

    def table(self, table_id: str) -> Table:
        return next(table for table in self.tables if table.id == table_id)


async def build(
    engine: AsyncEngine,
    period: Period,
    *,
    now: datetime,
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
) -> Report:
    previous = period.previous()
    data = await load(engine, [(period.start, period.end), (previous.start, previous.end)])
    return await asyncio.to_thread(compute, data, period, now=now, calendar=calendar)


def headline_source(engine: AsyncEngine) -> Callable[[Period, datetime], Awaitable[Headline]]:
    """What the admins' statistics card asks for its figures: the report's headline, computed
    by the same code."""

    async def headline(period: Period, now: datetime) -> Headline:
        return (await build(engine, period, now=now)).headline

    return headline


# --- one period's data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    referrals: tuple[ReferralFacts, ...]
    gates: tuple[GateAnswer, ...]
    reminders: tuple[ReminderEvent, ...]
    training: tuple[TrainingEventFacts, ...]

    @classmethod
    def of(cls, data: ReportData, period: Period) -> Slice:
        return cls(
            tuple(r for r in data.referrals if period.contains(r.created_at)),
            tuple(g for g in data.gates if period.contains(g.at)),
            tuple(e for e in data.reminders if period.contains(e.at)),
            tuple(t for t in data.training if period.contains(t.starts_at)),
        )

    def gate_count(self, kind: str) -> int:
        return sum(1 for gate in self.gates if gate.kind == kind)

    @property
    def held(self) -> tuple[TrainingEventFacts, ...]:
        return tuple(event for event in self.training if not event.cancelled)


def route_of(referral: ReferralFacts) -> str:
    """Where routing sent it: VINK, the SSP secretariat, or SSP+ (the secretariat, 18-25)."""
    if referral.filed_unit == "ssp" and SSP_PLUS in referral.tags:
        return "ssp_plus"
    return referral.filed_unit


def sign_class_of(referral: ReferralFacts) -> str:
    if referral.has_serious_sign:
        return "serious"
    return "other_only" if referral.signs else "none"


def outcome_of(referral: ReferralFacts) -> str:
    return referral.outcome if referral.status == "closed" and referral.outcome else "open"


DIMENSIONS: dict[str, Callable[[ReferralFacts], str]] = {
    "administration": lambda r: r.employee_administration,
    "role": lambda r: r.employee_role,
    "age_band": lambda r: r.age_band,
    "sign_class": sign_class_of,
    "outcome": outcome_of,
}


# --- the linked routing tables ---------------------------------------------------------------

RoutingKey = tuple[str, str, str, str]  # mode, rule, route, unit now
Figure = tuple[str, ...]


def routing_figures(
    referrals: Sequence[ReferralFacts],
    categories: dict[str, list[str]],
    *,
    transfers: bool,
) -> dict[Figure, Value]:
    """Type, rule, route, unit now (and route x unit now, if published) and the total, as
    margins of one table of combinations, protected together."""
    cells: Counter[RoutingKey] = Counter(
        (r.mode, r.rule_id, route_of(r), r.unit) for r in referrals
    )
    figures: dict[Figure, list[RoutingKey]] = {}
    priority: dict[Figure, int] = {}
    position = {"mode": 0, "rule": 1, "route": 2, "unit": 3}
    if transfers:
        for route in categories["route"]:
            for unit in categories["unit"]:
                figures[("transfer", route, unit)] = [
                    key for key in cells if key[2] == route and key[3] == unit
                ]
                priority[("transfer", route, unit)] = 0
    for group in ("rule", "mode", "route", "unit"):
        for category in categories[group]:
            figures[(group, category)] = [k for k in cells if k[position[group]] == category]
            priority[(group, category)] = 1
    figures[("total",)] = list(cells)
    priority[("total",)] = 9
    return protect_sums(dict(cells), figures, keep=[("total",)], priority=priority)


# --- the report ------------------------------------------------------------------------------


def compute(
    data: ReportData,
    period: Period,
    *,
    now: datetime,
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
    labels: Labels | None = None,
) -> Report:
    labels = labels or danish()
    previous = period.previous()
    current, before = Slice.of(data, period), Slice.of(data, previous)
    return _Builder(labels, period, previous, current, before, now, calendar).report()


class _Builder:
    def __init__(
        self,
        labels: Labels,
        period: Period,
        previous: Period,
        current: Slice,
        before: Slice,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> None:
        self.labels, self.period, self.previous = labels, period, previous
        self.current, self.before, self.now = current, before, now
        self.clock = WorkingTime(calendar)
        both = current.referrals + before.referrals
        self.categories = {
            "mode": labels.categories("mode", (r.mode for r in both)),
            "rule": labels.categories("rule", (r.rule_id for r in both)),
            "route": labels.categories("route", (route_of(r) for r in both)),
            "unit": labels.categories("unit", (r.unit for r in both)),
        }
        self.categories["mode"].remove(QUESTION)
        for group, of in DIMENSIONS.items():
            self.categories[group] = labels.categories(group, (of(r) for r in both))
        self.categories["sign"] = labels.categories(
            "sign", (sign for r in both for sign in r.signs)
        )
        events = current.training + before.training
        self.categories["event_kind"] = labels.categories("event_kind", (e.kind for e in events))
        self.categories["topic"] = labels.categories(
            "topic", (topic for e in events for topic in e.topics)
        )
        self.routing = routing_figures(current.referrals, self.categories, transfers=True)
        self.routing_before = routing_figures(before.referrals, self.categories, transfers=False)
        self.questions = count_value(current.gate_count(QUESTION))
        self.questions_before = count_value(before.gate_count(QUESTION))
        self.response_now = self._response(current)
        self.response_before = self._response(before)
        self.signups_grid = self._signup_grid(current)
        held = before.held
        self.signups_before = protect_column(
            [
                sum(e.confirmed for e in held),
                sum(e.waitlisted for e in held),
                sum(e.withdrawn for e in held),
            ]
        )

    # --- helpers ---------------------------------------------------------------------------

    def label(self, group: str, key: str) -> str:
        return self.labels.category(group, key)

    def comparison_columns(self) -> tuple[Column, ...]:
        text = self.labels.text
        return (
            Column("current", self.labels.period(self.period)),
            Column("previous", self.labels.period(self.previous)),
            Column("change", text("columns", "change"), CHANGE),
            Column("change_percent", text("columns", "change_percent"), CHANGE_PERCENT),
        )

    @staticmethod
    def compared(current: Value, previous: Value) -> tuple[Value, ...]:
        return (current, previous, change(current, previous), change_percent(current, previous))

    def table(
        self,
        table_id: str,
        section: str,
        header: str,
        columns: Sequence[Column],
        lines: Iterable[Line],
        chart: Chart | None = None,
    ) -> Table:
        title, note = self.labels.table(table_id)
        return Table(table_id, section, title, note, header, tuple(columns), tuple(lines), chart)

    def bars(self, table_id: str, series: tuple[int, ...] = (0, 1)) -> Chart:
        return Chart("bars", self.labels.chart(table_id), series)

    def total_line(self, values: tuple[Value, ...]) -> Line:
        return Line("total", self.labels.text("columns", "total"), values, total=True)

    # --- referrals -------------------------------------------------------------------------

    def routing_table(self, group: str, chart: bool) -> Table:
        lines = [
            Line(
                key,
                self.label(group, key),
                self.compared(self.routing[(group, key)], self.routing_before[(group, key)]),
            )
            for key in self.categories[group]
        ]
        lines.append(
            self.total_line(
                self.compared(self.routing[("total",)], self.routing_before[("total",)])
            )
        )
        return self.table(
            group,
            "referrals",
            self.labels.text("columns", "category"),
            self.comparison_columns(),
            lines,
            self.bars(group) if chart else None,
        )

    def mode_table(self) -> Table:
        lines = [
            Line(
                mode,
                self.label("mode", mode),
                self.compared(self.routing[("mode", mode)], self.routing_before[("mode", mode)]),
            )
            for mode in self.categories["mode"]
        ]
        lines.append(
            self.total_line(
                self.compared(self.routing[("total",)], self.routing_before[("total",)])
            )
        )
        lines.append(
            Line(
                QUESTION,
                self.label("mode", QUESTION),
                self.compared(self.questions, self.questions_before),
            )
        )
        return self.table(
            "mode",
            "referrals",
            self.labels.text("columns", "category"),
            self.comparison_columns(),
            lines,
            Chart("bars", self.labels.chart("mode"), (0, 1)),
        )

    def month_table(self) -> Table:
        months, months_before = self.period.months(), self.previous.months()

        def per_month(
            slice_: Slice, spans: Sequence[tuple[int, int]], questions: bool
        ) -> list[int]:
            found: Counter[tuple[int, int]] = Counter()
            if questions:
                for gate in slice_.gates:
                    if gate.kind == QUESTION:
                        local = gate.at.astimezone(COPENHAGEN)
                        found[(local.year, local.month)] += 1
            else:
                for referral in slice_.referrals:
                    local = referral.created_at.astimezone(COPENHAGEN)
                    found[(local.year, local.month)] += 1
            return [found[span] for span in spans]

        columns_data = [
            protect_column(per_month(self.current, months, questions=False)),
            protect_column(per_month(self.before, months_before, questions=False)),
            protect_column(per_month(self.current, months, questions=True)),
            protect_column(per_month(self.before, months_before, questions=True)),
        ]
        now_label, before_label = self.labels.period(self.period), self.labels.period(self.previous)
        referrals = self.labels.text("report", "referrals")
        questions = self.labels.text("report", "questions")
        columns = (
            Column("referrals_current", f"{referrals} {now_label}"),
            Column("referrals_previous", f"{referrals} {before_label}"),
            Column("questions_current", f"{questions} {now_label}"),
            Column("questions_previous", f"{questions} {before_label}"),
        )
        lines = [
            Line(
                f"{year}-{month:02d}",
                self.labels.month(year, month),
                tuple(cells[k] for cells, _ in columns_data),
            )
            for k, (year, month) in enumerate(months)
        ]
        lines.append(self.total_line(tuple(total for _, total in columns_data)))
        return self.table(
            "month",
            "referrals",
            self.labels.text("columns", "month"),
            columns,
            lines,
            Chart("line", self.labels.chart("month"), (0, 1)),
        )

    def transfers_table(self) -> Table:
        units = self.categories["unit"]
        columns = [Column(unit, self.label("unit", unit)) for unit in units]
        columns.append(Column("total", self.labels.text("columns", "total")))
        lines = [
            Line(
                route,
                self.label("route", route),
                (
                    *(self.routing[("transfer", route, unit)] for unit in units),
                    self.routing[("route", route)],
                ),
            )
            for route in self.categories["route"]
        ]
        lines.append(
            self.total_line(
                (*(self.routing[("unit", unit)] for unit in units), self.routing[("total",)])
            )
        )
        return self.table(
            "transfers", "referrals", self.labels.text("columns", "category"), columns, lines
        )

    def dimension_table(self, group: str, chart: bool) -> Table:
        of = DIMENSIONS[group]
        keys = self.categories[group]
        now_counts = Counter(of(r) for r in self.current.referrals)
        before_counts = Counter(of(r) for r in self.before.referrals)
        cells, total = protect_column([now_counts[k] for k in keys])
        cells_before, total_before = protect_column([before_counts[k] for k in keys])
        lines = [
            Line(key, self.label(group, key), self.compared(cells[k], cells_before[k]))
            for k, key in enumerate(keys)
        ]
        lines.append(self.total_line(self.compared(total, total_before)))
        return self.table(
            group,
            "referrals",
            self.labels.text("columns", "category"),
            self.comparison_columns(),
            lines,
            self.bars(group) if chart else None,
        )

    def sign_table(self) -> Table:
        now_counts = Counter(s for r in self.current.referrals for s in r.signs)
        before_counts = Counter(s for r in self.before.referrals for s in r.signs)
        lines = [
            Line(
                sign,
                self.label("sign", sign),
                self.compared(count_value(now_counts[sign]), count_value(before_counts[sign])),
            )
            for sign in self.categories["sign"]
        ]
        return self.table(
            "sign",
            "referrals",
            self.labels.text("columns", "category"),
            self.comparison_columns(),
            lines,
        )

    # --- response times --------------------------------------------------------------------

    def _response(self, slice_: Slice) -> dict[str, Value]:
        claims: list[float] = []
        closes: list[float] = []
        known = within = waiting = 0
        for referral in slice_.referrals:
            between = self.clock.between
            if referral.first_response_at is not None:
                claim = between(referral.created_at, referral.first_response_at)
                claims.append(claim)
                known += 1
                within += claim <= 1.0
            else:
                waiting += 1
                known += between(referral.created_at, self.now) >= 1.0
            if referral.closed_at is not None:
                closes.append(between(referral.created_at, referral.closed_at))
        reminders = Counter(event.kind for event in slice_.reminders)
        return {
            "claim_median": percentile_value(claims, 0.5),
            "claim_p90": percentile_value(claims, 0.9),
            "claimed_within_one": share(within, known) if known else EMPTY,
            "close_median": percentile_value(closes, 0.5),
            "close_p90": percentile_value(closes, 0.9),
            "not_claimed": count_value(waiting),
            "reminders": count_value(reminders["reminded"]),
            "escalations": count_value(reminders["escalated"]),
        }

    def response_table(self) -> Table:
        kinds = {
            "claimed_within_one": PERCENT,
            "not_claimed": COUNT,
            "reminders": COUNT,
            "escalations": COUNT,
        }
        lines = [
            Line(
                key,
                self.label("response", key),
                (self.response_now[key], self.response_before[key]),
                kind=kinds.get(key, DAYS),
            )
            for key in self.labels.categories("response")
        ]
        return self.table(
            "response",
            "response",
            self.labels.text("columns", "figure"),
            self.comparison_columns()[:2],
            lines,
        )

    def gates_table(self) -> Table:
        lines = [
            Line(
                kind,
                self.label("gate", kind),
                self.compared(
                    count_value(self.current.gate_count(kind)),
                    count_value(self.before.gate_count(kind)),
                ),
            )
            for kind in self.labels.categories("gate")
        ]
        return self.table(
            "gates",
            "gates",
            self.labels.text("columns", "category"),
            self.comparison_columns(),
            lines,
        )

    # --- training --------------------------------------------------------------------------

    def _kind_counts(
        self, events: Iterable[TrainingEventFacts], of: Callable[[TrainingEventFacts], int]
    ) -> list[int]:
        found: Counter[str] = Counter()
        for event in events:
            found[event.kind] += of(event)
        return [found[kind] for kind in self.categories["event_kind"]]

    def _signup_grid(self, slice_: Slice) -> list[list[Value]]:
        """Kinds x (confirmed, waitlisted, withdrawn) with totals; the last row and column
        are the totals."""
        rows = [
            [
                sum(e.confirmed for e in slice_.held if e.kind == kind),
                sum(e.waitlisted for e in slice_.held if e.kind == kind),
                sum(e.withdrawn for e in slice_.held if e.kind == kind),
            ]
            for kind in self.categories["event_kind"]
        ]
        table = protect(rows, row_totals=True, column_totals=True, keep=[(-1, -1)])
        assert table.row_totals and table.column_totals and table.total
        grid = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
        grid.append([*table.column_totals, table.total])
        return grid

    def training_event_table(self) -> Table:
        kinds = self.categories["event_kind"]
        counts = [
            self._kind_counts(self.current.held, lambda e: 1),
            self._kind_counts(self.current.training, lambda e: int(e.cancelled)),
            self._kind_counts(self.before.held, lambda e: 1),
            self._kind_counts(self.before.training, lambda e: int(e.cancelled)),
        ]
        word = self.labels.category
        now_label, before_label = self.labels.period(self.period), self.labels.period(self.previous)
        columns = (
            Column("held_current", f"{word('training_column', 'held')} {now_label}"),
            Column(
                "cancelled_current", f"{word('training_column', 'cancelled_events')} {now_label}"
            ),
            Column("held_previous", f"{word('training_column', 'held')} {before_label}"),
            Column(
                "cancelled_previous",
                f"{word('training_column', 'cancelled_events')} {before_label}",
            ),
        )
        lines = [
            Line(kind, self.label("event_kind", kind), tuple(shown(c[k]) for c in counts))
            for k, kind in enumerate(kinds)
        ]
        lines.append(self.total_line(tuple(shown(sum(c)) for c in counts)))
        return self.table(
            "training_events", "training", self.labels.text("columns", "category"), columns, lines
        )

    def training_topic_table(self) -> Table:
        def per_topic(events: Iterable[TrainingEventFacts]) -> Counter[str]:
            return Counter(topic for event in events for topic in event.topics)

        now_counts, before_counts = per_topic(self.current.held), per_topic(self.before.held)
        word = self.labels.category("training_column", "events")
        columns = (
            Column("events_current", f"{word} {self.labels.period(self.period)}"),
            Column("events_previous", f"{word} {self.labels.period(self.previous)}"),
        )
        lines = [
            Line(
                topic,
                self.label("topic", topic),
                (shown(now_counts[topic]), shown(before_counts[topic])),
            )
            for topic in self.categories["topic"]
        ]
        return self.table(
            "training_topics", "training", self.labels.text("columns", "category"), columns, lines
        )

    def training_signup_table(self) -> Table:
        word = self.labels.category
        columns = tuple(
            Column(key, word("training_column", key))
            for key in ("confirmed", "waitlisted", "withdrawn", "signups")
        )
        kinds = self.categories["event_kind"]
        lines = [
            Line(kind, self.label("event_kind", kind), tuple(self.signups_grid[k]))
            for k, kind in enumerate(kinds)
        ]
        lines.append(self.total_line(tuple(self.signups_grid[-1])))
        return self.table(
            "training_signups",
            "training",
            self.labels.text("columns", "category"),
            columns,
            lines,
            Chart("bars", self.labels.chart("training_signups"), (3,)),
        )

    def attendance_columns(self) -> list[tuple[list[Value], Value]]:
        return [
            protect_column(self._kind_counts(self.current.held, lambda e: e.attended)),
            protect_column(self._kind_counts(self.before.held, lambda e: e.attended)),
            protect_column(self._kind_counts(self.current.held, lambda e: e.moved_up)),
            protect_column(self._kind_counts(self.before.held, lambda e: e.moved_up)),
        ]

    def training_attendance_table(self, columns_data: list[tuple[list[Value], Value]]) -> Table:
        word = self.labels.category
        now_label, before_label = self.labels.period(self.period), self.labels.period(self.previous)
        columns = (
            Column("attended_current", f"{word('training_column', 'attended')} {now_label}"),
            Column("attended_previous", f"{word('training_column', 'attended')} {before_label}"),
            Column("moved_up_current", f"{word('training_column', 'moved_up')} {now_label}"),
            Column("moved_up_previous", f"{word('training_column', 'moved_up')} {before_label}"),
        )
        lines = [
            Line(kind, self.label("event_kind", kind), tuple(c[k] for c, _ in columns_data))
            for k, kind in enumerate(self.categories["event_kind"])
        ]
        lines.append(self.total_line(tuple(total for _, total in columns_data)))
        return self.table(
            "training_attendance",
            "training",
            self.labels.text("columns", "category"),
            columns,
            lines,
        )

    def training_compare_table(self) -> Table:
        before, before_total = self.signups_before
        totals = self.signups_grid[-1]
        keys = ("confirmed", "waitlisted", "withdrawn")
        lines = [
            Line(key, self.label("training_column", key), self.compared(totals[k], before[k]))
            for k, key in enumerate(keys)
        ]
        lines.append(
            Line(
                "signups",
                self.label("training_column", "signups"),
                self.compared(totals[-1], before_total),
                total=True,
            )
        )
        return self.table(
            "training_compare",
            "training",
            self.labels.text("columns", "category"),
            self.comparison_columns(),
            lines,
        )

    # --- the whole ---------------------------------------------------------------------------

    def headline(self, attendance: list[tuple[list[Value], Value]]) -> Headline:
        count, days, percent = FigureKind.COUNT, FigureKind.DAYS, FigureKind.PERCENT
        r, rb = self.routing, self.routing_before
        now_events, before_events = len(self.current.held), len(self.before.held)

        def figure(key: str, kind: FigureKind, now: Value, before: Value) -> HeadlineFigure:
            return HeadlineFigure(key, kind, now, before)

        def response(key: str, kind: FigureKind) -> HeadlineFigure:
            return figure(key, kind, self.response_now[key], self.response_before[key])

        def gate(kind: str) -> HeadlineFigure:
            return figure(
                kind,
                count,
                count_value(self.current.gate_count(kind)),
                count_value(self.before.gate_count(kind)),
            )

        figures = (
            figure("referrals", count, r[("total",)], rb[("total",)]),
            figure("anonymous", count, r[("mode", "anonymous")], rb[("mode", "anonymous")]),
            figure("named", count, r[("mode", "named")], rb[("mode", "named")]),
            figure("questions", count, self.questions, self.questions_before),
            figure("vink", count, r[("unit", "vink")], rb[("unit", "vink")]),
            figure("ssp", count, r[("unit", "ssp")], rb[("unit", "ssp")]),
            response("claim_median", days),
            response("claim_p90", days),
            response("claimed_within_one", percent),
            response("close_median", days),
            response("reminders", count),
            response("escalations", count),
            gate("acute"),
            gate("not_copenhagen"),
            figure("events_held", count, shown(now_events), shown(before_events)),
            figure(
                "signups",
                count,
                self.signups_grid[-1][-1],
                self.signups_before[1],
            ),
            figure("attended", count, attendance[0][1], attendance[1][1]),
        )
        return Headline(self.period, self.previous, figures)

    def report(self) -> Report:
        attendance = self.attendance_columns()
        tables = (
            self.mode_table(),
            self.month_table(),
            self.routing_table("route", chart=True),
            self.routing_table("rule", chart=False),
            self.routing_table("unit", chart=False),
            self.transfers_table(),
            self.dimension_table("administration", chart=True),
            self.dimension_table("role", chart=False),
            self.dimension_table("age_band", chart=True),
            self.dimension_table("sign_class", chart=False),
            self.sign_table(),
            self.dimension_table("outcome", chart=True),
            self.response_table(),
            self.gates_table(),
            self.training_event_table(),
            self.training_topic_table(),
            self.training_signup_table(),
            self.training_attendance_table(attendance),
            self.training_compare_table(),
        )
        return Report(self.period, self.previous, self.now, self.headline(attendance), tables)
