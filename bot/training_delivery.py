"""The training side's background senders: announcements to subscribers, notices to
participants (moved up, changed, cancelled, reminded), and the organiser's progress reports.

Every send goes 1:1 to the person's personal chat (`ConversationReferences.personal_chat_of`)
through `Proactive.send`, paced by the process's `Pacer` (Teams' per-conversation and
per-tenant limits). What Teams answers decides the row's fate:

| answer | the row becomes |
|---|---|
| accepted | sent |
| 403 (`ConversationBlockedByUser`, `BotNotInConversationRoster`), 404, no 1:1 chat | blocked |
| 429, 412, 503 after the pipeline's own retries (`bot.compat.RetryPolicy`) | pending, * |
| anything else, or too many attempts | failed |
| the database failed before the send (reading the chat) | pending, at once |

* again after `Retry-After` (or a backoff); a 429 also pauses the pacer.

A send interrupted by a stop before it went out goes back to pending; one interrupted while
Teams may already have taken it stays `sending` and is later counted as failed
(`storage.training_delivery`): nobody gets the same announcement twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import aiohttp

from bot.compat import PACED_BY, retry_after_seconds
from bot.pacing import Pacer
from bot.proactive import ConversationNotFound, Proactive
from bot.workers import Job, persist
from dialogs.i18n import Catalogue
from dialogs.training.cards import TrainingCards, open_url
from dialogs.training.ports import Links
from dialogs.training.view import EventView
from dialogs.turn import Reply
from domain.training.signups import ACTIVE, SignupStatus
from storage.conversations import ConversationReferences
from storage.errors import STORE_ERRORS, DatabaseError
from storage.training import EventRecord, Training
from storage.training_delivery import Delivery, Notice, Report, TrainingDelivery

log = logging.getLogger(__name__)

BLOCKED_CODES = frozenset({"ConversationBlockedByUser", "BotNotInConversationRoster"})
RETRY_STATUSES = frozenset({412, 429, 503})


class Result(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    RETRY = "retry"
    FAILED = "failed"
    UNSENT = "unsent"  # the database failed before anything went out: again, not counted


@dataclass(frozen=True, slots=True)
class SendResult:
    result: Result
    retry_after: float | None = None


def _status_and_code(error: Exception) -> tuple[int | None, str | None, float | None]:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    headers = getattr(response, "headers", None) or {}
    retry_after = retry_after_seconds(headers.get("Retry-After")) if headers else None
    code = None
    inner = getattr(getattr(error, "error", None), "error", None)
    if inner is not None:
        code = getattr(inner, "code", None)
    if code is None and response is not None:
        with contextlib.suppress(Exception):
            body = json.loads(response.text())
            code = body.get("error", {}).get("code")
    return (status if isinstance(status, int) else None), code, retry_after


def classify(error: Exception) -> SendResult:
    """What a failed proactive send means for the row (see the module's table)."""
    if isinstance(error, ConversationNotFound):
        return SendResult(Result.BLOCKED)
    if isinstance(error, DatabaseError) or (
        isinstance(error, OSError) and not isinstance(error, aiohttp.ClientError)
    ):
        # The database, not Teams (the stored conversation is read before the send; aiohttp
        # wraps every network error of the send itself): nothing went out.
        return SendResult(Result.UNSENT)
    if isinstance(error, aiohttp.ClientConnectorError):
        return SendResult(Result.RETRY)
    status, code, retry_after = _status_and_code(error)
    if code in BLOCKED_CODES or status in (403, 404):
        return SendResult(Result.BLOCKED)
    if status in RETRY_STATUSES:
        return SendResult(Result.RETRY, retry_after)
    return SendResult(Result.FAILED)


class TrainingSender:
    def __init__(
        self,
        *,
        training: Training,
        delivery: TrainingDelivery,
        references: ConversationReferences,
        proactive: Proactive,
        pacer: Pacer,
        catalogue: Catalogue,
        links: Links,
        batch_size: int = 50,
        announce_batch: int = 5000,
        concurrency: int = 16,
        max_attempts: int = 5,
        retry_base: timedelta = timedelta(seconds=30),
        lease: timedelta = timedelta(minutes=10),
        progress_every: timedelta = timedelta(seconds=30),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock
        self._training = training
        self._delivery = delivery
        self._references = references
        self._proactive = proactive
        self._pacer = pacer
        self._catalogue = catalogue
        self._links = links
        self.batch_size = batch_size
        # Announcements claim one delivery per free send slot (below) and wait for the
        # stragglers only once per `announce_batch`: a retried send then holds up few others.
        self.announce_batch = announce_batch
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._lease = lease
        self._progress_every = progress_every

    def jobs(self) -> list[Job]:
        return [
            Job("training_announcements", self.send_announcements, 5, self.announce_batch),
            Job("training_notices", self.send_notices, 15, self.batch_size),
            Job("training_reminders", self.schedule_reminders, 300),
        ]

    def _cards(self, language: str) -> TrainingCards:
        return TrainingCards(EventView(self._catalogue, language))

    # --- one send ---------------------------------------------------------------------------

    async def _send(self, conversation_id: str, replies: list[Reply]) -> SendResult:
        await self._pacer.acquire(conversation_id)
        return await self._send_paced(conversation_id, replies)

    async def _send_to_person(self, person_id: str, replies: list[Reply]) -> SendResult:
        stored = await self._references.personal_chat_of(person_id)
        if stored is None:
            return SendResult(Result.BLOCKED)
        return await self._send(stored.conversation_id, replies)

    def _retry_at(self, now: datetime, attempts: int, retry_after: float | None) -> datetime:
        if retry_after is not None:
            return now + timedelta(seconds=retry_after)
        return now + self._retry_base * 2 ** max(0, attempts - 1)

    # --- announcements ----------------------------------------------------------------------

    async def send_announcements(self, now: datetime) -> int:
        recovered = await self._delivery.recover_in_doubt(now, older_than=self._lease)
        if recovered:
            log.warning("training.deliveries_in_doubt", extra={"count": recovered})
        events: dict[int, EventRecord | None] = {}
        slots = asyncio.Semaphore(self._concurrency)
        begun: set[int] = set()  # deliveries whose message may have reached Teams
        running: dict[asyncio.Task[None], Delivery] = {}

        # A delivery is claimed when a send slot is free, not a whole batch up front: a crash
        # (kill -9, a lost instance) then leaves at most `concurrency` rows in `sending`, the
        # sends in flight, rather than every row of the batch, all of which would be counted
        # as failed after the lease (tests/reliability/test_kill_mid_announcement.py).
        claimed = 0
        failure: Exception | None = None
        try:
            try:
                while claimed < self.announce_batch:
                    await slots.acquire()
                    delivery = await self._claim_one(now, {d.id for d in running.values()})
                    if delivery is None:
                        slots.release()
                        break
                    claimed += 1
                    task = asyncio.create_task(self._deliver(delivery, events, begun))
                    task.add_done_callback(lambda _: slots.release())
                    running[task] = delivery
            except STORE_ERRORS as error:
                failure = error  # the database failed while claiming; what runs goes on
            results = await asyncio.gather(*running, return_exceptions=True)
        except asyncio.CancelledError:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            for task, delivery in running.items():
                if task.cancelled() and delivery.id not in begun:
                    await self._put_back(delivery)
            raise
        for delivery, result in zip(running.values(), results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                log.error("training.delivery_crashed", exc_info=result)
                if delivery.id not in begun:
                    # Nothing went out (the database failed first): back in the queue.
                    await persist(functools.partial(self._put_back, delivery), what="announcement")
                # Otherwise the row stays `sending`, counted as failed once its lease is over.
        if failure is not None:
            raise failure
        await self.report(self._clock())
        return claimed

    async def _claim_one(self, now: datetime, seen: set[int]) -> Delivery | None:
        claiming = asyncio.ensure_future(self._delivery.claim_deliveries(now, limit=1))
        try:
            found = await asyncio.shield(claiming)
        except asyncio.CancelledError:
            # Stopped while claiming: what the claim took goes back untouched.
            for delivery in await claiming:
                await self._put_back(delivery)
            raise
        except STORE_ERRORS:
            # The claim may have committed all the same: once the database answers again, put
            # back what it took (else it would wait in `sending` for the lease, then count as
            # failed without ever having been sent).
            await persist(
                lambda: self._delivery.release_lost_claims(claimed_at=now, keep=seen),
                what="announcement",
            )
            raise
        return found[0] if found else None

    async def _put_back(self, delivery: Delivery) -> None:
        """Stopped before anything went out: back in the queue, attempt not counted."""
        at = self._clock()
        await self._delivery.retry_delivery(delivery.id, at=at, now=at, count_attempt=False)

    async def _deliver(
        self, delivery: Delivery, events: dict[int, EventRecord | None], begun: set[int]
    ) -> None:
        if delivery.event_id not in events:
            events[delivery.event_id] = await self._training.get(delivery.event_id)
        event = events[delivery.event_id]
        if event is None or event.cancelled:
            await self._delivery.finish_delivery(delivery.id, "skipped", now=self._clock())
            return
        card = self._cards(delivery.language).announcement(event)
        stored = await self._references.personal_chat_of(delivery.subscriber_id)
        if stored is None:
            await self._delivery.finish_delivery(delivery.id, "blocked", now=self._clock())
            return
        await self._pacer.acquire(stored.conversation_id)
        begun.add(delivery.id)
        sending = asyncio.ensure_future(
            self._send_paced(stored.conversation_id, [Reply(card=card)])
        )
        try:
            outcome = await asyncio.shield(sending)
        except asyncio.CancelledError:
            # Stopping mid-send: let the send finish and record what happened, so a restart
            # neither repeats it nor has to count it as failed.
            outcome = await sending
            await self._record(delivery, outcome)
            raise
        await self._record(delivery, outcome)

    async def _record(self, delivery: Delivery, outcome: SendResult) -> None:
        # Waits out a database outage: given up, the row would stay `sending` and be counted
        # as failed after its lease, even when Teams took the message.
        now = self._clock()
        if outcome.result is Result.UNSENT:
            await persist(lambda: self._put_back(delivery), what="announcement")
            return
        if outcome.result is Result.RETRY and delivery.attempts < self._max_attempts:
            at = self._retry_at(now, delivery.attempts, outcome.retry_after)
            await persist(
                lambda: self._delivery.retry_delivery(delivery.id, at=at, now=now),
                what="announcement",
            )
            return
        final = outcome.result if outcome.result is not Result.RETRY else Result.FAILED
        await persist(
            lambda: self._delivery.finish_delivery(delivery.id, final.value, now=now),
            what="announcement",
        )

    async def _send_paced(self, conversation_id: str, replies: list[Reply]) -> SendResult:
        """A send whose pacing slot is already taken."""
        # A retry inside the send waits for a slot of the same pacer (bot/compat.PACED_BY).
        paced = PACED_BY.set(functools.partial(self._pacer.acquire, conversation_id))
        try:
            await self._proactive.send(conversation_id, replies)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            outcome = classify(error)
            if outcome.result is Result.RETRY and outcome.retry_after:
                self._pacer.throttled(outcome.retry_after)
            log.warning(
                "training.send_failed",
                extra={"result": outcome.result.value, "error_type": type(error).__name__},
            )
            return outcome
        finally:
            PACED_BY.reset(paced)
        return SendResult(Result.SENT)

    async def report(self, now: datetime) -> int:
        """Progress to the organiser now and then, and the final count once."""
        reports = await self._delivery.reports_due(now, every=self._progress_every)
        for report in reports:
            await self._report(report)
        return len(reports)

    async def _report(self, report: Report) -> None:
        announcement, tally = report.announcement, report.tally
        event = await self._training.get(announcement.event_id)
        title = event.title if event else "-"
        t = self._catalogue.text
        language = announcement.language
        if report.final:
            text = t(
                language,
                "training.announce.finished",
                title=title,
                sent=tally.sent,
                blocked=tally.blocked,
                failed=tally.failed,
            )
            if tally.skipped:
                text = f"{text} {t(language, 'training.announce.stopped', skipped=tally.skipped)}"
        else:
            text = t(
                language,
                "training.announce.progress",
                title=title,
                done=tally.done,
                total=tally.total,
            )
        outcome = await self._send(announcement.report_conversation_id, [Reply(text=text)])
        log.info(
            "training.announcement_report",
            extra={
                "announcement_id": announcement.id,
                "final": report.final,
                "sent": tally.sent,
                "blocked": tally.blocked,
                "failed": tally.failed,
                "delivered": outcome.result.value,
            },
        )

    # --- participant notices ----------------------------------------------------------------

    async def schedule_reminders(self, now: datetime) -> int:
        return await self._delivery.schedule_reminders(now)

    async def send_notices(self, now: datetime) -> int:
        await self._delivery.recover_notices_in_doubt(now, older_than=self._lease)
        notices = await self._delivery.claim_notices(now, limit=self.batch_size)
        for notice in notices:
            await self._notify(notice, now)
        return len(notices)

    async def _notify(self, notice: Notice, now: datetime) -> None:
        event = await self._training.get(notice.event_id)
        status, _ = await self._training.signup_status(notice.event_id, notice.participant_id)
        replies = self._notice_replies(notice, event, status, now)
        if replies is None:
            await self._delivery.finish_notice(notice.id, "skipped", now=now)
            return
        outcome = await self._send_to_person(notice.participant_id, replies)
        if outcome.result is Result.UNSENT:
            await persist(
                lambda: self._delivery.retry_notice(notice.id, at=now, now=now), what="notice"
            )
            return
        if outcome.result is Result.RETRY and notice.attempts < self._max_attempts:
            at = self._retry_at(now, notice.attempts, outcome.retry_after)
            await persist(
                lambda: self._delivery.retry_notice(notice.id, at=at, now=now), what="notice"
            )
            return
        final = outcome.result if outcome.result is not Result.RETRY else Result.FAILED
        await persist(
            lambda: self._delivery.finish_notice(notice.id, final.value, now=now), what="notice"
        )
        log.info(
            "training.notice",
            extra={"kind": notice.kind, "event_id": notice.event_id, "result": final.value},
        )

    def _notice_replies(
        self, notice: Notice, event: EventRecord | None, status: str, now: datetime
    ) -> list[Reply] | None:
        """The message, or None when it no longer applies (cancelled their seat since, …)."""
        if event is None:
            return None
        confirmed = status == SignupStatus.CONFIRMED
        relevant: dict[str, bool] = {
            "reminder": confirmed and not event.cancelled and now < event.starts_at,
            "promoted": confirmed and not event.cancelled,
            "changed": status in ACTIVE and not event.cancelled,
            "cancelled": event.cancelled and status in ACTIVE,
        }
        if not relevant.get(notice.kind, False):
            return None
        cards = self._cards(notice.language)
        t = cards.t
        text = t(f"training.notice.{notice.kind}", title=event.title)
        actions: list[dict[str, Any]] = []
        link = self._links.calendar(
            event.id, notice.participant_id, valid_until=event.ends_at + timedelta(days=1)
        )
        if notice.kind == "cancelled":
            if confirmed:
                actions.append(open_url(t("training.notice.remove_button"), link))
                text = f"{text} {t('training.notice.remove_calendar')}"
        elif confirmed:
            actions.append(open_url(t("training.button.calendar"), link))
            if notice.kind == "changed":
                text = f"{text} {t('training.notice.update_calendar')}"
        return [Reply(card=cards.notice(text, event, actions))]
