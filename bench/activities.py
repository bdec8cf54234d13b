"""Teams-shaped activities for load, as Teams sends them to a bot in a personal chat.

The same shape as `tests/support/activities.py` (which the benchmarks do not import: `tests`
is not a package the bench depends on), encoded once per send to JSON bytes.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

TENANT = "tenant-kk"
BOT = {"id": "28:bot", "name": "VINK og SSP"}


class Activities:
    """Builds the messages one virtual user sends in its own personal conversation."""

    _ids = itertools.count(1)

    def __init__(self, *, service_url: str, run: str, user: int, locale: str = "da-DK") -> None:
        self.conversation_id = f"a:bench-{run}-{user}"
        self._base: dict[str, Any] = {
            "channelId": "msteams",
            "serviceUrl": service_url,
            "from": {
                "id": f"29:bench-{run}-{user}",
                "name": f"Medarbejder {user}",
                "aadObjectId": f"aad-bench-{run}-{user}",
            },
            "recipient": BOT,
            "conversation": {
                "id": self.conversation_id,
                "conversationType": "personal",
                "tenantId": TENANT,
            },
            "locale": locale,
            "channelData": {"tenant": {"id": TENANT}},
        }

    def message(self, text: str) -> bytes:
        activity = dict(self._base)
        activity.update(
            {
                "id": f"bench-{next(self._ids)}",
                "type": "message",
                "text": text,
                "textFormat": "plain",
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            }
        )
        return json.dumps(activity, ensure_ascii=False).encode("utf-8")


def card_actions(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action of the cards in a sent activity, nested action sets included."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(body.get("attachments") or [])
    return found


def visible(body: dict[str, Any]) -> str:
    """What a person sees of a message: its text, or a card's fallback text."""
    if body.get("text"):
        return str(body["text"])
    for attachment in body.get("attachments") or []:
        content = attachment.get("content") or {}
        return str(content.get("fallbackText") or "")
    return ""
