"""The harness's floor: a raw aiohttp handler that parses the activity and POSTs one reply to
the connector through a shared ClientSession, no SDK. It shows what the bench itself can
drive on this machine (if our bot ever approaches it, the bench is the limit), and that the
load generator is fair. Run as its own process: `PORT=3978 python -m bench.raw_bot`.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)


async def messages(request: web.Request) -> web.Response:
    activity = json.loads(await request.read())
    conversation = activity["conversation"]["id"]
    reply = {
        "type": "message",
        "text": f"Echo: {activity.get('text', '')}",
        "from": activity["recipient"],
        "recipient": activity["from"],
        "conversation": activity["conversation"],
        "replyToId": activity["id"],
    }
    base = activity["serviceUrl"].rstrip("/")
    url = f"{base}/v3/conversations/{conversation}/activities/{activity['id']}"
    async with request.app[SESSION].post(url, json=reply) as response:
        await response.read()
    return web.Response(status=201)


async def _session(app: web.Application) -> AsyncIterator[None]:
    app[SESSION] = aiohttp.ClientSession()
    yield
    await app[SESSION].close()


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.cleanup_ctx.append(_session)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=int(os.environ["PORT"]), print=None)
