"""The serving process carries only what turns use (issue #7's memory target, docs/performance.md
fix 4): Alembic runs in a child process at start, and the annual report, the calendar files,
the `holidays` library and test-only packages are not imported. Each of these, imported by
mistake at module level, would cost the bot megabytes for its whole life without failing
anything else; this file is what notices."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.app import create_app
from bot.migrations import MigrationError, child_environment
from bot.settings import Settings, load_settings
from storage.engine import create_engine
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY, sqlite_url

ROOT = Path(__file__).resolve().parents[2]

# Top-level packages the serving process must not import: Alembic and what it brings (fix 4);
# the annual report and its charts (`python -m bot report` only); icalendar (when a calendar
# file is opened); `holidays` (its first Denmark loads all ~250 countries; working days use
# domain.working_days' own rules); and the test tools.
NOT_AT_SERVE_TIME = (
    "alembic",
    "mako",
    "pygments",
    "annual_report",
    "matplotlib",
    "numpy",
    "PIL",
    "icalendar",
    "holidays",
    "pytest",
    "hypothesis",
    "jsonschema",
    "websockets",
    "adaptive_cards",
)

SERVE = textwrap.dedent(
    """
    import asyncio, json, sys
    from datetime import UTC, datetime

    from aiohttp import web

    from bot.app import WORKERS, create_app
    from bot.settings import Settings
    from domain.working_days import add_working_days


    async def main() -> None:
        settings = Settings(database_url=sys.argv[1], data_dir=sys.argv[2], workers_enabled=False)
        app = create_app(settings)
        runner = web.AppRunner(app)
        await runner.setup()  # the start-up: migrations (in a child), adapter, dialogs
        for job in app[WORKERS].jobs:  # every background job, once
            await app[WORKERS].run_once(job.name)
        # What filing a referral computes besides the dialog: its response deadline.
        add_working_days(datetime(2026, 12, 23, 15, tzinfo=UTC), 3)
        await runner.cleanup()


    asyncio.run(main())
    print(json.dumps(sorted(sys.modules)))
    """
)


def test_the_serving_app_imports_no_migration_report_or_test_code(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SERVE, sqlite_url(tmp_path), str(tmp_path / "data")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    imported = sorted({name.split(".")[0] for name in modules} & set(NOT_AT_SERVE_TIME))
    assert imported == []
    assert "bot.app" in modules and "sqlalchemy" in modules  # it did see the app


async def test_the_start_migrates_the_database_to_the_head_revision(tmp_path: Path) -> None:
    from aiohttp import web

    app = create_app(
        Settings(database_url=sqlite_url(tmp_path), data_dir=str(tmp_path), workers_enabled=False)
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await runner.cleanup()

    engine = create_engine(sqlite_url(tmp_path))
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            version = (await connection.exec_driver_sql("SELECT * FROM alembic_version")).one()
    finally:
        await engine.dispose()
    assert {"bot_state", "referrals", "processed_activities", "alembic_version"} <= tables
    assert version[0]  # the tests of storage/ check it is the head and equals the models


async def test_a_failed_migration_stops_the_start_naming_the_error(tmp_path: Path) -> None:
    from aiohttp import web

    app = create_app(
        Settings(
            database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
            data_dir=str(tmp_path),
            workers_enabled=False,
        )
    )
    runner = web.AppRunner(app)
    with pytest.raises(MigrationError, match=r"exited with 1\): ConnectionRefusedError"):
        await runner.setup()
    await runner.cleanup()


def test_the_child_gets_the_settings_built_in_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests and embedders build `Settings` in code; the child reads its environment. Even a
    production configuration, which the child validates again, arrives whole."""
    settings = Settings(
        app_id="11111111-2222-3333-4444-555555555555",
        app_password="a-real-looking-secret-value",
        app_tenant_id="tenant-kk",
        data_encryption_keys=TEST_KEYS,
        pseudonym_key=TEST_PSEUDONYM_KEY,
        workers_enabled=False,
        send_max_backoff_seconds=0.05,
        log_level="WARNING",
    )
    environment = child_environment(settings)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert load_settings() == settings.model_copy(
        update={"database_url": settings.effective_database_url}
    )
    assert str(ROOT) in environment["PYTHONPATH"].split(":")
