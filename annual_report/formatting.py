"""Danish number formatting for the report: 1.234 and 0,25, "<5", "x", "n<5" and "–"."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from annual_report.labels import Labels
from domain.statistics import Value

DECIMALS = {"count": 0, "change": 0, "change_percent": 0, "days": 2, "percent": 0}
SIGNED = frozenset({"change", "change_percent"})
PERCENT = frozenset({"percent", "change_percent"})


def number(value: float, decimals: int = 0, *, thousands: bool = True) -> str:
    """Danish: '.' between thousands, ',' before decimals, rounded half up as Excel does."""
    exponent = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(value)).quantize(exponent, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    if thousands and len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", ".")
    text = whole + ("," + fraction if fraction else "")
    return ("-" if rounded < 0 else "") + text


def cell(value: Value, kind: str, labels: Labels, *, csv: bool = False) -> str:
    """A value as the report prints it; CSV cells have no thousands separator."""
    if not value.shown:
        return labels.mark(value.mark)
    assert value.number is not None
    text = number(value.number, DECIMALS[kind], thousands=not csv)
    if kind in SIGNED and value.number > 0 and text.strip("0,") != "":
        text = "+" + text
    if kind in PERCENT:
        text = labels.text("units", "percent", value=text)
    return text


def slug(text: str) -> str:
    """A file name from a Danish title: 'Henvendelser efter type' → 'henvendelser-efter-type'."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60]
