"""The migrations at start, in a child process: `python -m bot migrate`.

The serving process never imports Alembic (with Mako and Pygments, ~11 MiB it would carry for
its whole life to use once; docs/performance.md, fix 4). The child gets the settings explicitly
(`Settings.environment()`): tests and embedders build `Settings` in code, not from the
environment, and the child must migrate the same database with the same configuration. It runs
the code of the same source tree as this process, whatever the working directory.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.settings import Settings

SOURCE_ROOT = Path(__file__).resolve().parent.parent


class MigrationError(RuntimeError):
    """The migrations at start failed; the message ends with the error the child died of."""


def migration_command() -> list[str]:
    return [sys.executable, "-m", "bot", "migrate"]


def child_environment(settings: Settings) -> dict[str, str]:
    environment = {**os.environ, **settings.environment()}
    environment["DATABASE_URL"] = settings.effective_database_url
    path = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = f"{SOURCE_ROOT}{os.pathsep}{path}" if path else str(SOURCE_ROOT)
    return environment


async def migrate_in_child(settings: Settings) -> None:
    """Run `python -m bot migrate` for these settings and wait for it. What it prints (its log,
    or the traceback it died of) goes to this process's standard error, as if the migration had
    run here; a failure raises `MigrationError` naming the error (the last line printed)."""
    process = await asyncio.create_subprocess_exec(
        *migration_command(),
        env=child_environment(settings),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await process.communicate()
    except BaseException:  # a cancelled start-up: the child must not outlive it
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    text = output.decode("utf-8", errors="replace")
    if text:
        sys.stderr.write(text)
        sys.stderr.flush()
    if process.returncode != 0:
        lines = text.strip().splitlines()
        raise MigrationError(
            f"Database migration failed (`python -m bot migrate` exited with "
            f"{process.returncode}): {lines[-1] if lines else 'no output'}"
        )
