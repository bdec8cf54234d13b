"""PNG charts that survive a black-and-white printer: grey fills and hatching, black edges,
values written on the bars, Danish labels from the label file.

matplotlib's object API with the Agg canvas (no pyplot, so no global figure state and no
display), the DejaVu Sans font shipped with matplotlib, and no timestamp or software name in
the file: the same figures give the same bytes. A hidden value has no bar or point; its mark
("<5", "x") is written where the bar would start, and a note under the chart says why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from annual_report.figures import Table
from annual_report.formatting import cell
from annual_report.labels import Labels
from domain.statistics import Value

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.edgecolor": "black",
    "axes.linewidth": 0.8,
    "hatch.linewidth": 0.8,
    "svg.fonttype": "none",
}
# One entry per series: (fill, hatch) for bars; (line style, marker, colour) for lines.
BAR_STYLES = (("#4d4d4d", ""), ("white", "///"), ("#bfbfbf", "..."))
LINE_STYLES = (("-", "o", "black"), ("--", "s", "#6e6e6e"))
DPI = 150


def render(table: Table, path: Path, labels: Labels) -> Path:
    """Draw the table's chart (it must have one) into `path`."""
    assert table.chart is not None
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        figure = _line(table, labels) if table.chart.kind == "line" else _bars(table, labels)
        FigureCanvasAgg(figure)
        figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def _series(table: Table) -> list[tuple[str, list[Value]]]:
    assert table.chart is not None
    lines = [line for line in table.lines if not line.total]
    return [
        (table.columns[k].label, [line.values[k] for line in lines]) for k in table.chart.series
    ]


def _bars(table: Table, labels: Labels) -> Figure:
    assert table.chart is not None
    categories = [line.label for line in table.lines if not line.total]
    series = _series(table)
    height = 0.8 / len(series)
    figure = Figure(figsize=(8.0, 1.2 + 0.55 * len(categories) * max(1, len(series) * 0.7)))
    axes = figure.add_subplot()
    largest = max(
        (v.number for _, values in series for v in values if v.number is not None), default=0
    )
    marked = False
    for s, (name, values) in enumerate(series):
        fill, hatch = BAR_STYLES[s % len(BAR_STYLES)]
        offsets = [k + (s - (len(series) - 1) / 2) * height for k in range(len(categories))]
        widths = [v.number if v.number is not None else 0.0 for v in values]
        axes.barh(
            offsets,
            widths,
            height=height * 0.95,
            color=fill,
            edgecolor="black",
            hatch=hatch,
            linewidth=0.8,
            label=name,
        )
        for offset, value in zip(offsets, values, strict=True):
            text = cell(value, "count", labels)
            marked = marked or not value.shown
            axes.text(
                (value.number or 0.0) + largest * 0.01,
                offset,
                text,
                va="center",
                ha="left",
                fontsize=8,
                style="normal" if value.shown else "italic",
            )
    axes.set_yticks(range(len(categories)), categories)
    axes.invert_yaxis()
    axes.set_xlim(0, max(1.0, largest) * 1.15)
    axes.set_xlabel(labels.text("report", "count_axis"))
    axes.spines[["top", "right"]].set_visible(False)
    _finish(figure, axes, table, labels, marked, legend=len(series) > 1)
    return figure


def _line(table: Table, labels: Labels) -> Figure:
    months = [line.id for line in table.lines if not line.total]
    ticks = [labels.month(0, int(month[5:]), short=True) for month in months]
    figure = Figure(figsize=(8.0, 4.2))
    axes = figure.add_subplot()
    marked = False
    for s, (name, values) in enumerate(_series(table)):
        style, marker, colour = LINE_STYLES[s % len(LINE_STYLES)]
        points = [v.number if v.number is not None else math.nan for v in values]
        axes.plot(
            range(len(points)),
            points,
            linestyle=style,
            marker=marker,
            color=colour,
            markerfacecolor="white" if s else colour,
            linewidth=1.6,
            label=name,
        )
        for k, value in enumerate(values):
            if not value.shown:
                marked = True
                axes.annotate(
                    cell(value, "count", labels),
                    (k, 0),
                    xytext=(0, 4 + 10 * s),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                    color=colour,
                )
    axes.set_xticks(range(len(ticks)), ticks)
    highest = max(
        (v.number for _, values in _series(table) for v in values if v.number is not None),
        default=0.0,
    )
    axes.set_ylim(0, max(5.0, highest * 1.12))
    axes.set_xlabel(labels.text("report", "months_axis"))
    axes.set_ylabel(labels.text("report", "count_axis"))
    axes.grid(axis="y", color="#d0d0d0", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    _finish(figure, axes, table, labels, marked, legend=True)
    return figure


def _finish(
    figure: Figure, axes: Axes, table: Table, labels: Labels, marked: bool, *, legend: bool
) -> None:
    assert table.chart is not None
    figure.suptitle(table.chart.title, fontsize=12, fontweight="bold", x=0.02, ha="left")
    if legend:
        axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, fontsize=9)
    if marked:
        figure.text(0.02, 0.01, labels.text("report", "chart_marks"), fontsize=8, style="italic")
    figure.tight_layout(rect=(0, 0.04 if marked else 0, 1, 1))


def charted(tables: Sequence[Table]) -> list[Table]:
    return [table for table in tables if table.chart is not None]
