"""The ids of the committed mock tenant, read from playground/.m365agentsplayground.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / "playground" / ".m365agentsplayground.yml"
CONFIG: dict[str, Any] = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))

TENANT_ID: str = CONFIG["tenantId"]
BOT_ID: str = CONFIG["bot"]["id"]
BOT_NAME: str = CONFIG["bot"]["name"]
METTE: str = CONFIG["currentUser"]["id"]  # the current user: Mette Hansen, a teacher
METTE_NAME: str = CONFIG["currentUser"]["name"]
PERSONAL_CHAT: str = CONFIG["personalChat"]["id"]
GROUP_CHAT: str = CONFIG["groupChat"]["id"]
TEAM: str = CONFIG["team"]["id"]
TEAM_NAME: str = CONFIG["team"]["name"]
GENERAL_CHANNEL = TEAM  # the General channel's conversation id is the team id
SSP_CHANNEL: str = CONFIG["team"]["channels"][0]["id"]
SSP_CHANNEL_NAME: str = CONFIG["team"]["channels"][0]["name"]
