"""The consultant side end to end, through the real Agents Playground: an admin registers the
units' channels, Mette files a referral in her personal chat, its card appears in VINK's
channel, Ahmad claims it with Action.Execute, the card updates for everyone, and Mette is told.

This module runs its own bot (with Line Pedersen as admin) and its own playground, so the
session-wide ones stay as the other e2e tests expect them. In the mock tenant both units'
channels are in one team, so the roster cannot tell VINK from SSP consultants: the admin lists
Ahmad as a VINK consultant, as docs/consultants.md describes for that set-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from dialogs.i18n import default_catalogue, language_of
from tests.e2e.harness import BotServer, Playground, development_settings, start_playground
from tests.e2e.mock_tenant import (
    BOT_ID,
    BOT_NAME,
    CONFIG,
    GENERAL_CHANNEL,
    METTE,
    PERSONAL_CHAT,
    SSP_CHANNEL,
    TEAM,
    TENANT_ID,
)
from tests.e2e.playground_client import (
    BotMessage,
    ConversationStream,
    PlaygroundClient,
    in_conversation,
)

pytestmark = pytest.mark.e2e

CATALOGUE = default_catalogue()
EN = language_of("en-US")  # the playground's activities say en-US
USERS = {user["name"]: user for user in CONFIG["users"]}
AHMAD = USERS["Ahmad Khalil"]
LINE = USERS["Line Pedersen"]
DESCRIPTION = "Eleven taler om 'os og dem' og har trukket sig fra sine venner."


def t(key: str, **values: Any) -> str:
    return CATALOGUE.text(EN, key, **values)


@pytest.fixture(scope="module")
def consultant_bot(
    loopback_only: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotServer]:
    base = development_settings(tmp_path_factory.mktemp("consultant-bot"))
    settings = base.model_copy(update={"admin_aad_object_ids": LINE["aadObjectId"]})
    server = BotServer(settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def consultant_playground(
    consultant_bot: BotServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Playground]:
    instance = start_playground(
        consultant_bot.port, tmp_path_factory.mktemp("consultant-playground") / "playground.log"
    )
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
async def teams(consultant_playground: Playground) -> AsyncIterator[PlaygroundClient]:
    async with aiohttp.ClientSession() as session:
        yield PlaygroundClient(consultant_playground.url, session)


def mention(text: str) -> tuple[str, list[dict[str, Any]]]:
    at = f"<at>{BOT_NAME}</at>"
    return f"{at} {text}", [{"mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": at}]


async def say_in_channel(
    teams: PlaygroundClient,
    stream: ConversationStream,
    channel: str,
    text: str,
    sender: dict[str, Any],
) -> BotMessage:
    """`sender` @mentions the bot in a channel. The playground's message API always sends as
    its current user (Mette), so another person's message goes in as a custom activity,
    shaped as Teams sends a channel message."""
    message, mentions = mention(text)
    activity = await teams.activity_template(channel)
    activity.update(
        type="message",
        text=message,
        textFormat="plain",
        locale="en-US",
        entities=[{"type": "mention", **entity} for entity in mentions],
        channelData={
            "tenant": {"id": TENANT_ID},
            "team": {"id": TEAM},
            "channel": {"id": channel},
        },
    )
    activity["from"] = {
        "id": sender["id"],
        "name": sender["name"],
        "aadObjectId": sender["aadObjectId"],
    }
    await teams.send_activity(activity)
    return await stream.next(lambda m: m.conversation_id.startswith(channel) and bool(m.text))


async def file_a_referral(teams: PlaygroundClient, chat: ConversationStream) -> str:
    """Mette goes through the referral dialog in her personal chat; returns the reference."""
    await teams.send_text(PERSONAL_CHAT, "ny bekymring", from_id=METTE)
    card = await chat.next(in_conversation(PERSONAL_CHAT))
    for value in (
        {"step": "acute", "answer": "no"},
        {"step": "mode", "answer": "named"},
        {"step": "role", "role": "teacher", "administration": "buf"},
        {"step": "age_band", "answer": "15_17"},
        {"step": "residence", "answer": "yes"},
        {"step": "signs", "serious": "", "other": "us_vs_them,isolation"},
        {"step": "crime_status", "answer": "none_known"},
    ):
        await teams.submit(PERSONAL_CHAT, card.message_id, value, from_id=METTE)
        card = await chat.next(in_conversation(PERSONAL_CHAT))
    await teams.send_text(PERSONAL_CHAT, DESCRIPTION, from_id=METTE)
    card = await chat.next(in_conversation(PERSONAL_CHAT))
    context = {"step": "context", "leader": "yes", "parents": "no", "aware": "no", "agencies": "no"}
    for value in (context, {"step": "notify_duty", "ack": True}):
        await teams.submit(PERSONAL_CHAT, card.message_id, value, from_id=METTE)
        card = await chat.next(in_conversation(PERSONAL_CHAT))
    await teams.submit(
        PERSONAL_CHAT, card.message_id, {"step": "summary", "action": "send"}, from_id=METTE
    )
    receipt = await chat.next(in_conversation(PERSONAL_CHAT))
    assert receipt.card_title == t("referral.receipt.title")
    [reference] = [text for text in receipt.card_texts() if text.startswith("BEK-")]
    return reference


async def test_a_referral_from_the_personal_chat_is_claimed_in_the_channel(
    teams: PlaygroundClient,
) -> None:
    async with teams.stream() as stream:
        for conversation in (PERSONAL_CHAT, GENERAL_CHANNEL, SSP_CHANNEL):
            await teams.install(conversation)
            await stream.next(in_conversation(conversation))  # the welcome card

        # Line (an admin) registers the channels and lists Ahmad as a VINK consultant.
        done = await say_in_channel(teams, stream, GENERAL_CHANNEL, "registrer VINK", LINE)
        assert done.text is not None and done.text.startswith(
            t("consultant.register.done", unit="VINK")
        )
        shared = await say_in_channel(teams, stream, SSP_CHANNEL, "registrer SSP", LINE)
        assert shared.text is not None and t("consultant.register.shared_team") in shared.text
        listed = await say_in_channel(
            teams, stream, GENERAL_CHANNEL, f"konsulent tilføj vink {AHMAD['aadObjectId']}", LINE
        )
        assert listed.text == t(
            "consultant.members.added",
            who=AHMAD["aadObjectId"],
            unit="VINK",
            role=t("consultant.members.role.consultant"),
        )

        # Mette files a referral; its card appears as a new thread in VINK's channel.
        reference = await file_a_referral(teams, stream)
        post = await stream.next(
            lambda m: m.conversation_id == GENERAL_CHANNEL and m.post_conversation_id is not None
        )
        assert post.card_title == t("consultant.card.title", reference=reference)
        assert DESCRIPTION not in str(post.raw)
        claim = next(a for a in post.card["actions"] if a.get("verb") == "referral.claim")

        # Mette is no consultant: her click is refused politely and changes nothing.
        refused = await teams.execute(
            post.post_conversation_id or GENERAL_CHANNEL,
            post.message_id,
            "referral.claim",
            claim["data"],
            from_id=METTE,
        )
        assert t("consultant.refused.not_consultant", unit="VINK") in str(refused["value"])
        assert DESCRIPTION not in str(refused["value"])

        # Ahmad claims it with Action.Execute: his card is replaced in place…
        response = await teams.execute(
            post.post_conversation_id or GENERAL_CHANNEL,
            post.message_id,
            "referral.claim",
            claim["data"],
            from_id=AHMAD["id"],
        )
        assert response["type"] == "application/vnd.microsoft.card.adaptive"
        shown = str(response["value"])
        assert t("consultant.done.claimed") in shown
        assert DESCRIPTION in shown  # the consultant sees the content

        # …everyone's card updates…
        updated = await stream.next(
            lambda m: m.action == "updateMessage" and m.message_id == post.message_id
        )
        assert t("consultant.card.status.claimed", name="Ahmad Khalil") in updated.card_texts()
        # …and Mette is told, by role.
        told = await stream.next(lambda m: m.conversation_id == PERSONAL_CHAT and bool(m.text))
        assert told.text == t("consultant.notify.claimed", reference=reference, unit="VINK")

        # Ahmad asks Mette a question; she answers in her chat; the answer reaches the thread.
        question = "Hvornår begyndte det?"
        await teams.execute(
            post.post_conversation_id or GENERAL_CHANNEL,
            post.message_id,
            "referral.ask",
            {**claim["data"], "question": question},
            from_id=AHMAD["id"],
        )
        asked = await stream.next(
            lambda m: m.conversation_id == PERSONAL_CHAT and question in m.card_texts()
        )
        answer = next(a for a in asked.card["actions"] if a.get("verb") == "referral.answer")
        sent = await teams.execute(
            PERSONAL_CHAT,
            asked.message_id,
            "referral.answer",
            {**answer["data"], "answer": "Efter sommerferien."},
            from_id=METTE,
        )
        assert t("consultant.employee.answer_sent", reference=reference, unit="VINK") in str(
            sent["value"]
        )
        note = await stream.next(
            lambda m: (
                m.conversation_id == post.post_conversation_id
                and t("consultant.note.answer", reference=reference) in m.card_texts()
            )
        )
        assert "Efter sommerferien." not in str(note.raw)  # only consultants see the text
        show = next(a for a in note.card["actions"] if a.get("verb") == "referral.note")
        shown = await teams.execute(
            note.conversation_id,
            note.message_id,
            "referral.note",
            show["data"],
            from_id=AHMAD["id"],
        )
        assert "Efter sommerferien." in str(shown["value"])
