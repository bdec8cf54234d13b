"""Fixtures of the reliability tests: the fake connector (Teams) and a launcher of real bot
processes that never outlive the test. `database_url` (tests/conftest.py) gives each test an
empty database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.bot.conftest import connector  # noqa: F401  (the fake Bot Connector)
from tests.reliability.harness import Bots


@pytest.fixture
async def bots(tmp_path: Path) -> AsyncIterator[Bots]:
    async with aiohttp.ClientSession() as session:
        launcher = Bots(tmp_path, session)
        try:
            yield launcher
        finally:
            await launcher.stop_all()
            print(launcher.logs())  # shown when the test failed
