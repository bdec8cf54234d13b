"""Writing a report: one CSV per table, PNG charts, and one self-contained HTML file.

CSV files are for Danish Excel: semicolons, decimal commas, UTF-8 with a byte-order mark (so
Excel reads æ, ø and å), one header row. The HTML file embeds its charts (base64) and its
style, so it can be mailed or archived as one file; every text in it is escaped.
"""

from __future__ import annotations

import base64
import csv
import html
from dataclasses import dataclass
from pathlib import Path

from annual_report import charts
from annual_report.figures import Line, Report, Table
from annual_report.formatting import cell, slug
from annual_report.labels import Labels, danish

HTML_NAME = "rapport.html"
HEADLINE_NAME = "00-noegletal.csv"


@dataclass(frozen=True)
class Written:
    csv: tuple[Path, ...]
    png: tuple[Path, ...]
    html: Path

    @property
    def files(self) -> tuple[Path, ...]:
        return (*self.csv, *self.png, self.html)


def write(report: Report, out: Path, labels: Labels | None = None) -> Written:
    labels = labels or danish()
    out.mkdir(parents=True, exist_ok=True)
    csv_files = [_write_csv(out / HEADLINE_NAME, *headline_rows(report, labels, csv=True))]
    pngs: dict[str, Path] = {}
    for number, table in enumerate(report.tables, start=1):
        name = f"{number:02d}-{slug(table.title)}"
        csv_files.append(_write_csv(out / f"{name}.csv", *table_rows(table, labels, csv=True)))
        if table.chart is not None:
            pngs[table.id] = charts.render(table, out / f"{name}.png", labels)
    page = out / HTML_NAME
    page.write_text(render_html(report, labels, pngs), encoding="utf-8")
    return Written(tuple(csv_files), tuple(pngs.values()), page)


def headline_rows(
    report: Report, labels: Labels, *, csv: bool
) -> tuple[list[str], list[list[str]]]:
    header = [
        labels.text("columns", "figure"),
        labels.period(report.period),
        labels.period(report.previous),
    ]
    rows = [
        [
            labels.category("headline", figure.id),
            cell(figure.current, figure.kind.value, labels, csv=csv),
            cell(figure.previous, figure.kind.value, labels, csv=csv),
        ]
        for figure in report.headline.figures
    ]
    return header, rows


def table_rows(table: Table, labels: Labels, *, csv: bool) -> tuple[list[str], list[list[str]]]:
    header = [table.header, *(column.label for column in table.columns)]
    rows = [
        [line.label, *(_cell(line, k, table, labels, csv) for k in range(len(table.columns)))]
        for line in table.lines
    ]
    return header, rows


def _cell(line: Line, k: int, table: Table, labels: Labels, csv: bool) -> str:
    return cell(line.values[k], line.kind or table.columns[k].kind, labels, csv=csv)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- HTML ------------------------------------------------------------------------------------

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #111; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #111; }
h3 { margin-top: 1.8rem; font-size: 1.05rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #888; padding: 0.25rem 0.6rem; }
th { background: #eee; text-align: left; } td.n { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 2px solid #111; }
p.note { font-size: 0.9rem; color: #333; } img { max-width: 100%; height: auto; }
@media print { h2 { page-break-before: auto; } table, img { page-break-inside: avoid; } }
"""
SECTIONS = ("referrals", "response", "gates", "training")


def render_html(report: Report, labels: Labels, pngs: dict[str, Path]) -> str:
    text, e = labels.text, html.escape
    period = text(
        "report",
        "period",
        period=labels.period(report.period),
        previous=labels.period(report.previous),
    )
    parts = [
        '<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">',
        f"<title>{e(text('report', 'title'))} {e(labels.period(report.period))}</title>",
        f"<style>{STYLE}</style>\n</head>\n<body>",
        f"<h1>{e(text('report', 'title'))} {e(labels.period(report.period))}</h1>",
        f"<p>{e(period)}</p>",
        f"<p>{e(text('report', 'generated', generated=_day(report)))}</p>",
        f"<h2>{e(text('report', 'headline'))}</h2>",
        _html_table(*headline_rows(report, labels, csv=False), totals=()),
    ]
    for section in SECTIONS:
        tables = [table for table in report.tables if table.section == section]
        parts.append(f"<h2>{e(text('report', f'section_{section}'))}</h2>")
        for table in tables:
            parts.append(f"<h3>{e(table.title)}</h3>")
            header, rows = table_rows(table, labels, csv=False)
            totals = tuple(k for k, line in enumerate(table.lines) if line.total)
            parts.append(_html_table(header, rows, totals=totals))
            if table.note:
                parts.append(f'<p class="note">{e(table.note)}</p>')
            if table.id in pngs:
                data = base64.b64encode(pngs[table.id].read_bytes()).decode("ascii")
                title = table.chart.title if table.chart else table.title
                alt = e(text("report", "chart_alt", title=title))
                parts.append(f'<p><img src="data:image/png;base64,{data}" alt="{alt}"></p>')
    parts.append(f"<h2>{e(text('report', 'section_method'))}</h2>")
    parts.extend(f"<p>{e(paragraph)}</p>" for paragraph in labels.method())
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _html_table(header: list[str], rows: list[list[str]], *, totals: tuple[int, ...]) -> str:
    e = html.escape
    head = "".join(f'<th scope="col">{e(name)}</th>' for name in header)
    body = []
    for k, row in enumerate(rows):
        label, *cells = row
        css = ' class="total"' if k in totals else ""
        numbers = "".join(f'<td class="n">{e(value)}</td>' for value in cells)
        body.append(f'<tr{css}><th scope="row">{e(label)}</th>{numbers}</tr>')
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + ("\n</tbody>\n</table>")
    )


def _day(report: Report) -> str:
    moment = report.generated_at.astimezone(report.period.start.tzinfo)
    return f"{moment.day}.{moment.month}.{moment.year}"
