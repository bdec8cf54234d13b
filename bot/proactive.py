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
        """Send replies into a stored conversation; returns the new activity ids. Raises what
        the send raised (e.g. `ErrorResponseException` for a 403 or a 429 after retries)."""
        stored = await self._references.get(conversation_id)
        if stored is None or not stored.installed:
            raise ConversationNotFound(conversation_id)
        reference = ConversationReference().deserialize(stored.reference)
        sent: list[str] = []
        errors: list[Exception] = []

        async def callback(turn_context: TurnContext) -> None:
            # Caught here: the adapter would hand an error to the turn-error handler, which
            # apologises into the conversation and swallows it, so the caller never knew that
            # Teams refused (403 blocked) or throttled (429) the send.
            try:
                responses = await turn_context.send_activities([to_activity(r) for r in replies])
            except Exception as error:
                errors.append(error)
                return
            sent.extend(response.id for response in responses if response and response.id)

        await self._adapter.continue_conversation(reference, callback, self._app_id or None)
        if errors:
            raise errors[0]
        log.info("proactive.sent", extra={"count": len(sent)})
        return sent
