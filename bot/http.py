"""HTTP endpoints: `POST /api/messages` (the Bot Framework channel) and `GET /healthz`.

`messages` replaces `CloudAdapter.process`, which answers every invoke with a body with
HTTP 500 (see `bot.compat`). It also refuses oversized and malformed requests politely:
no stack trace ever leaves the process.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.activity_json import ActivityShapeError, from_json
from bot.compat import invoke_response_body

log = logging.getLogger(__name__)

ADAPTER = web.AppKey("adapter", CloudAdapter)
BOT = web.AppKey("bot", Bot)
ENGINE = web.AppKey("engine", AsyncEngine)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def _problem(status: int, title: str) -> web.Response:
    return web.json_response({"status": status, "title": title}, status=status)


async def messages(request: web.Request) -> web.Response:
    if "application/json" not in request.headers.get("Content-Type", ""):
        return _problem(415, "expected application/json")
    try:
        body = await request.json(loads=json.loads)
    except web.HTTPRequestEntityTooLarge:
        return _problem(413, "request body too large")
    except (ValueError, UnicodeDecodeError):
        return _problem(400, "malformed JSON")
    if not isinstance(body, dict):
        return _problem(400, "expected a JSON object")
    try:
        activity = from_json(Activity, body)
    except ActivityShapeError:
        return _problem(400, "not an activity")
    if not activity.type:
        return _problem(400, "activity type missing")

    adapter = request.app[ADAPTER]
    try:
        # Authenticate apart from the turn: a malformed token makes the SDK raise assorted
        # exceptions (jwt, ValueError …), all of which mean 401, never 500.
        authenticated = await adapter.bot_framework_authentication.authenticate_request(
            activity, request.headers.get("Authorization", "")
        )
    except Exception as exc:
        log.warning(
            "http.unauthorized", extra={"error_type": type(exc).__name__, "reason": str(exc)[:200]}
        )
        return _problem(401, "unauthorized")
    invoke_response = await adapter.process_activity(
        authenticated, activity, request.app[BOT].on_turn
    )
    if invoke_response:
        return web.json_response(
            invoke_response_body(invoke_response.body), status=invoke_response.status
        )
    return web.Response(status=201)


async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[ENGINE].connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        log.warning("health.database_unreachable", exc_info=True)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = _problem(exc.status, exc.reason)
    except Exception:
        log.exception("http.unhandled")
        response = _problem(500, "internal error")
    response.headers.update(SECURITY_HEADERS)
    return response
