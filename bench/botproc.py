"""The process under test: started as its own subprocess, so its CPU and memory are its own.

Our bot runs as `python -m bot` (the production entry point); the baseline as
`python -m bench.echo_bot`. Output goes to `bench/results/logs/<name>.log`.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the bench dies, so no bot outlives it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _open_log(logs: Path, name: str) -> tuple[Path, Any]:
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"{name}.log"
    return path, path.open("wb")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def loopback_env(extra: dict[str, str]) -> dict[str, str]:
    """The bench's environment for a child: no proxy may catch loopback traffic."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    env.update(extra)
    return env


@dataclass
class BotProcess:
    name: str
    port: int
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/messages"

    async def stop(self, grace: float = 15.0) -> None:
        if self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGINT)  # aiohttp's run_app shuts down cleanly
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


async def start(
    name: str,
    module: str,
    *,
    env: dict[str, str],
    logs: Path,
    ready_path: str,
    python: str = sys.executable,
    cwd: Path = ROOT,
    start_within: float = 90.0,
) -> BotProcess:
    """Start `python -m module` with PORT set and wait until it answers HTTP on loopback."""
    port = free_port()
    log_path, log_file = _open_log(logs, name)
    argv = [python, "-m", module]
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=str(cwd),
        env=loopback_env({**env, "PORT": str(port)}),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log_file,
        stderr=asyncio.subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    log_file.close()
    bot = BotProcess(name, port, process, log_path)
    deadline = time.monotonic() + start_within
    async with aiohttp.ClientSession() as session:
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{bot.log_tail()}")
            try:
                async with session.get(
                    f"http://127.0.0.1:{port}{ready_path}", timeout=aiohttp.ClientTimeout(total=2)
                ) as response:
                    if response.status < 500:
                        return bot
            except (aiohttp.ClientError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                await bot.stop()
                raise RuntimeError(
                    f"{name} did not answer within {start_within:.0f} s:\n{bot.log_tail()}"
                )
            await asyncio.sleep(0.2)
