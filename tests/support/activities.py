"""Teams-shaped activities for tests, as Teams sends them (JSON dicts)."""

from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)

TENANT = "tenant-kk"
BOT = {"id": "28:bot", "name": "VINK og SSP"}


def user(number: int = 1, name: str | None = None) -> dict[str, Any]:
    return {
        "id": f"29:user-{number}",
        "name": name or f"Medarbejder {number}",
        "aadObjectId": f"aad-user-{number}",
    }


def _base(
    service_url: str, conversation: dict[str, Any], sender: dict[str, Any], locale: str
) -> dict[str, Any]:
    return {
        "id": f"activity-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": sender,
        "recipient": BOT,
        "conversation": conversation,
        "locale": locale,
        "channelData": {"tenant": {"id": TENANT}},
        "timestamp": "2026-11-27T10:00:00.000Z",
    }


def personal(number: int = 1) -> dict[str, Any]:
    return {"id": f"a:personal-{number}", "conversationType": "personal", "tenantId": TENANT}


def message(
    text: str,
    *,
    service_url: str,
    sender: dict[str, Any] | None = None,
    conversation: dict[str, Any] | None = None,
    locale: str = "da-DK",
    value: dict[str, Any] | None = None,
) -> dict[str, Any]:
    activity = _base(service_url, conversation or personal(), sender or user(), locale)
    activity.update({"type": "message", "text": text, "textFormat": "plain"})
    if value is not None:
        activity["value"] = value
        activity.pop("text")
    return activity


def submit(value: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Action.Submit arrives as a message with a value and no text."""
    return message("", value=value, **kwargs)


def execute(
    verb: str,
    data: dict[str, Any] | None = None,
    *,
    service_url: str,
    locale: str = "da-DK",
    sender: dict[str, Any] | None = None,
    conversation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    activity = _base(service_url, conversation or personal(), sender or user(), locale)
    activity.update(
        {
            "type": "invoke",
            "name": "adaptiveCard/action",
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data or {}}},
        }
    )
    return activity


def bot_added(*, service_url: str, team: bool = False, locale: str = "da-DK") -> dict[str, Any]:
    if team:
        conversation = {
            "id": "19:general@thread.tacv2",
            "conversationType": "channel",
            "tenantId": TENANT,
        }
    else:
        conversation = personal()
    activity = _base(service_url, conversation, user(), locale)
    activity.update({"type": "conversationUpdate", "membersAdded": [BOT]})
    if team:
        activity["channelData"].update(
            {
                "team": {"id": "19:team@thread.tacv2"},
                "channel": {"id": "19:general@thread.tacv2"},
                "eventType": "teamMemberAdded",
            }
        )
    return activity
