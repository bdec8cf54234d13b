"""Proactive messages: to a stored conversation (1:1 chat, group chat, channel thread)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference

from bot.teams_bot import to_activity
from dialogs.turn import Reply
from storage.conversations import ConversationReferences

log = logging.getLogger(__name__)


class ConversationNotFound(LookupError):
    """No stored reference: the bot was never installed there, or was removed."""


class Proactive:
    def __init__(
        self, adapter: CloudAdapter, references: ConversationReferences, app_id: str
    ) -> None:
        self._adapter = adapter
        self._references = references
        self._app_id = app_id

    async def send(self, conversation_id: str, replies: Sequence[Reply]) -> list[str]:
        """Send replies into a stored conversation; returns the new activity ids."""
        stored = await self._references.get(conversation_id)
        if stored is None or not stored.installed:
            raise ConversationNotFound(conversation_id)
        reference = ConversationReference().deserialize(stored.reference)
        sent: list[str] = []

        async def callback(turn_context: TurnContext) -> None:
            responses = await turn_context.send_activities([to_activity(r) for r in replies])
            sent.extend(response.id for response in responses if response and response.id)

        await self._adapter.continue_conversation(reference, callback, self._app_id or None)
        log.info("proactive.sent", extra={"count": len(sent)})
        return sent
