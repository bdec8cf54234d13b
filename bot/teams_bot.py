"""The Teams activity handler: turns activities into dialog turns and dialog outcomes into sends.

Per turn: drop a redelivered activity, remember where the conversation can be reached, load the
conversation's dialog state, let the dialog answer, send the answer, save the state. If the turn
fails, the state is not saved (the user continues from where they were), the activity claim is
released (Teams' redelivery may succeed) and the user gets a short apology with an error code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botbuilder.core import Bot, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.compat import card_action
from bot.logging_setup import correlation_id, new_correlation_id
from bot.state import DialogStateStore
from dialogs.i18n import Catalogue, language_of
from dialogs.main_dialog import MainDialog
from dialogs.turn import Incoming, Outcome, Person, Reply
from storage.activities import ProcessedActivities
from storage.conversations import ConversationReferences
from storage.turn_start import TurnStarts

log = logging.getLogger(__name__)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
DIALOG_STATE_PREFIX = "dialog/"
CARD_ACTION = "adaptiveCard/action"
# turn_state key: (state key, stored document) read together with the activity claim.
_PREFETCHED = "vink.prefetched_state"


def to_activity(reply: Reply) -> Activity:
    if reply.card is not None:
        return Activity(
            type=ActivityTypes.message,
            attachments=[Attachment(content_type=ADAPTIVE_CARD, content=reply.card)],
        )
    return Activity(type=ActivityTypes.message, text=reply.text, text_format="plain")


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def _conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    return (conversation.conversation_type if conversation else None) or "personal"


def _person(activity: Activity) -> Person:
    sender = activity.from_property
    tenant = _channel_data(activity).get("tenant", {}).get("id") or (
        activity.conversation.tenant_id if activity.conversation else None
    )
    return Person(
        id=sender.id if sender else "",
        aad_object_id=getattr(sender, "aad_object_id", None) if sender else None,
        name=sender.name if sender else None,
        tenant_id=tenant,
    )


class TeamsBot(Bot):
    def __init__(
        self,
        *,
        catalogue: Catalogue,
        dialog: MainDialog,
        states: DialogStateStore,
        references: ConversationReferences,
        processed: ProcessedActivities,
        turn_starts: TurnStarts,
        default_language: str = "da",
        served_tenants: frozenset[str] = frozenset(),
        pseudonym: Callable[[str], str] | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._dialog = dialog
        self._states = states
        self._references = references
        self._processed = processed
        self._turn_starts = turn_starts
        self._default_language = default_language
        self._served_tenants = served_tenants
        # Keyed pseudonym of a user's Entra object id (storage.crypto.Cipher.pseudonym): lets
        # a referral's `employee_pseudonym` find the 1:1 chat (the consultant side's relays).
        self._pseudonym = pseudonym
        # (service URL, locale) last stored per conversation: skip the write when nothing
        # changed. The locale is kept current because proactive messages (the consultant
        # side's notices to an employee) are written in the language of the stored reference.
        self._known_references: dict[str, tuple[str, str | None]] = {}

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        new_correlation_id()
        if not self._serves(activity):
            await self._refuse_tenant(turn_context)
            return
        claim = self._claim_key(activity)
        if claim and not await self._claim(turn_context, claim):
            log.info("turn.duplicate", extra={"activity_type": activity.type})
            if activity.type == ActivityTypes.invoke:
                await self._invoke_response(turn_context, 200, None)
            return
        log.debug("turn.start", extra={"activity_type": activity.type})
        try:
            await self._remember(activity)
            await self._dispatch(turn_context)
        except Exception:
            if claim:
                await self._processed.release(claim)
            raise

    async def _claim(self, turn_context: TurnContext, claim: str) -> bool:
        """Claims the activity; for a turn that will run the dialog, reads its state in the
        same round trip (storage/turn_start.py) and leaves it for `_run_dialog`."""
        activity = turn_context.activity
        if activity.type == ActivityTypes.message or (
            activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION
        ):
            key = self._state_key(activity)
            start = await self._turn_starts.begin(claim, key)
            if start.claimed:
                turn_context.turn_state[_PREFETCHED] = (key, start.document)
            return start.claimed
        return await self._processed.claim(claim)

    async def apologise(self, turn_context: TurnContext, correlation_id: str) -> None:
        """Called by the adapter's error handler after a failed turn."""
        language = language_of(turn_context.activity.locale, self._default_language)
        text = self._catalogue.text(language, "errors.apology", correlation_id=correlation_id)
        if turn_context.activity.type == ActivityTypes.invoke:
            card = {
                "type": "AdaptiveCard",
                "version": "1.5",
                "body": [{"type": "TextBlock", "text": text, "wrap": True}],
            }
            await self._invoke_response(turn_context, 200, card)
            return
        await turn_context.send_activity(to_activity(Reply(text=text)))

    def _serves(self, activity: Activity) -> bool:
        return not self._served_tenants or _person(activity).tenant_id in self._served_tenants

    async def _refuse_tenant(self, turn_context: TurnContext) -> None:
        """Another organisation's Teams: a short answer, nothing stored, nothing remembered."""
        activity = turn_context.activity
        log.warning("turn.foreign_tenant", extra={"activity_type": activity.type})
        text = self._catalogue.text(
            language_of(activity.locale, self._default_language), "errors.foreign_tenant"
        )
        if activity.type == ActivityTypes.invoke:
            card = {
                "type": "AdaptiveCard",
                "version": "1.5",
                "body": [{"type": "TextBlock", "text": text, "wrap": True}],
            }
            await self._invoke_response(turn_context, 200, card)
        elif activity.type == ActivityTypes.message:
            await turn_context.send_activity(to_activity(Reply(text=text)))

    @staticmethod
    def _claim_key(activity: Activity) -> str | None:
        if not activity.id or activity.type not in (
            ActivityTypes.message,
            ActivityTypes.invoke,
            ActivityTypes.conversation_update,
            ActivityTypes.installation_update,
        ):
            return None
        conversation = activity.conversation.id if activity.conversation else ""
        return f"{activity.channel_id}|{conversation}|{activity.id}"[:600]

    async def _remember(self, activity: Activity) -> None:
        conversation = activity.conversation
        if conversation is None or not activity.service_url:
            return
        uninstall = (
            activity.type == ActivityTypes.installation_update and activity.action == "remove"
        )
        if uninstall:
            await self._references.mark_uninstalled(conversation.id)
            self._known_references.pop(conversation.id, None)
            return
        known = self._known_references.get(conversation.id)
        if (
            known is not None
            and known[0] == activity.service_url
            and activity.locale in (None, known[1])
        ):
            return
        channel_data = _channel_data(activity)
        person = _person(activity)
        reference = TurnContext.get_conversation_reference(activity).serialize()
        # Proactive sends need ids and the service URL, not the person's name: keep it out.
        if isinstance(reference.get("user"), dict):
            reference["user"].pop("name", None)
        await self._references.remember(
            conversation_id=conversation.id,
            conversation_type=_conversation_type(activity),
            service_url=activity.service_url,
            reference=reference,
            tenant_id=person.tenant_id,
            user_id=person.id if _conversation_type(activity) == "personal" else None,
            user_aad_object_id=(
                person.aad_object_id if _conversation_type(activity) == "personal" else None
            ),
            user_pseudonym=self._user_pseudonym(person, _conversation_type(activity)),
            team_id=channel_data.get("team", {}).get("id"),
            channel_id=channel_data.get("channel", {}).get("id"),
        )
        self._known_references[conversation.id] = (activity.service_url, activity.locale)

    def _user_pseudonym(self, person: Person, conversation_type: str) -> str | None:
        if self._pseudonym is None or conversation_type != "personal":
            return None
        # The same identifier the referral dialog files under (`employee_id`).
        return self._pseudonym(person.aad_object_id or person.id)

    async def _dispatch(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type == ActivityTypes.message:
            await self._on_message(turn_context)
        elif activity.type == ActivityTypes.invoke:
            await self._on_invoke(turn_context)
        elif activity.type == ActivityTypes.conversation_update:
            await self._on_conversation_update(turn_context)
        else:
            log.debug("turn.ignored", extra={"activity_type": activity.type})

    def _incoming(self, activity: Activity, **overrides: Any) -> Incoming:
        value = activity.value if isinstance(activity.value, dict) else None
        fields: dict[str, Any] = {
            "language": language_of(activity.locale, self._default_language),
            "person": _person(activity),
            "conversation_id": activity.conversation.id,
            "conversation_type": _conversation_type(activity),
            "text": activity.text,
            "value": value,
            "correlation_id": correlation_id.get(),
            "team_id": (_channel_data(activity).get("team") or {}).get("id"),
            "channel_id": (_channel_data(activity).get("channel") or {}).get("id"),
        }
        fields.update(overrides)
        return Incoming(**fields)

    def _state_key(self, activity: Activity) -> str:
        sender = activity.from_property.id if activity.from_property else "-"
        return f"{DIALOG_STATE_PREFIX}{activity.channel_id}/{activity.conversation.id}/{sender}"

    async def _run_dialog(self, turn_context: TurnContext, incoming: Incoming, key: str) -> Outcome:
        prefetched = turn_context.turn_state.pop(_PREFETCHED, None)
        if prefetched is not None and prefetched[0] == key:
            loaded = self._states.loaded(prefetched[1])
        else:
            loaded = await self._states.load(key)
        outcome = await self._dialog.handle(incoming, loaded.state)
        await self._states.save_if_changed(key, loaded)
        return outcome

    async def _on_message(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        outcome = await self._run_dialog(
            turn_context, self._incoming(activity), self._state_key(activity)
        )
        await self._send(turn_context, outcome)

    async def _on_invoke(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.name != CARD_ACTION:
            await self._invoke_response(turn_context, 200, None)
            return
        verb, data = card_action(activity.value)
        incoming = self._incoming(activity, verb=verb or "", value=data, text=None)
        outcome = await self._run_dialog(turn_context, incoming, self._state_key(activity))
        await self._invoke_response(turn_context, 200, outcome.refreshed_card)
        if outcome.replies:
            await self._send(turn_context, outcome)

    async def _on_conversation_update(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = [member.id for member in activity.members_added or []]
        if bot_id not in added:
            return
        language = language_of(activity.locale, self._default_language)
        welcome = self._dialog.welcome(language, conversation_type=_conversation_type(activity))
        await self._send(turn_context, welcome)

    async def _send(self, turn_context: TurnContext, outcome: Outcome) -> None:
        if outcome.replies:
            await turn_context.send_activities([to_activity(reply) for reply in outcome.replies])

    @staticmethod
    async def _invoke_response(
        turn_context: TurnContext, status: int, card: dict[str, Any] | None
    ) -> None:
        if card is None:
            body: dict[str, Any] = {
                "statusCode": 200,
                "type": "application/vnd.microsoft.activity.message",
                "value": "",
            }
        else:
            body = {"statusCode": 200, "type": ADAPTIVE_CARD, "value": card}
        # The adapter keeps an invokeResponse activity as the HTTP answer instead of sending it.
        await turn_context.send_activity(
            Activity(
                type=ActivityTypes.invoke_response,
                value=InvokeResponse(status=status, body=body),
            )
        )
