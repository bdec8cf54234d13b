"""The real aiohttp app over HTTP on loopback, talking to a fake connector."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bench.fake_connector import FakeConnector
from bot.app import create_app
from bot.settings import Settings
from tests.support.db import POSTGRES_URL, reset_postgres, sqlite_url


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


class RunningBot:
    def __init__(
        self,
        app: web.Application,
        url: str,
        session: aiohttp.ClientSession,
        runner: web.AppRunner,
    ) -> None:
        self.app = app
        self.url = url
        self.session = session
        self.runner = runner

    async def stop(self) -> None:
        """Stop this instance, as a restart or a crash would (state lives in the database)."""
        await self.runner.cleanup()

    async def post(self, activity: dict[str, Any], **headers: str) -> aiohttp.ClientResponse:
        response = await self.session.post(
            f"{self.url}/api/messages", json=activity, headers=headers
        )
        await response.read()
        return response


StartBot = Callable[..., Awaitable[RunningBot]]


@pytest.fixture
async def start_bot(tmp_path: Path) -> AsyncIterator[StartBot]:
    runners: list[web.AppRunner] = []
    session = aiohttp.ClientSession()

    default_url = sqlite_url(tmp_path)
    if os.environ.get("TEST_APP_DATABASE") == "postgres":
        # scripts/test.sh runs the app-level suites a second time with their state in
        # PostgreSQL, so a query only PostgreSQL refuses cannot hide behind SQLite.
        await reset_postgres()
        default_url = POSTGRES_URL

    async def start(clock: Any = None, **overrides: Any) -> RunningBot:
        fields: dict[str, Any] = {
            "database_url": default_url,
            "send_max_backoff_seconds": 0.05,
        }
        fields.update(overrides)
        fields.setdefault("data_dir", str(tmp_path / "data"))
        app = create_app(Settings(**fields), **({"clock": clock} if clock else {}))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return RunningBot(app, f"http://127.0.0.1:{port}", session, runner)

    try:
        yield start
    finally:
        for runner in runners:
            await runner.cleanup()  # a second cleanup of a stopped runner does nothing
        await session.close()


@pytest.fixture
async def running_bot(start_bot: StartBot) -> RunningBot:
    return await start_bot()
