"""The end-to-end harness: the real bot in-process and the real Agents Playground beside it.

* `BotServer`: `bot.app.create_app(settings)` served by aiohttp on 127.0.0.1 and a free port,
  in a background thread with its own event loop. The tests keep pytest-asyncio's per-test
  loops; `BotServer.call(...)` runs a coroutine on the bot's loop (e.g.
  `app[PROACTIVE].send(...)`) and awaits its result from the test's loop.
* `start_playground`: `scripts/start-playground.sh` (the one script that starts the playground,
  with the safety switches) pointed at the bot, on a free port read from "Listening on N".
* `StreamSink`: a conversation-stream client that stays connected for the whole session.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import re
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from aiohttp import web
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as connect_sync

from bot.app import create_app
from bot.settings import Settings
from tests.e2e.mock_tenant import ROOT, TENANT_ID
from tests.e2e.playground_client import CONVERSATION_STREAM

START_PLAYGROUND = ROOT / "scripts" / "start-playground.sh"
START_TIMEOUT = 30.0

T = TypeVar("T")


class HarnessError(RuntimeError):
    pass


def only_loopback() -> bool:
    """True inside `unshare -n` (after `ip link set lo up`): `lo` is the only interface."""
    return {name for _, name in socket.if_nameindex()} == {"lo"}


# --- the bot, in-process ------------------------------------------------------------------------


class BotServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app: web.Application = create_app(settings)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="e2e-bot", daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def start(self) -> None:
        self._thread.start()
        self._submit(self._start()).result(START_TIMEOUT)

    async def _start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))  # a free port, held from here on: no race
        self.port = listener.getsockname()[1]
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()  # runs the app's start-up: migrations, adapter, ...
        await web.SockSite(self._runner, listener).start()

    def stop(self) -> None:
        if self._runner is not None:
            self._submit(self._runner.cleanup()).result(START_TIMEOUT)
        self._submit(self._cancel_leftovers()).result(START_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_TIMEOUT)
        self._loop.close()

    @staticmethod
    async def _cancel_leftovers() -> None:
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def call(self, function: Callable[[web.Application], Awaitable[T]]) -> T:
        """Run `function(app)` on the bot's loop; await its result from the caller's loop."""

        async def run() -> T:
            return await function(self.app)

        return await asyncio.wrap_future(self._submit(run()))


def development_settings(directory: Path) -> Settings:
    return Settings(
        app_id="",  # development mode: no authentication, loopback only
        app_password="",
        database_url=f"sqlite+aiosqlite:///{directory / 'bot.sqlite3'}",
        data_dir=str(directory),  # development keys and files stay in the test's folder
        default_locale="da",
        allowed_tenant_ids=TENANT_ID,  # as in production: only the (mock) municipality
        migrate_on_start=True,
        log_level="INFO",
    )


# --- the playground, as a subprocess ------------------------------------------------------------


class StreamSink:
    """Keeps one conversation-stream client connected for the whole session.

    With no client connected the playground buffers bot messages and flushes them into the
    next connection, so a message that arrived between two tests would leak into the next
    test's stream. With this sink connected nothing is ever buffered. It keeps what it saw.
    """

    def __init__(self, url: str) -> None:
        self.received: list[str] = []
        self.error: BaseException | None = None
        self._websocket: ClientConnection | None = None
        self._connected = threading.Event()
        self._thread = threading.Thread(
            target=self._drain, args=(url,), name="e2e-stream-sink", daemon=True
        )
        self._thread.start()
        if not self._connected.wait(START_TIMEOUT) or self._websocket is None:
            raise HarnessError(f"cannot connect to {url}: {self.error!r}")

    def _drain(self, url: str) -> None:
        try:
            with connect_sync(url, max_size=None, close_timeout=2) as websocket:
                self._websocket = websocket
                self._connected.set()
                for message in websocket:
                    self.received.append(str(message))
        except ConnectionClosed:
            pass
        except BaseException as exc:  # reported by close()
            self.error = exc
        finally:
            self._connected.set()

    def close(self) -> None:
        if self._websocket is not None:
            self._websocket.close()
        self._thread.join(5)
        if self.error is not None:
            raise HarnessError("the conversation-stream sink failed") from self.error


@dataclass
class Playground:
    process: subprocess.Popen[str]
    port: int
    log_file: Path
    sink: StreamSink
    _reader: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.sink.close()
        _terminate(self.process, self._reader)


def _terminate(process: subprocess.Popen[str], reader: threading.Thread) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    reader.join(5)
    if process.stdout is not None:
        process.stdout.close()


def _read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))


def _ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_debug/ping", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def start_playground(bot_port: int, log_file: Path) -> Playground:
    if not only_loopback():  # belt and braces: the fixtures check this first
        raise HarnessError("refusing to start the playground outside a loopback-only namespace")
    env = {
        **os.environ,
        "PORT": str(bot_port),
        "PLAYGROUND_PORT": "0",  # any free port; it reports it as "Listening on N"
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_file),
    }
    process = subprocess.Popen(
        [str(START_PLAYGROUND)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(
        target=_read_lines, args=(process.stdout, lines), name="e2e-playground-out", daemon=True
    )
    reader.start()
    output: list[str] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        port = 0
        while not port:
            if time.monotonic() > deadline or process.poll() is not None:
                raise HarnessError(f"the playground did not start; its output: {output}")
            with contextlib.suppress(queue.Empty):
                line = lines.get(timeout=0.2)
                output.append(line)
                match = re.fullmatch(r"Listening on (\d+)", line.strip())
                port = int(match.group(1)) if match else 0
        url = f"http://127.0.0.1:{port}"
        while not _ping(url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise HarnessError(f"the playground does not answer {url}/_debug/ping")
            time.sleep(0.1)
        sink = StreamSink(f"ws://127.0.0.1:{port}{CONVERSATION_STREAM}")
    except BaseException:
        _terminate(process, reader)
        raise
    return Playground(process=process, port=port, log_file=log_file, sink=sink, _reader=reader)
