"""The consultant side's talking to Teams: the outbox job, the reminder job and the roster.

`Delivery.run(now)` drains the outbox (storage.outbox) in bounded batches:

- `deliver_referral`: the referral's public card as a new thread in its unit's channel
- `refresh_posts`: `update_activity` of every channel post of the referral (claimed by …,
  closed, transferred)
- `thread_note`, `relay_addition`: a reply in the referral's thread (a question was asked;
  an answer or an addition from the employee)
- `relay_question`: the consultant's question 1:1 to the employee, with an answer field
- `notify_employee`: a status change 1:1 to the employee (claimed, transferred, resource
  person, closed)
- `remind_unit`, `escalate_lead`: the reminder in the thread; the 1:1 message to the lead
- `notify_admin`: "a referral waits for a channel" 1:1 to an admin, once per unit and admin

Failures: 429/5xx/connection problems are retried with exponential backoff and jitter
(`available_at = now + min(cap, base · 2^attempts) · U(0.5, 1)`) on top of the connector-level
retries in `bot.compat.RetryPolicy`; a chat that does not exist (never installed, uninstalled,
blocked) gives up with `last_error`; a unit without a channel waits without counting attempts.
Errors are caught inside the proactive callback: the adapter would otherwise hand them to the
turn-error handler, which apologises into the conversation and swallows the error.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.compat import send_to_channel
from bot.teams_bot import ADAPTIVE_CARD
from bot.workers import persist
from dialogs.consultant.cards import CaseCards, ThreadNote
from dialogs.consultant.roles import Member, Roles
from dialogs.i18n import Catalogue, language_of
from domain.casework import Deadlines, ReminderStage
from storage.casework import Case, Casework
from storage.conversations import ConversationReferences, StoredReference
from storage.outbox import NewPost, Outbox, OutboxItem, StoredPost
from storage.resource_persons import ResourcePersons
from storage.units import UnitChannel, UnitChannels

log = logging.getLogger(__name__)

BATCH = 20
POLL_SECONDS = 15.0  # the job's interval when nothing wakes it
NO_CHANNEL_WAIT = timedelta(minutes=15)
NO_POST_WAIT = timedelta(minutes=1)
CHANNEL_KINDS = frozenset({"deliver_referral", "thread_note", "relay_addition", "remind_unit"})


class Later(Exception):
    """Try again at `now + wait`; `count` says whether it counts as a failed attempt."""

    def __init__(self, reason: str, wait: timedelta | None = None, *, count: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.count = count


class Undeliverable(Exception):
    """Give up for good; the reason is kept in `outbox.last_error`."""


class ChatNotFound(LookupError):
    pass


def status_of(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if isinstance(status, int) else None


def card_activity(card: dict[str, Any], *, summary: str | None = None) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        summary=summary,
        attachments=[Attachment(content_type=ADAPTIVE_CARD, content=card)],
    )


def text_activity(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text, text_format="plain")


# --- the roster ---------------------------------------------------------------------------------


class TeamsRoster:
    """Team members via paged roster calls, cached per team for `ttl` seconds. When Teams cannot
    be asked, the last known roster is used (or None: only the admin lists count)."""

    def __init__(
        self,
        adapter: CloudAdapter,
        app_id: str,
        *,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, list[Member]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def forget(self) -> None:
        self._cache.clear()

    async def members(self, channel: UnitChannel) -> list[Member] | None:
        cached = self._cache.get(channel.team_id)
        if cached and self._clock() - cached[0] < self._ttl:
            return cached[1]
        lock = self._locks.setdefault(channel.team_id, asyncio.Lock())
        async with lock:
            cached = self._cache.get(channel.team_id)
            if cached and self._clock() - cached[0] < self._ttl:
                return cached[1]
            try:
                members = await self._fetch(channel)
            except Exception as exc:
                log.warning(
                    "roster.unavailable",
                    extra={"unit": channel.unit, "error_type": type(exc).__name__},
                )
                return cached[1] if cached else None
            self._cache[channel.team_id] = (self._clock(), members)
            log.info("roster.loaded", extra={"unit": channel.unit, "members": len(members)})
            return members

    async def _fetch(self, channel: UnitChannel) -> list[Member]:
        members: list[Member] = []

        async def page_through(turn_context: TurnContext) -> None:
            token: str | None = None
            while True:
                page = await TeamsInfo.get_paged_team_members(
                    turn_context, channel.team_id, token, 500
                )
                for account in page.members or []:
                    email = account.email or account.user_principal_name
                    members.append(
                        Member(
                            teams_id=account.id,
                            aad_object_id=(account.aad_object_id or "").lower() or None,
                            email=email.lower() if email else None,
                            name=account.name,
                        )
                    )
                token = page.continuation_token
                if not token:
                    return

        await proactive(self._adapter, channel.reference, page_through, self._app_id)
        return members


async def proactive(
    adapter: CloudAdapter,
    reference: dict[str, Any],
    work: Callable[[TurnContext], Awaitable[None]],
    app_id: str,
) -> None:
    """`continue_conversation`, with the callback's errors raised here instead of going to
    the turn-error handler (which would apologise into the conversation)."""
    errors: list[BaseException] = []

    async def callback(turn_context: TurnContext) -> None:
        try:
            await work(turn_context)
        except Exception as exc:
            errors.append(exc)

    await adapter.continue_conversation(
        ConversationReference().deserialize(reference), callback, app_id or None
    )
    if errors:
        raise errors[0]


# --- the outbox job -----------------------------------------------------------------------------


@dataclass
class DeliverySettings:
    app_id: str
    default_language: str
    names_visible: frozenset[str]  # units whose employees are told the consultant's name
    retry_base: float = 30.0
    retry_max: float = 3600.0
    remind_after: int = 1
    escalate_after: int = 3


class Delivery:
    def __init__(
        self,
        *,
        adapter: CloudAdapter,
        outbox: Outbox,
        casework: Casework,
        channels: UnitChannels,
        references: ConversationReferences,
        resources: ResourcePersons,
        roles: Roles,
        cards: CaseCards,
        catalogue: Catalogue,
        settings: DeliverySettings,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._adapter = adapter
        self._outbox = outbox
        self._casework = casework
        self._channels = channels
        self._references = references
        self._resources = resources
        self._roles = roles
        self._cards = cards
        self._catalogue = catalogue
        self._settings = settings
        self._jitter = jitter
        self._handlers: dict[str, Callable[[OutboxItem, datetime], Awaitable[bool]]] = {
            "deliver_referral": self._deliver_referral,
            "refresh_posts": self._refresh_posts,
            "thread_note": self._thread_note,
            "relay_addition": self._thread_note,
            "relay_question": self._relay_question,
            "notify_employee": self._notify_employee,
            "remind_unit": self._remind_unit,
            "escalate_lead": self._escalate_lead,
            "notify_admin": self._notify_admin,
        }

    @property
    def poll_seconds(self) -> float:
        """How often the job looks for due rows when nothing wakes it: at least as often as
        the retry base, or a backoff configured shorter than the poll would not be honoured
        (a retry due after 1 s would wait for the next poll, up to 15 s)."""
        return min(POLL_SECONDS, self._settings.retry_base)

    def backoff(self, attempts: int) -> timedelta:
        ceiling = min(self._settings.retry_max, self._settings.retry_base * 2**attempts)
        return timedelta(seconds=ceiling * (0.5 + self._jitter() / 2))

    async def run(self, now: datetime) -> int:
        items = await self._outbox.claim_due(now, limit=BATCH, kinds=self._handlers)
        for item in items:
            await self._one(item, now)
        return len(items)

    async def _one(self, item: OutboxItem, now: datetime) -> None:
        handler = self._handlers.get(item.kind)
        context = {"outbox_id": item.id, "kind": item.kind, "referral_id": item.referral_id}
        if handler is None:
            log.error("delivery.unknown_kind", extra=context)
            await self._done(item, now, error="unknown_kind")
            return
        try:
            recorded = await handler(item, now)
        except Later as later:
            wait = later.wait or self.backoff(item.attempts)
            log.info("delivery.later", extra={**context, "reason": later.reason})
            reason, count = later.reason, later.count
            await persist(
                lambda: self._outbox.retry(
                    item.id, at=now + wait, error=reason, count_attempt=count
                ),
                what="outbox",
            )
            return
        except Undeliverable as given_up:
            log.warning("delivery.undeliverable", extra={**context, "reason": str(given_up)})
            await self._done(item, now, error=str(given_up))
            return
        except ChatNotFound:
            log.warning("delivery.undeliverable", extra={**context, "reason": "no_chat"})
            await self._done(item, now, error="no_chat")
            return
        except Exception as exc:
            status = status_of(exc)
            reason = f"http_{status}" if status else type(exc).__name__
            permanent = status in (400, 401, 403, 404) and item.kind not in CHANNEL_KINDS
            if permanent:
                log.warning("delivery.undeliverable", extra={**context, "reason": reason})
                await self._done(item, now, error=reason)
                return
            transient = status is None or status >= 429 or isinstance(exc, aiohttp.ClientError)
            log.warning(
                "delivery.failed",
                extra={
                    **context,
                    "reason": reason,
                    "attempts": item.attempts,
                    "transient": transient,
                },
            )
            at = now + self.backoff(item.attempts)
            await persist(lambda: self._outbox.retry(item.id, at=at, error=reason), what="outbox")
            return
        if not recorded:
            await self._done(item, now)
        log.info("delivery.done", extra=context)

    async def _done(self, item: OutboxItem, now: datetime, *, error: str | None = None) -> None:
        # Waits out a database outage: given up, the row would keep its lease (10 minutes).
        await persist(lambda: self._outbox.done(item.id, now, error=error), what="outbox")

    # --- channel posts -------------------------------------------------------------------------

    async def _case(self, item: OutboxItem) -> Case:
        case = await self._casework.get(item.referral_id) if item.referral_id is not None else None
        if case is None:
            raise Undeliverable("no_referral")
        return case

    async def _deliver_referral(self, item: OutboxItem, now: datetime) -> bool:
        case = await self._case(item)
        unit = item.unit or case.unit
        if case.unit != unit:
            raise Undeliverable("superseded")  # transferred before it was posted
        channel = await self._channels.get(unit)
        if channel is None:
            await self._tell_admins_no_channel(unit, now)
            raise Later("no_channel", NO_CHANNEL_WAIT, count=False)
        if await self._outbox.post_for_key(item.idempotency_key) is not None:
            return False  # posted and recorded before; only the outbox mark was missing
        active = await self._outbox.active_post(case.id)
        if active is not None and (active.unit, active.channel_id) == (unit, channel.channel_id):
            return False  # this referral already has its card in this channel
        language = channel.language
        card = self._cards.public(
            language, case, now=now, refresh_ids=await self._roles.refresh_ids(unit)
        )
        activity = card_activity(card, summary=self._cards.summary(language, case))
        created: list[tuple[Any, str]] = []

        async def post(turn_context: TurnContext) -> None:
            created.append(
                await send_to_channel(
                    turn_context, activity, channel.channel_id, self._settings.app_id
                )
            )

        await proactive(self._adapter, channel.reference, post, self._settings.app_id)
        # The duplicate window: Teams has the post; a crash before the next line commits means
        # the next attempt posts again (docs/consultants.md, "Delivery guarantees").
        [(reference, activity_id)] = created
        conversation_id = reference.conversation.id if reference and reference.conversation else ""
        posted = NewPost(
            channel_id=channel.channel_id,
            conversation_id=conversation_id,
            activity_id=activity_id,
            reference=_thread_reference(channel, conversation_id, activity_id),
        )
        # A database outage here must not lose the record: it would be posted again.
        await persist(lambda: self._outbox.record_post(item, posted, now=now), what="post")
        log.info("delivery.posted", extra={"referral_id": case.id, "unit": unit})
        return True

    async def _tell_admins_no_channel(self, unit: str, now: datetime) -> None:
        for admin in sorted(self._roles.admin_ids):
            # The key makes it once per unit and admin, whatever the retries and instances.
            await self._outbox.add(
                kind="notify_admin",
                key=f"no_channel:{unit}:{admin}",
                now=now,
                unit=unit,
                payload={"notice": "no_channel", "admin": admin},
            )

    async def _refresh_posts(self, item: OutboxItem, now: datetime) -> bool:
        case = await self._case(item)
        for post in await self._outbox.posts_of(case.id):
            channel = await self._channels.get(post.unit)
            language = channel.language if channel else self._settings.default_language
            if post.active:
                card = self._cards.public(
                    language, case, now=now, refresh_ids=await self._roles.refresh_ids(case.unit)
                )
            else:
                card = self._cards.superseded(
                    language, case, post.superseded_by or "transfer", case.unit
                )
            try:
                await self._update(
                    post, card_activity(card, summary=self._cards.summary(language, case))
                )
            except Exception as exc:
                if status_of(exc) == 404:  # the message was deleted in Teams: nothing to update
                    log.info("delivery.post_gone", extra={"referral_id": case.id})
                    continue
                raise
        return False

    async def _update(self, post: StoredPost, activity: Activity) -> None:
        activity.id = post.activity_id

        async def update(turn_context: TurnContext) -> None:
            await turn_context.update_activity(activity)

        await proactive(self._adapter, post.reference, update, self._settings.app_id)

    async def _reply_in_thread(self, case: Case, build: Callable[[str], Activity]) -> None:
        post = await self._outbox.active_post(case.id)
        if post is None:
            if case.is_open:
                raise Later("no_post", NO_POST_WAIT, count=False)
            raise Undeliverable("no_post")
        channel = await self._channels.get(post.unit)
        activity = build(channel.language if channel else self._settings.default_language)

        async def reply(turn_context: TurnContext) -> None:
            await turn_context.send_activity(activity)

        await proactive(self._adapter, post.reference, reply, self._settings.app_id)

    async def _thread_note(self, item: OutboxItem, now: datetime) -> bool:
        case = await self._case(item)
        payload = item.payload
        if "message_id" in payload:
            message = await self._casework.message(int(payload["message_id"]))
            if message is None:
                raise Undeliverable("no_message")
            note = ThreadNote(message.kind, message_id=message.id)
        elif "addition_id" in payload or item.idempotency_key.startswith("addition:"):
            addition_id = int(payload.get("addition_id") or item.idempotency_key.split(":")[1])
            note = ThreadNote("addition", addition_id=addition_id)
        else:
            note = ThreadNote(str(payload.get("notice") or "unreachable"))
        refresh_ids = await self._roles.refresh_ids(case.unit)
        await self._reply_in_thread(
            case,
            lambda language: card_activity(
                self._cards.note_public(language, case, note, refresh_ids=refresh_ids),
                summary=self._cards.summary(language, case),
            ),
        )
        return False

    async def _remind_unit(self, item: OutboxItem, now: datetime) -> bool:
        case = await self._case(item)
        if case.status != "new":
            raise Undeliverable("claimed")
        note = ThreadNote("reminder", extra={"days": self._settings.remind_after})
        await self._reply_in_thread(
            case,
            lambda language: card_activity(
                self._cards.note_public(language, case, note),
                summary=self._cards.summary(language, case),
            ),
        )
        return False

    # --- 1:1 ---------------------------------------------------------------------------------

    async def _employee_chat(self, case: Case) -> StoredReference:
        chat = await self._references.personal_chat_of_pseudonym(case.employee_pseudonym)
        if chat is None:
            raise ChatNotFound(case.id)
        return chat

    def _language(self, chat: StoredReference) -> str:
        return language_of(chat.reference.get("locale"), self._settings.default_language)

    async def _send_1to1(self, chat: StoredReference, activity: Activity) -> None:
        async def send(turn_context: TurnContext) -> None:
            await turn_context.send_activity(activity)

        await proactive(self._adapter, chat.reference, send, self._settings.app_id)

    async def _relay_question(self, item: OutboxItem, now: datetime) -> bool:
        case = await self._case(item)
        message = await self._casework.message(int(item.payload["message_id"]))
        if message is None:
            raise Undeliverable("no_message")
        try:
            chat = await self._employee_chat(case)
        except ChatNotFound:
            await self._outbox.add(
                kind="thread_note",
                key=f"message:{message.id}:unreachable",
                now=now,
                referral_id=case.id,
                unit=case.unit,
                payload={"notice": "unreachable"},
            )
            raise
        language = self._language(chat)
        card = self._cards.question(language, case, message.id, message.text)
        await self._send_1to1(chat, card_activity(card))
        return False

    async def _notify_employee(self, item: OutboxItem, now: datetime) -> bool:
        case = await self._case(item)
        chat = await self._employee_chat(case)
        language = self._language(chat)
        notice = str(item.payload.get("notice"))
        unit = self._cards.unit(language, item.unit or case.unit)
        values: dict[str, Any] = {"reference": case.reference, "unit": unit}
        key = f"consultant.notify.{notice}"
        if (
            notice == "claimed"
            and case.claimed_by_name
            and case.unit in self._settings.names_visible
        ):
            key, values["name"] = "consultant.notify.claimed_named", case.claimed_by_name
        if notice == "resource":
            person = await self._resources.get(int(item.payload["person_id"]))
            if person is None:
                raise Undeliverable("no_person")
            values.update(name=person.name, competences=person.competences)
        if not self._catalogue.has(key):
            raise Undeliverable("unknown_notice")
        await self._send_1to1(chat, text_activity(self._catalogue.text(language, key, **values)))
        return False

    async def _escalate_lead(self, item: OutboxItem, now: datetime) -> bool:
        case = await self._case(item)
        if case.status != "new":
            raise Undeliverable("claimed")
        leads = await self._roles.leads(case.unit)
        if not leads:
            raise Undeliverable("no_lead")
        reached = 0
        for lead in leads:
            try:
                await self._to_person(
                    lead,
                    case.unit,
                    lambda language: text_activity(
                        self._catalogue.text(
                            language,
                            "consultant.escalation",
                            reference=case.reference,
                            unit=self._cards.unit(language, case.unit),
                            days=self._settings.escalate_after,
                        )
                    ),
                )
                reached += 1
            except ChatNotFound:
                log.warning("delivery.lead_unreachable", extra={"referral_id": case.id})
        if not reached:
            raise Undeliverable("no_chat")
        return False

    async def _notify_admin(self, item: OutboxItem, now: datetime) -> bool:
        unit = item.unit or ""
        admin = Member(teams_id=None, aad_object_id=str(item.payload["admin"]))
        await self._to_person(
            admin,
            unit,
            lambda language: text_activity(
                self._catalogue.text(
                    language, "consultant.admin.no_channel", unit=self._cards.unit(language, unit)
                )
            ),
        )
        return False

    async def _to_person(self, person: Member, unit: str, build: Callable[[str], Activity]) -> None:
        """A 1:1 message: through the stored personal chat, or else a new 1:1 conversation
        started from the unit's channel (Teams allows it for members of a team the bot is in)."""
        chat = (
            await self._references.personal_chat_of(person.aad_object_id)
            if person.aad_object_id
            else None
        )
        if chat is not None:
            await self._send_1to1(chat, build(self._language(chat)))
            return
        channel = await self._channels.get(unit)
        if channel is None or not person.teams_id:
            raise ChatNotFound(unit)
        activity = build(channel.language)
        bot = channel.reference.get("bot") or {}
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot.get("id")),
            members=[ChannelAccount(id=person.teams_id)],
            tenant_id=channel.tenant_id,
            channel_data={"tenant": {"id": channel.tenant_id}},
        )
        errors: list[BaseException] = []

        async def send(turn_context: TurnContext) -> None:
            try:
                await turn_context.send_activity(activity)
            except Exception as exc:
                errors.append(exc)

        await self._adapter.create_conversation(
            self._settings.app_id or "development-bot",
            send,
            parameters,
            "msteams",
            channel.service_url,
        )
        if errors:
            raise errors[0]


def _thread_reference(
    channel: UnitChannel, conversation_id: str, activity_id: str
) -> dict[str, Any]:
    """The reference of a new thread: the channel's, pointed at the thread."""
    reference = dict(channel.reference)
    conversation = dict(reference.get("conversation") or {})
    conversation.update(id=conversation_id, isGroup=True, conversationType="channel")
    reference.update(conversation=conversation, activityId=activity_id)
    return reference


# --- the reminder job ---------------------------------------------------------------------------


def reminder_job(casework: Casework, deadlines: Deadlines) -> Callable[[datetime], Awaitable[int]]:
    """Unclaimed after `remind_after` working days: a reminder in the channel; after
    `escalate_after`: the unit lead, 1:1. Each stage once (`Casework.mark_reminder`)."""

    async def run(now: datetime) -> int:
        marked = 0
        for case in await casework.unclaimed():
            for stage in deadlines.due(
                since=case.unit_since,
                now=now,
                reminded=case.reminded_at is not None,
                escalated=case.escalated_at is not None,
            ):
                if await casework.mark_reminder(case.id, stage, unit=case.unit, now=now):
                    marked += 1
                    log.info("reminder.due", extra={"referral_id": case.id, "stage": stage.value})
        return marked

    return run


__all__ = [
    "Delivery",
    "DeliverySettings",
    "ReminderStage",
    "TeamsRoster",
    "proactive",
    "reminder_job",
]
