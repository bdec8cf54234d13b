"""End-to-end fixtures: the real bot, in-process, talking to the real Agents Playground.

* `bot_server` (session): the bot on a temporary SQLite database, on 127.0.0.1 and a free port,
  in its own thread and event loop (tests keep their own loops; see `harness.BotServer.call`).
* `playground` (session): the playground via `scripts/start-playground.sh`, on a free port.
* `client` (per test): a `PlaygroundClient` on the test's loop.

The playground must only ever reach loopback: the fixtures refuse to start it unless the
process runs in a network namespace whose only interface is `lo`:

    unshare -n sh -c 'ip link set lo up && .venv/bin/pytest -m e2e tests/e2e'

(scripts/test.sh runs the e2e tests exactly so).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from tests.e2e.harness import (
    BotServer,
    Playground,
    development_settings,
    only_loopback,
    start_playground,
)
from tests.e2e.playground_client import PlaygroundClient


@pytest.fixture(scope="session")
def loopback_only() -> None:
    if not only_loopback():
        interfaces = sorted(name for _, name in socket.if_nameindex())
        pytest.fail(
            "The e2e tests start the Agents Playground and must run where only loopback exists:\n"
            "  unshare -n sh -c 'ip link set lo up && .venv/bin/pytest -m e2e tests/e2e'\n"
            f"(network interfaces here: {interfaces})",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def bot_server(
    loopback_only: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotServer]:
    server = BotServer(development_settings(tmp_path_factory.mktemp("bot")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def playground(
    loopback_only: None, bot_server: BotServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Playground]:
    instance = start_playground(
        bot_server.port, tmp_path_factory.mktemp("playground") / "playground.log"
    )
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
async def client(playground: Playground) -> AsyncIterator[PlaygroundClient]:
    async with aiohttp.ClientSession() as session:
        yield PlaygroundClient(playground.url, session)
