"""Training through the Agents Playground: Mette asks about theme days, signs up from the card,
sees the confirmation with a calendar link the bot serves, and finds it under "my sign-ups".

The playground stamps `locale: "en-US"` on what it sends (see test_personal_chat.py), so the
bot answers in English here.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from icalendar import Calendar

from bot.training_setup import TRAINING
from dialogs.i18n import default_catalogue, language_of
from domain.training.events import EventData, EventKind, local, local_instant
from storage.training import EventRecord
from tests.e2e.harness import BotServer
from tests.e2e.mock_tenant import METTE, PERSONAL_CHAT
from tests.e2e.playground_client import PlaygroundClient, has_card_title

pytestmark = pytest.mark.e2e

CATALOGUE = default_catalogue()
LANGUAGE = language_of("en-US")
TITLE = "Temadag: Sociale medier og rekruttering (e2e)"


def t(key: str, **values: Any) -> str:
    return CATALOGUE.text(LANGUAGE, key, **values)


def actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = list(card.get("actions", []))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "ActionSet":
                found.extend(node["actions"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card.get("body", []))
    return found


async def theme_day(bot_server: BotServer) -> EventRecord:
    now = datetime.now(UTC)
    day = local(now).date() + timedelta(days=10)
    data = EventData(
        kind=EventKind.THEME_DAY,
        title=TITLE,
        starts_at=local_instant(day, time(9, 0)),
        ends_at=local_instant(day, time(15, 30)),
        capacity=40,
        signup_deadline=local_instant(day - timedelta(days=2), time(23, 59)),
        topics=("social_media", "recruitment"),
        description="Algoritmer, fællesskaber og rekruttering online.",
        place="Københavns Rådhus",
        key="e2e-theme-day",
    )
    return await bot_server.call(lambda app: app[TRAINING].create_event(data, now=now))


async def test_ask_about_theme_days_sign_up_from_the_card_and_see_the_confirmation(
    client: PlaygroundClient, bot_server: BotServer
) -> None:
    event = await theme_day(bot_server)

    async with client.stream() as chat:
        await client.send_text(PERSONAL_CHAT, "when is the next theme day?", from_id=METTE)
        answer = await chat.next(
            has_card_title(t("training.answer.next", what=t("training.kind.theme_day")))
        )
        assert TITLE in answer.card_texts()
        signup = next(
            action
            for action in actions_of(answer.card)
            if action.get("data", {}).get("training") == "signup"
        )
        assert signup["data"]["event"] == event.id

        await client.submit(PERSONAL_CHAT, answer.message_id, signup["data"], from_id=METTE)
        confirmation = await chat.next(has_card_title(t("training.signup.confirmed", title=TITLE)))

        await client.send_text(PERSONAL_CHAT, "my sign-ups", from_id=METTE)
        mine = await chat.next(has_card_title(t("training.mine.title")))

    assert confirmation.conversation_id == PERSONAL_CHAT
    assert t("training.signup.calendar_hint") in confirmation.card_texts()
    calendar = next(a for a in actions_of(confirmation.card) if a["type"] == "Action.OpenUrl")
    assert calendar["title"] == t("training.button.calendar")
    assert t("training.status.confirmed") in mine.card_texts()

    # The calendar link is served by the bot itself (PUBLIC_BASE_URL points elsewhere here).
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{bot_server.url}{urlsplit(calendar['url']).path}") as response,
    ):
        assert response.status == 200
        ics = Calendar.from_ical(await response.read())
    [entry] = ics.walk("VEVENT")
    assert str(entry["SUMMARY"]) == TITLE
    assert entry.decoded("DTSTART").astimezone(UTC) == event.starts_at
