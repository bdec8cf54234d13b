"""Dates and times as users read them: Copenhagen time, in their language (babel's CLDR data;
the patterns live in the catalogue under `formats.*`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from dialogs.i18n import Catalogue

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def local(moment: datetime) -> datetime:
    return moment.astimezone(COPENHAGEN)


def when(catalogue: Catalogue, language: str, moment: datetime) -> str:
    pattern = catalogue.text(language, "formats.datetime")
    return str(format_datetime(local(moment), pattern, locale=language))


def day(catalogue: Catalogue, language: str, moment: datetime) -> str:
    pattern = catalogue.text(language, "formats.date")
    return str(format_datetime(local(moment), pattern, locale=language))
