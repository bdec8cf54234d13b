"""Every command in the Teams command menu (manifest/commands.json) gets a real answer from the
running bot, in its scope: never the "I did not understand" reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.fake_connector import FakeConnector
from dialogs.i18n import default_catalogue
from tests.bot.conftest import StartBot
from tests.support import activities as a

COMMANDS = json.loads(
    (Path(__file__).resolve().parents[2] / "manifest" / "commands.json").read_text("utf-8")
)
NOT_UNDERSTOOD = default_catalogue().text("da", "unknown.text")
CASES = [(scope, command["title"]) for scope, items in COMMANDS.items() for command in items]


@pytest.mark.parametrize(("scope", "title"), CASES, ids=[f"{s}:{t}" for s, t in CASES])
async def test_the_menu_command_is_understood(
    start_bot: StartBot, connector: FakeConnector, scope: str, title: str
) -> None:
    bot = await start_bot(workers_enabled=False)
    if scope == "personal":
        activity = a.message(title, service_url=connector.url)
    else:
        activity = a.bot_added(service_url=connector.url, team=True)
        activity.pop("membersAdded")
        activity.update(
            type="message",
            text=f"<at>VINK og SSP</at> {title}",
            textFormat="plain",
            entities=[{"type": "mention", "mentioned": a.BOT, "text": "<at>VINK og SSP</at>"}],
        )
    await bot.post(activity)
    sent = await connector.wait_for_sent(1)
    assert all(reply.get("text") != NOT_UNDERSTOOD for reply in sent)
