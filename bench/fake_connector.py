"""A fake Bot Framework connector on loopback: records what the bot sends and can answer
with scripted faults (429 with Retry-After, 5xx, slow responses).

Shared by the tests (`tests/bot/`) and the benchmarks. It speaks the subset of the Connector
REST API (v3) the bot uses; its contract tests run the same client calls against it and
against the Agents Playground's connector.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True, slots=True)
class Fault:
    status: int
    retry_after: str | None = None
    delay: float = 0.0


@dataclass(slots=True)
class Call:
    method: str
    path: str
    conversation_id: str | None
    body: dict[str, Any] | None


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition | None = None
    url: str = ""

    def fail_next(self, *faults: Fault) -> None:
        """The next requests are answered with these faults, in order, then normally."""
        self.faults.extend(faults)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Activities the bot posted (replies and new messages), in arrival order."""
        return [
            call.body
            for call in self.calls
            if call.method == "POST"
            and call.body
            and call.body.get("type")
            and "/activities" in call.path
        ]

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self._changed = asyncio.Condition()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/"
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def wait_for_sent(self, count: int, seconds: float = 5.0) -> list[dict[str, Any]]:
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.sent) >= count), seconds)
        return self.sent

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        parts = request.path.strip("/").split("/")
        conversation_id = parts[2] if len(parts) > 2 and parts[1] == "conversations" else None
        if self.faults:
            fault = self.faults.popleft()
            if fault.delay:
                await asyncio.sleep(fault.delay)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self.calls.append(Call(request.method, request.path, conversation_id, None))
            return web.json_response(
                {"error": {"code": "Throttled" if fault.status == 429 else "ServiceError"}},
                status=fault.status,
                headers=headers,
            )
        self.calls.append(Call(request.method, request.path, conversation_id, body))
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()
        return web.json_response(self._answer(request.method, parts, body), status=200)

    def _answer(self, method: str, parts: list[str], body: Any) -> dict[str, Any]:
        if method == "POST" and parts == ["v3", "conversations"]:
            number = next(self._ids)
            return {"id": f"conversation-{number}", "activityId": f"activity-{number}"}
        if method == "GET" and parts[-1] == "pagedmembers":
            return {"members": [], "continuationToken": None}
        return {"id": f"activity-{next(self._ids)}"}
