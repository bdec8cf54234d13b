"""The organisers' side, from Teams: create and edit events with a card form, cancel them,
see participants and the waitlist (card and CSV), mark who attended, announce an event to
every subscriber, and the year's figures.

Only people in the organiser list (`ADMIN_AAD_OBJECT_IDS`) get past `_allowed`; everyone else
is told so. Forms are stateless: a submitted form carries all its values, and a form with
problems comes back filled in, with the problems listed on top.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.i18n import Catalogue
from dialogs.training.cards import TrainingCards, form_values, submit
from dialogs.training.ports import TrainingPorts
from dialogs.training.problems import problem_text
from dialogs.training.view import EventView
from dialogs.turn import Incoming, Outcome
from domain.training.events import InvalidEvent, build_event, local
from domain.training.questions import topic_of
from storage.training import Training
from storage.training_delivery import TrainingDelivery

log = logging.getLogger(__name__)

# Actions that show participants' names: only in the organiser's 1:1 chat.
NAMES_SHOWN = frozenset({"participants", "attendance", "save_attendance"})
FORM_FIELDS = (
    "kind",
    "title",
    "topics",
    "description",
    "date",
    "start_time",
    "end_time",
    "end_date",
    "place",
    "online_url",
    "capacity",
    "deadline",
    "audience",
    "organiser",
)


def raw_event(values: dict[str, Any]) -> dict[str, Any]:
    """The form's inputs as `build_event` reads them (local date and times)."""
    text = {name: str(values.get(name) or "").strip() for name in FORM_FIELDS}
    raw: dict[str, Any] = {
        name: text[name]
        for name in ("kind", "title", "topics", "description", "place", "online_url")
    }
    raw.update(capacity=text["capacity"], audience=text["audience"], organiser=text["organiser"])
    day, start, end = text["date"], text["start_time"], text["end_time"]
    raw["start"] = f"{day} {start}" if day and start else ""
    raw["end"] = f"{text['end_date']} {end}" if text["end_date"] and end else end
    if text["deadline"] and text["deadline"] != day:
        raw["signup_deadline"] = text["deadline"]
    return raw


class OrganiserDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        training: Training,
        delivery: TrainingDelivery,
        ports: TrainingPorts,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._catalogue = catalogue
        self._training = training
        self._delivery = delivery
        self._ports = ports
        self._clock = clock

    def _cards(self, language: str) -> TrainingCards:
        return TrainingCards(EventView(self._catalogue, language))

    def allowed(self, incoming: Incoming) -> bool:
        return self._ports.is_organiser(incoming.person.aad_object_id)

    def refuse(self, incoming: Incoming) -> Outcome:
        return Outcome().say(self._catalogue.text(incoming.language, "training.organiser.only"))

    async def handle(self, action: str, incoming: Incoming) -> Outcome:
        if not self.allowed(incoming):
            return self.refuse(incoming)
        event_id = _event_id(incoming.value)
        handlers: dict[str, Callable[[], Any]] = {
            "organiser_menu": lambda: self.menu(incoming),
            "new_event": lambda: self.new_event(incoming),
            "save": lambda: self._save(incoming, event_id),
            "figures": lambda: self._figures(incoming),
        }
        if action in handlers:
            result: Outcome = await handlers[action]()
            return result
        if event_id is None:
            return Outcome().say(
                self._catalogue.text(incoming.language, "training.signup.not_found")
            )
        by_event: dict[str, Callable[[int], Any]] = {
            "manage": lambda e: self._manage(incoming, e),
            "edit": lambda e: self._edit(incoming, e),
            "cancel_event": lambda e: self._confirm_cancel(incoming, e),
            "cancel_event_confirmed": lambda e: self._cancel(incoming, e),
            "participants": lambda e: self._participants(incoming, e),
            "attendance": lambda e: self._attendance(incoming, e),
            "save_attendance": lambda e: self._save_attendance(incoming, e),
            "announce": lambda e: self._confirm_announce(incoming, e),
            "announce_confirmed": lambda e: self._announce(incoming, e),
        }
        if action not in by_event:
            return Outcome().say(self._catalogue.text(incoming.language, "errors.unknown_action"))
        if action in NAMES_SHOWN and incoming.conversation_type != "personal":
            # Participants' names never go into a chat other people can read.
            return Outcome().say(
                self._catalogue.text(incoming.language, "training.organiser.personal_only")
            )
        result = await by_event[action](event_id)
        return result

    async def menu(self, incoming: Incoming) -> Outcome:
        cards = self._cards(incoming.language)
        events = await self._training.events(after=self._clock(), include_cancelled=True)
        return Outcome().show(cards.organiser_menu(events[:10]))

    async def new_event(self, incoming: Incoming) -> Outcome:
        return Outcome().show(self._cards(incoming.language).event_form({}, [], event_id=None))

    async def _edit(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        event = await self._training.get(event_id)
        if event is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        if event.cancelled:
            return Outcome().say(cards.t("training.manage.not_editable"))
        return Outcome().show(cards.event_form(form_values(event), [], event_id=event.id))

    async def _save(self, incoming: Incoming, event_id: int | None) -> Outcome:
        language = incoming.language
        cards = self._cards(language)
        values = {name: str((incoming.value or {}).get(name) or "") for name in FORM_FIELDS}
        now = self._clock()
        existing = await self._training.get(event_id) if event_id else None
        if event_id and existing is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        raw = raw_event(values)
        if existing is not None:
            raw["key"] = existing.key or ""
        try:
            data = build_event(raw, topic_of=topic_of, now=now)
        except InvalidEvent as invalid:
            problems = [problem_text(self._catalogue, language, p) for p in invalid.problems]
            return Outcome().show(cards.event_form(values, problems, event_id=event_id))
        if existing is None:
            created = await self._training.create_event(data, now=now)
            log.info("training.event_created", extra={"event_id": created.id})
            outcome = Outcome().say(cards.t("training.manage.created"))
            return outcome.show(cards.manage(created, subscribers=await self._subscribers()))
        change = await self._training.update_event(existing.id, data, now=now)
        if change is None:
            return Outcome().say(cards.t("training.manage.not_editable"))
        log.info(
            "training.event_updated",
            extra={
                "event_id": existing.id,
                "moved": change.moved,
                "promoted": len(change.promoted),
            },
        )
        if change.moved or change.promoted:
            self._ports.wake()
        told = existing.confirmed + existing.waitlisted
        message = (
            cards.t("training.manage.updated_moved", count=told)
            if change.moved
            else cards.t("training.manage.updated")
        )
        outcome = Outcome().say(message)
        return outcome.show(cards.manage(change.event, subscribers=await self._subscribers()))

    async def _subscribers(self) -> int:
        return await self._training.subscriber_count()

    async def _manage(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        event = await self._training.get(event_id)
        if event is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        return Outcome().show(cards.manage(event, subscribers=await self._subscribers()))

    async def _confirm_cancel(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        event = await self._training.get(event_id)
        if event is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        question = cards.t(
            "training.manage.cancel_confirm",
            title=event.title,
            count=event.confirmed + event.waitlisted,
        )
        yes = submit(cards.t("training.button.confirm_cancel"), "cancel_event_confirmed",
                     event=event.id)  # fmt: skip
        no = submit(cards.t("training.button.keep"), "manage", event=event.id)
        return Outcome().show(cards.question(question, yes, no))

    async def _cancel(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        before = await self._training.get(event_id)
        event = await self._training.cancel_event(event_id, now=self._clock())
        if event is None or before is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        log.info("training.event_cancelled", extra={"event_id": event_id})
        self._ports.wake()
        told = 0 if before.cancelled else before.confirmed + before.waitlisted
        return Outcome().say(cards.t("training.manage.cancelled", title=event.title, count=told))

    async def _participants(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        event = await self._training.get(event_id)
        if event is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        lines = await self._training.participants(event_id)
        person = incoming.person.aad_object_id or incoming.person.id
        links = self._ports.links
        return Outcome().show(
            cards.participants(
                event,
                lines,
                csv_url=links.participants_csv(event_id, person),
                minutes=links.csv_minutes,
            )
        )

    async def _attendance(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        event = await self._training.get(event_id)
        if event is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        lines = await self._training.participants(event_id)
        return Outcome().show(cards.attendance_form(event, lines))

    async def _save_attendance(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        event = await self._training.get(event_id)
        if event is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        raw = str((incoming.value or {}).get("attended") or "")
        chosen = {int(part) for part in raw.split(",") if part.strip().isdigit()}
        came = await self._training.set_attendance(event_id, chosen, now=self._clock())
        return Outcome().say(
            cards.t("training.attendance.saved", attended=came, confirmed=event.confirmed)
        )

    async def _confirm_announce(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        event = await self._training.get(event_id)
        if event is None or event.cancelled:
            return Outcome().say(cards.t("training.signup.not_found"))
        count = await self._subscribers()
        if count == 0:
            return Outcome().say(cards.t("training.announce.no_subscribers"))
        question = cards.t("training.announce.confirm", title=event.title, count=count)
        yes = submit(cards.t("training.button.confirm_announce"), "announce_confirmed",
                     event=event.id)  # fmt: skip
        no = submit(cards.t("training.button.keep"), "manage", event=event.id)
        return Outcome().show(cards.question(question, yes, no))

    async def _announce(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        event = await self._training.get(event_id)
        if event is None or event.cancelled:
            return Outcome().say(cards.t("training.signup.not_found"))
        announcement, created = await self._delivery.announce(
            event_id,
            requested_by=incoming.person.aad_object_id or incoming.person.id,
            report_conversation_id=incoming.conversation_id,
            language=incoming.language,
            now=self._clock(),
        )
        if not created:
            return Outcome().say(cards.t("training.announce.running"))
        log.info(
            "training.announced",
            extra={"event_id": event_id, "announcement_id": announcement.id,
                   "recipients": announcement.total},
        )  # fmt: skip
        self._ports.wake()
        return Outcome().say(
            cards.t("training.announce.started", title=event.title, count=announcement.total)
        )

    async def _figures(self, incoming: Incoming) -> Outcome:
        cards = self._cards(incoming.language)
        year = local(self._clock()).year
        rows = await self._training.annual_figures(year)
        return Outcome().show(cards.figures(year, rows))


def _event_id(value: dict[str, Any] | None) -> int | None:
    raw = (value or {}).get("event")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    return None
