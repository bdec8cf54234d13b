"""Command-line work on the training catalogue:

- `python -m bot seed`: insert the demo catalogue (`dialogs/training/demo_catalogue.yaml`)
  relative to today; idempotent (events already there, by key, are left alone).
- `python -m bot import-events FILE [--dry-run] [--language da|en]`: import a YAML or CSV
  catalogue file. Every bad row is reported by line, and a file with any problem imports
  nothing. Events with a `key` already stored are updated (participants are told when the
  time or place changes).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

import dialogs.training
from bot.settings import Settings
from dialogs.i18n import default_catalogue
from dialogs.training.problems import line_text
from domain.training.catalogue_file import CatalogueReport, read_catalogue
from domain.training.events import local
from domain.training.questions import topic_of

log = logging.getLogger(__name__)

DEMO_CATALOGUE = Path(dialogs.training.__file__).parent / "demo_catalogue.yaml"


def file_format(path: Path) -> str:
    return "csv" if path.suffix.lower() == ".csv" else "yaml"


def report_problems(report: CatalogueReport, language: str, out: TextIO) -> None:
    catalogue = default_catalogue()
    print(catalogue.text(language, "training.import.failed", count=len(report.problems)), file=out)
    for problem in report.problems:
        print(line_text(catalogue, language, problem.line, problem.problem), file=out)


async def _store(
    settings: Settings, report: CatalogueReport, *, only_new: bool
) -> tuple[int, int, int]:
    from bot.app import build_cipher
    from storage.engine import create_engine
    from storage.migrate import upgrade
    from storage.training import Training

    engine = create_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
        training = Training(engine, build_cipher(settings))
        result = await training.import_events(
            [event for _, event in report.events], now=datetime.now(UTC), only_new=only_new
        )
    finally:
        await engine.dispose()
    return result.created, result.updated, result.unchanged


def seed(settings: Settings, *, today: date | None = None, out: TextIO = sys.stdout) -> int:
    now = datetime.now(UTC)
    report = read_catalogue(
        DEMO_CATALOGUE.read_text(encoding="utf-8"),
        file_format="yaml",
        topic_of=topic_of,
        today=today or local(now).date(),
    )
    language = settings.default_locale
    if not report.ok:  # the demo file is ours: a problem here is a bug
        report_problems(report, language, sys.stderr)
        return 1
    created, updated, unchanged = asyncio.run(_store(settings, report, only_new=True))
    log.info("seed.done", extra={"events_created": created, "events_unchanged": unchanged})
    print(
        default_catalogue().text(
            language, "training.import.ok", created=created, updated=updated, unchanged=unchanged
        ),
        file=out,
    )
    return 0


def import_events(
    settings: Settings,
    path: Path,
    *,
    dry_run: bool = False,
    language: str | None = None,
    out: TextIO = sys.stdout,
) -> int:
    language = language or settings.default_locale
    catalogue = default_catalogue()
    report = read_catalogue(
        path.read_text(encoding="utf-8-sig"),
        file_format=file_format(path),
        topic_of=topic_of,
        now=datetime.now(UTC),
    )
    if not report.ok:
        report_problems(report, language, out)
        log.info("import_events.refused", extra={"problems": len(report.problems)})
        return 1
    if dry_run:
        print(
            catalogue.text(language, "training.import.dry_run", count=len(report.events)), file=out
        )
        return 0
    created, updated, unchanged = asyncio.run(_store(settings, report, only_new=False))
    log.info(
        "import_events.done",
        extra={"events_created": created, "events_updated": updated, "events_unchanged": unchanged},
    )
    print(
        catalogue.text(
            language, "training.import.ok", created=created, updated=updated, unchanged=unchanged
        ),
        file=out,
    )
    return 0
