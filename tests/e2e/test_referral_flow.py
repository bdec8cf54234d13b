"""Mette files one named and one anonymous concern referral through the Agents Playground,
clicking the cards where a person would and typing elsewhere, and reads the receipts.

The playground stamps `locale: "en-US"` on what it sends, so the bot answers in English.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from dialogs.i18n import default_catalogue
from tests.e2e.mock_tenant import METTE, PERSONAL_CHAT
from tests.e2e.playground_client import BotMessage, ConversationStream, PlaygroundClient

pytestmark = pytest.mark.e2e

CATALOGUE = default_catalogue()
RECEIPT = re.compile(r"Your referral (BEK-\d{4}-\d{4}) has been sent to (.+?)\. ")


def en(key: str, **values: Any) -> str:
    return CATALOGUE.text("en", key, **values)


def shown(message: BotMessage) -> str:
    """What a person reads: the text, or the card's texts and fallback."""
    if message.cards:
        card = message.card
        return "\n".join([*message.card_texts(), str(card.get("fallbackText", ""))])
    return message.text or ""


class Mette:
    def __init__(self, client: PlaygroundClient, chat: ConversationStream) -> None:
        self.client = client
        self.chat = chat
        self.last: BotMessage | None = None

    async def says(self, text: str, replies: int = 1) -> list[BotMessage]:
        await self.client.send_text(PERSONAL_CHAT, text, from_id=METTE)
        return await self._read(replies)

    async def clicks(self, value: dict[str, Any], replies: int = 1) -> list[BotMessage]:
        assert self.last is not None
        await self.client.submit(PERSONAL_CHAT, self.last.message_id, value, from_id=METTE)
        return await self._read(replies)

    async def _read(self, replies: int) -> list[BotMessage]:
        messages = [await self.chat.next() for _ in range(replies)]
        self.last = messages[-1]
        return messages

    async def starts_fresh(self) -> None:
        """Whatever an earlier test left: cancel it (and confirm if asked)."""
        [answer] = await self.says("cancel")
        if en("referral.cancel_confirm") in shown(answer):
            await self.says("yes")


async def test_a_named_referral_is_routed_to_ssp_and_receipted(client: PlaygroundClient) -> None:
    async with client.stream() as chat:
        mette = Mette(client, chat)
        await mette.starts_fresh()
        [acute] = await mette.says("I am worried about a pupil")
        assert en("referral.step.acute.prompt") in shown(acute)
        [mode] = await mette.clicks({"step": "acute", "answer": "no"})
        assert en("referral.step.mode.prompt") in shown(mode)
        await mette.clicks({"step": "mode", "answer": "named"})
        await mette.clicks({"step": "role", "role": "teacher", "administration": "buf"})
        await mette.says("4")  # 18-25
        await mette.says("yes")  # lives in Copenhagen
        await mette.clicks({"step": "signs", "serious": "threats", "other": "us_vs_them"})
        await mette.clicks({"step": "crime_status", "answer": "none_known"})
        [context] = await mette.says("He threatened a teacher after class on Monday, I heard it.")
        assert en("referral.step.context.prompt") in shown(context)
        [youth] = await mette.clicks(
            {
                "step": "context",
                "leader": "yes",
                "parents": "no",
                "aware": "unknown",
                "agencies": "no",
                "protective": "",
            }
        )
        assert en("referral.step.youth.prompt") in shown(youth)
        [summary] = await mette.clicks(
            {
                "step": "youth",
                "name": "Ali Hassan",
                "birth_year": "2006",
                "school": "Nørre Gymnasium",
            }
        )
        assert en("referral.step.summary.prompt") in shown(summary)
        assert en("routing.reason.crime_preventive") in shown(summary)
        [receipt] = await mette.clicks({"step": "summary", "action": "send"})

    text = shown(receipt)
    found = RECEIPT.search(text)
    assert found, text
    assert found.group(2) == en("options.unit.ssp")
    assert en("referral.receipt.title") in text


async def test_an_anonymous_referral_typed_without_cards_stays_with_vink(
    client: PlaygroundClient,
) -> None:
    async with client.stream() as chat:
        mette = Mette(client, chat)
        await mette.starts_fresh()
        await mette.says("new concern")
        for answer in ("no", "1", "1", "1", "3", "yes", "8", "1"):
            await mette.says(answer)
        [context] = await mette.says("A pupil watches extremist videos in the breaks every day.")
        assert en("referral.step.context.prompt") in shown(context)
        for answer in ("yes", "no", "don't know", "no"):
            await mette.says(answer)
        [notify] = await mette.says("skip")
        assert en("referral.step.notify_duty.prompt") in shown(notify)
        [summary] = await mette.says("ok")
        assert en("routing.reason.anonymous") in shown(summary)
        [receipt] = await mette.says("send")

    text = shown(receipt)
    found = RECEIPT.search(text)
    assert found, text
    assert found.group(2) == en("options.unit.vink")
    assert en("referral.receipt.anonymous_note") in text
