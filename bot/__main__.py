"""`python -m bot` runs the service; `python -m bot migrate` only applies the migrations;
`python -m bot seed` and `python -m bot import-events FILE` fill the training catalogue;
`python -m bot report --from 2026-01-01 --to 2026-12-31 --out reports/2026` writes the annual
figures."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date
from pathlib import Path

from bot.settings import ConfigurationError, load_settings

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the bot service (default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("new-key", help="print a new encryption key for DATA_ENCRYPTION_KEYS")
    sub.add_parser("rotate-keys", help="re-encrypt all data with the first configured key")
    sub.add_parser("seed", help="insert the demo training catalogue (idempotent)")
    importer = sub.add_parser(
        "import-events", help="import training events from a YAML or CSV file (docs/training.md)"
    )
    importer.add_argument("file", type=Path, help="the catalogue file (.yaml, .yml or .csv)")
    importer.add_argument("--dry-run", action="store_true", help="check the file, store nothing")
    importer.add_argument("--language", choices=("da", "en"), help="language of the report")
    report = sub.add_parser(
        "report", help="write the annual figures: CSV, PNG charts, HTML (docs/report.md)"
    )
    report.add_argument(
        "--from", dest="first", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD"
    )
    report.add_argument(
        "--to",
        dest="last",
        type=date.fromisoformat,
        required=True,
        help="last day (included), YYYY-MM-DD",
    )
    report.add_argument("--out", type=Path, required=True, help="folder for the files")
    args = parser.parse_args(argv)

    from bot.logging_setup import configure_logging

    if args.command == "new-key":
        from datetime import UTC, datetime

        from storage.crypto import generate_key

        print(f"k{datetime.now(UTC):%Y%m%d}:{generate_key()}")
        return 0

    try:
        settings = load_settings()
    except ConfigurationError as exc:
        configure_logging("INFO")
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)

    if args.command == "report":
        from annual_report.cli import run as run_report

        return run_report(settings.effective_database_url, args.first, args.last, args.out)

    if args.command in ("seed", "import-events"):
        from bot import training_cli

        if args.command == "seed":
            return training_cli.seed(settings)
        return training_cli.import_events(
            settings, args.file, dry_run=args.dry_run, language=args.language
        )

    if args.command == "rotate-keys":
        from bot.app import build_cipher
        from storage.engine import create_engine
        from storage.migrate import upgrade
        from storage.rotation import rotate

        async def rotate_all() -> dict[str, int]:
            engine = create_engine(settings.effective_database_url)
            try:
                await upgrade(engine)
                return await rotate(engine, build_cipher(settings))
            finally:
                await engine.dispose()

        counts = asyncio.run(rotate_all())
        log.info("rotate_keys.done", extra={"re_encrypted": counts})
        return 0

    if args.command == "migrate":
        from storage.engine import create_engine
        from storage.migrate import upgrade

        async def migrate() -> None:
            engine = create_engine(settings.effective_database_url)
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()

        asyncio.run(migrate())
        log.info("migrate.done")
        return 0

    from aiohttp import web

    from bot.app import create_app
    from bot.migrations import MigrationError
    from domain.routing import RuleTableError

    try:
        app = create_app(settings)
    except RuleTableError as exc:
        print(f"Routing rules error: {exc}", file=sys.stderr)
        return 2

    async def freeze_start_up_objects(_: web.Application) -> None:
        # Everything built at start-up lives as long as the process: move it out of the
        # collector's sight, so a full collection scans only what turns allocate
        # (docs/performance.md, fix 3). Here, not in create_app: tests build many apps.
        import gc

        gc.collect()
        gc.freeze()

    app.on_startup.append(freeze_start_up_objects)
    try:
        web.run_app(
            app,
            host=settings.bind_host,
            port=settings.port,
            access_log=None,
            print=None,
        )
    except MigrationError as exc:  # the child's output, printed above, has the details
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
