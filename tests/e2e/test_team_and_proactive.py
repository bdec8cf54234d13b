"""The team "VINK og SSP", proactive messages, and where the bot's answers go."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from bot.app import PROACTIVE, REFERENCES
from bot.proactive import ConversationNotFound
from dialogs.i18n import default_catalogue, language_of
from dialogs.turn import Reply
from storage.conversations import StoredReference
from tests.e2e.harness import BotServer, Playground
from tests.e2e.mock_tenant import (
    BOT_ID,
    BOT_NAME,
    CONFIG,
    GENERAL_CHANNEL,
    GROUP_CHAT,
    METTE,
    METTE_NAME,
    PERSONAL_CHAT,
    SSP_CHANNEL,
    SSP_CHANNEL_NAME,
    TEAM,
    TEAM_NAME,
    TENANT_ID,
)
from tests.e2e.playground_client import PlaygroundClient, has_card_title, has_text, in_conversation

pytestmark = pytest.mark.e2e

CATALOGUE = default_catalogue()
PLAYGROUND_LANGUAGE = language_of("en-US")  # see test_personal_chat.py


def da(key: str) -> str:
    return CATALOGUE.text("da", key)


async def stored_reference(bot_server: BotServer, conversation_id: str) -> StoredReference | None:
    return await bot_server.call(lambda app: app[REFERENCES].get(conversation_id))


# --- the mock tenant ------------------------------------------------------------------------


async def test_the_playground_serves_the_committed_mock_tenant(client: PlaygroundClient) -> None:
    config = await client.config()
    tenant = config["config"]

    assert tenant["tenantId"] == TENANT_ID
    assert tenant["bot"] == {"id": BOT_ID, "name": BOT_NAME}
    assert (tenant["currentUser"]["id"], tenant["currentUser"]["name"]) == (METTE, METTE_NAME)
    assert tenant["users"] == CONFIG["users"]
    assert len(tenant["users"]) == 5
    assert tenant["personalChat"]["id"] == PERSONAL_CHAT
    assert [chat["id"] for chat in tenant["groupChats"]] == [GROUP_CHAT]
    [team] = tenant["teams"]
    assert (team["id"], team["name"]) == (TEAM, TEAM_NAME)
    assert [(c["id"], c["name"]) for c in team["channels"]] == [
        (GENERAL_CHANNEL, "General"),
        (SSP_CHANNEL, SSP_CHANNEL_NAME),
    ]
    assert config["internalConfig"]["channelId"] == "msteams"


async def test_the_bot_answers_through_the_playgrounds_loopback_connector(
    client: PlaygroundClient, bot_server: BotServer, playground: Playground
) -> None:
    async with client.stream() as chat:
        await client.install(PERSONAL_CHAT)
        await chat.next(has_card_title(da("welcome.title")))

    stored = await stored_reference(bot_server, PERSONAL_CHAT)
    assert stored is not None
    assert stored.service_url == f"http://localhost:{playground.port}/_connector"
    assert stored.service_url == client.connector_url
    assert urlsplit(stored.service_url).hostname in {"localhost", "127.0.0.1"}
    assert stored.reference["serviceUrl"] == stored.service_url
    assert stored.conversation_type == "personal"
    assert stored.user_id == METTE


# --- the team ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "channel", [GENERAL_CHANNEL, SSP_CHANNEL], ids=["General", "SSP-sekretariatet"]
)
async def test_installing_into_a_team_channel_posts_the_team_welcome_card(
    client: PlaygroundClient, bot_server: BotServer, channel: str
) -> None:
    async with client.stream() as team:
        await client.install(channel)
        welcome = await team.next(in_conversation(channel))

    assert welcome.card_title == da("welcome.title")
    assert da("welcome.team_body") in welcome.card_texts()
    assert "actions" not in welcome.card
    # In a channel the bot's message starts a new thread (a "post").
    assert welcome.post_conversation_id == f"{channel};messageid={welcome.message_id}"
    stored = await stored_reference(bot_server, channel)
    assert stored is not None
    assert (stored.conversation_type, stored.team_id) == ("channel", TEAM)


async def test_a_channel_message_that_mentions_the_bot_is_answered_in_its_thread(
    client: PlaygroundClient,
) -> None:
    mention = f"<at>{BOT_NAME}</at>"
    async with client.stream() as channel:
        posted = await client.send_text(
            SSP_CHANNEL,
            f"{mention} hjælp",
            from_id=METTE,
            mentions=[{"mentioned": {"id": BOT_ID}, "text": mention}],
        )
        thread = posted["postConversationId"]
        reply = await channel.next(in_conversation(thread))

    assert thread == f"{SSP_CHANNEL};messageid={posted['messageId']}"
    assert reply.card_title == CATALOGUE.text(PLAYGROUND_LANGUAGE, "help.title")


async def test_a_channel_message_without_a_mention_does_not_reach_the_bot(
    client: PlaygroundClient,
) -> None:
    async with client.stream() as channel:
        await client.send_text(SSP_CHANNEL, "hjælp", from_id=METTE)
        assert await channel.silence(0.5) == []


# --- proactive messages -------------------------------------------------------------------------


async def test_a_proactive_message_arrives_in_the_personal_chat(
    client: PlaygroundClient, bot_server: BotServer
) -> None:
    reminder = "Påmindelse: temadagen om unge og ekstremisme er i morgen kl. 9 på Rådhuset."
    async with client.stream() as chat:
        await client.install(PERSONAL_CHAT)
        await chat.next(has_card_title(da("welcome.title")))

        sent = await bot_server.call(
            lambda app: app[PROACTIVE].send(PERSONAL_CHAT, [Reply(text=reminder)])
        )
        message = await chat.next(has_text(reminder))

    assert message.conversation_id == PERSONAL_CHAT
    assert message.action == "createMessage"
    assert sent == [message.message_id]


async def test_a_proactive_message_to_a_channel_starts_a_new_thread(
    client: PlaygroundClient, bot_server: BotServer
) -> None:
    notice = "Ny bekymringshenvendelse modtaget. Den behandles i SSP-sekretariatet."
    async with client.stream() as channel:
        await client.install(SSP_CHANNEL)
        await channel.next(in_conversation(SSP_CHANNEL))

        sent = await bot_server.call(
            lambda app: app[PROACTIVE].send(SSP_CHANNEL, [Reply(text=notice)])
        )
        message = await channel.next(has_text(notice))

    assert message.conversation_id == SSP_CHANNEL
    assert message.post_conversation_id == f"{SSP_CHANNEL};messageid={message.message_id}"
    assert sent == [message.message_id]


async def test_after_uninstalling_proactive_messages_are_refused(
    client: PlaygroundClient, bot_server: BotServer
) -> None:
    async with client.stream() as group:
        await client.install(GROUP_CHAT)
        await group.next(in_conversation(GROUP_CHAT))
    stored = await stored_reference(bot_server, GROUP_CHAT)
    assert stored is not None and stored.installed

    await client.send_activity(await client.activity_template(GROUP_CHAT, "uninstall"))
    for _ in range(100):  # the playground answers before the bot has the activity
        stored = await stored_reference(bot_server, GROUP_CHAT)
        if stored is not None and not stored.installed:
            break
        await asyncio.sleep(0.05)
    assert stored is not None and not stored.installed

    with pytest.raises(ConversationNotFound):
        await bot_server.call(lambda app: app[PROACTIVE].send(GROUP_CHAT, [Reply(text="Hej")]))


async def test_a_proactive_message_to_an_unknown_conversation_is_refused(
    bot_server: BotServer,
) -> None:
    with pytest.raises(ConversationNotFound):
        await bot_server.call(
            lambda app: app[PROACTIVE].send("19:never-installed@thread.v2", [Reply(text="Hej")])
        )
