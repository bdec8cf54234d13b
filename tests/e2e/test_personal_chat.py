"""Mette Hansen, a teacher, talks to the bot in her personal chat in the Agents Playground.

Language: the playground stamps `locale: "en-US"` on every message, Action.Submit and invoke it
sends (hard-coded in 0.2.28, not configurable), so the bot answers those in English. The
install `conversationUpdate` carries no locale, so the welcome card is in the bot's default
language, Danish. `test_a_danish_teams_client_gets_danish_answers` sends a message with
`locale: "da-DK"`, as a Danish Teams client does, through the custom-activity API.
"""

from __future__ import annotations

import pytest

from dialogs.i18n import default_catalogue, language_of
from tests.e2e.mock_tenant import METTE, METTE_NAME, PERSONAL_CHAT
from tests.e2e.playground_client import (
    ADAPTIVE_CARD,
    BotMessage,
    ConversationStream,
    PlaygroundClient,
    card_title,
    has_card_title,
)

pytestmark = pytest.mark.e2e

CATALOGUE = default_catalogue()
PLAYGROUND_LANGUAGE = language_of("en-US")  # what the playground's activities say


def da(key: str) -> str:
    return CATALOGUE.text("da", key)


def answer(key: str) -> str:
    """A catalogue text in the language the bot answers the playground's activities in."""
    return CATALOGUE.text(PLAYGROUND_LANGUAGE, key)


async def install(client: PlaygroundClient, chat: ConversationStream) -> BotMessage:
    await client.install(PERSONAL_CHAT)
    return await chat.next(has_card_title(da("welcome.title")))


async def test_installing_the_app_greets_mette_with_the_welcome_card(
    client: PlaygroundClient,
) -> None:
    async with client.stream() as chat:
        await client.install(PERSONAL_CHAT)
        welcome = await chat.next()

    assert welcome.action == "createMessage"
    assert welcome.conversation_id == PERSONAL_CHAT
    assert welcome.card_title == da("welcome.title")
    assert da("welcome.acute") in welcome.card_texts()
    actions = welcome.card["actions"]
    assert {
        "type": "Action.Submit",
        "title": da("commands.help.title"),
        "data": {"cmd": "help"},
    } in actions
    assert {
        "type": "Action.Submit",
        "title": da("commands.cancel.title"),
        "data": {"cmd": "cancel"},
    } in actions
    assert {
        "type": "Action.Execute",
        "title": da("welcome.more"),
        "verb": "menu.help",
        "data": {},
    } in actions


async def test_typing_hjaelp_shows_the_help_card(client: PlaygroundClient) -> None:
    async with client.stream() as chat:
        await client.send_text(PERSONAL_CHAT, "hjælp", from_id=METTE)
        reply = await chat.next()

    assert reply.conversation_id == PERSONAL_CHAT
    assert reply.card_title == answer("help.title")
    assert answer("welcome.acute") in reply.card_texts()


async def test_clicking_the_welcome_cards_help_button_posts_the_help_card(
    client: PlaygroundClient,
) -> None:
    async with client.stream() as chat:
        welcome = await install(client, chat)
        await client.submit(PERSONAL_CHAT, welcome.message_id, {"cmd": "help"}, from_id=METTE)
        reply = await chat.next()

    assert reply.action == "createMessage"  # a new message below the welcome card
    assert reply.message_id != welcome.message_id
    assert reply.card_title == answer("help.title")


async def test_clicking_the_welcome_cards_cancel_button_says_nothing_is_in_progress(
    client: PlaygroundClient,
) -> None:
    async with client.stream() as chat:
        welcome = await install(client, chat)
        await client.submit(PERSONAL_CHAT, welcome.message_id, {"cmd": "cancel"}, from_id=METTE)
        reply = await chat.next()

    assert reply.text == answer("cancel.nothing")
    assert reply.cards == []


async def test_action_execute_replaces_the_welcome_card_with_the_help_card_in_place(
    client: PlaygroundClient,
) -> None:
    async with client.stream() as chat:
        welcome = await install(client, chat)
        response = await client.execute(
            PERSONAL_CHAT,
            welcome.message_id,
            "menu.help",
            {},
            from_id=METTE,
            title=da("welcome.more"),
        )
        # The invoke response is the whole answer: the playground's UI swaps the clicked card
        # for it; no new message and no updateMessage is pushed.
        assert await chat.silence(0.3) == []

    assert response["type"] == ADAPTIVE_CARD
    assert card_title(response["value"]) == answer("help.title")


async def test_an_unknown_action_execute_verb_gets_a_notice_card(
    client: PlaygroundClient,
) -> None:
    async with client.stream() as chat:
        welcome = await install(client, chat)
        response = await client.execute(
            PERSONAL_CHAT, welcome.message_id, "menu.removed-long-ago", {}, from_id=METTE
        )

    assert response["type"] == ADAPTIVE_CARD
    assert card_title(response["value"]) == answer("errors.unknown_action")


async def test_unknown_text_gets_a_polite_sorry_and_the_help_card(
    client: PlaygroundClient,
) -> None:
    async with client.stream() as chat:
        await client.send_text(PERSONAL_CHAT, "Kan du bestille frokost til mødet?", from_id=METTE)
        sorry = await chat.next()
        menu = await chat.next()

    assert sorry.text == answer("unknown.text")
    assert menu.card_title == answer("help.title")


async def test_typing_annuller_with_nothing_in_progress(client: PlaygroundClient) -> None:
    async with client.stream() as chat:
        await client.send_text(PERSONAL_CHAT, "annuller", from_id=METTE)
        reply = await chat.next()

    assert reply.text == answer("cancel.nothing")


async def test_a_danish_teams_client_gets_danish_answers(client: PlaygroundClient) -> None:
    activity = await client.activity_template(PERSONAL_CHAT)
    activity.update(
        type="message",
        text="hjælp",
        textFormat="plain",
        locale="da-DK",
        channelData={"tenant": {"id": activity["conversation"]["tenantId"]}},
    )
    activity["from"]["name"] = METTE_NAME

    async with client.stream() as chat:
        await client.send_activity(activity)
        reply = await chat.next()

    assert reply.conversation_id == PERSONAL_CHAT
    assert reply.card_title == da("help.title")


async def test_someone_from_another_organisation_is_turned_away(
    client: PlaygroundClient,
) -> None:
    activity = await client.activity_template(PERSONAL_CHAT)
    other_tenant = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
    activity.update(
        type="message",
        text="hjælp",
        textFormat="plain",
        locale="da-DK",
        channelData={"tenant": {"id": other_tenant}},
    )
    activity["conversation"]["tenantId"] = other_tenant

    async with client.stream() as chat:
        await client.send_activity(activity)
        reply = await chat.next()

    assert reply.text == da("errors.foreign_tenant")
    assert reply.cards == []
