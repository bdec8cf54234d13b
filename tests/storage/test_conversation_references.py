"""`ConversationReferences`, on SQLite and PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.conversations import ConversationReferences

USER = "aad-user-1"


def reference_of(conversation_id: str, service_url: str) -> dict[str, Any]:
    return {
        "conversation": {"id": conversation_id, "tenantId": "tenant"},
        "serviceUrl": service_url,
        "channelId": "msteams",
        "bot": {"id": "28:bot", "name": "VINK"},
        "user": {"id": "29:user", "aadObjectId": USER, "name": "Søren Ærø"},
    }


async def remember_personal(
    references: ConversationReferences,
    conversation_id: str,
    *,
    user: str = USER,
    service_url: str = "https://smba.example/emea/",
    installed: bool = True,
) -> None:
    await references.remember(
        conversation_id=conversation_id,
        conversation_type="personal",
        service_url=service_url,
        reference=reference_of(conversation_id, service_url),
        tenant_id="tenant",
        user_id="29:user",
        user_aad_object_id=user,
        installed=installed,
    )


async def test_remember_inserts_a_reference_that_get_returns(engine: AsyncEngine) -> None:
    references = ConversationReferences(engine)

    await references.remember(
        conversation_id="19:channel@thread.tacv2",
        conversation_type="channel",
        service_url="https://smba.example/emea/",
        reference=reference_of("19:channel@thread.tacv2", "https://smba.example/emea/"),
        tenant_id="tenant",
        team_id="19:team@thread.tacv2",
        channel_id="19:channel@thread.tacv2",
    )

    stored = await references.get("19:channel@thread.tacv2")
    assert stored is not None
    assert stored.conversation_id == "19:channel@thread.tacv2"
    assert stored.conversation_type == "channel"
    assert stored.tenant_id == "tenant"
    assert stored.team_id == "19:team@thread.tacv2"
    assert stored.channel_id == "19:channel@thread.tacv2"
    assert stored.user_id is None
    assert stored.user_aad_object_id is None
    assert stored.service_url == "https://smba.example/emea/"
    assert stored.reference == reference_of("19:channel@thread.tacv2", "https://smba.example/emea/")
    assert stored.installed is True


async def test_get_of_an_unknown_conversation_is_none(engine: AsyncEngine) -> None:
    references = ConversationReferences(engine)
    await remember_personal(references, "a:known")

    assert await references.get("a:unknown") is None


async def test_remember_again_updates_and_the_newest_service_url_wins(
    engine: AsyncEngine,
) -> None:
    references = ConversationReferences(engine)
    await remember_personal(references, "a:chat", service_url="https://smba.example/emea/")
    first = await references.get("a:chat")

    await remember_personal(references, "a:chat", service_url="https://smba.example/amer/")

    second = await references.get("a:chat")
    assert first is not None and second is not None
    assert second.service_url == "https://smba.example/amer/"
    assert second.reference["serviceUrl"] == "https://smba.example/amer/"
    assert second.updated_at > first.updated_at


async def test_remember_reinstalls_an_uninstalled_conversation(engine: AsyncEngine) -> None:
    references = ConversationReferences(engine)
    await remember_personal(references, "a:chat")
    await references.mark_uninstalled("a:chat")

    await remember_personal(references, "a:chat")

    stored = await references.get("a:chat")
    assert stored is not None and stored.installed is True
    assert await references.personal_chat_of(USER) == stored


async def test_personal_chat_of_is_none_for_a_user_never_seen(engine: AsyncEngine) -> None:
    references = ConversationReferences(engine)
    await remember_personal(references, "a:someone-else", user="aad-user-2")

    assert await references.personal_chat_of(USER) is None


async def test_personal_chat_of_ignores_group_chats_channels_and_uninstalled_chats(
    engine: AsyncEngine,
) -> None:
    references = ConversationReferences(engine)
    await remember_personal(references, "a:personal")
    # All remembered later, so each would win on recency if it were eligible.
    for conversation_id, conversation_type in (
        ("19:group@thread.v2", "groupChat"),
        ("19:channel@thread.tacv2", "channel"),
    ):
        await references.remember(
            conversation_id=conversation_id,
            conversation_type=conversation_type,
            service_url="https://smba.example/emea/",
            reference=reference_of(conversation_id, "https://smba.example/emea/"),
            user_aad_object_id=USER,
        )
    await remember_personal(references, "a:personal-removed", installed=False)

    found = await references.personal_chat_of(USER)

    assert found is not None
    assert found.conversation_id == "a:personal"


async def test_personal_chat_of_returns_the_most_recently_remembered(engine: AsyncEngine) -> None:
    references = ConversationReferences(engine)
    await remember_personal(references, "a:older")
    await remember_personal(references, "a:newer")

    newest = await references.personal_chat_of(USER)
    assert newest is not None and newest.conversation_id == "a:newer"

    # Remembering the older chat again makes it the newest: recency, not insertion order.
    await remember_personal(references, "a:older")
    newest = await references.personal_chat_of(USER)
    assert newest is not None and newest.conversation_id == "a:older"


async def test_mark_uninstalled_hides_the_chat_from_personal_chat_of(engine: AsyncEngine) -> None:
    references = ConversationReferences(engine)
    await remember_personal(references, "a:older")
    await remember_personal(references, "a:newer")

    await references.mark_uninstalled("a:newer")

    fallback = await references.personal_chat_of(USER)
    assert fallback is not None and fallback.conversation_id == "a:older"
    hidden = await references.get("a:newer")
    assert hidden is not None and hidden.installed is False

    await references.mark_uninstalled("a:older")
    assert await references.personal_chat_of(USER) is None
