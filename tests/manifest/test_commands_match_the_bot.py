"""Every command in the Teams command menu is one the bot understands, in Danish."""

from __future__ import annotations

import json
from pathlib import Path

from dialogs.commands import GLOBAL_COMMANDS, MENU_COMMANDS, CommandRecogniser
from dialogs.i18n import default_catalogue

COMMANDS = Path(__file__).resolve().parents[2] / "manifest" / "commands.json"


def test_every_menu_command_is_recognised_by_the_bot() -> None:
    recogniser = CommandRecogniser(default_catalogue(), GLOBAL_COMMANDS + MENU_COMMANDS)
    lists = json.loads(COMMANDS.read_text(encoding="utf-8"))
    unknown = [
        f"{scope}: {command['title']}"
        for scope, commands in lists.items()
        for command in commands
        if recogniser.recognise(command["title"]) is None
    ]
    assert unknown == []
