"""Signing up, cancelling, "mine tilmeldinger", and subscribing to news about training.

A sign-up is confirmed while seats last, then waitlisted; asking twice changes nothing; after
the deadline or for a cancelled event the answer says why. Each confirmation offers the
event's calendar file for Outlook.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dialogs.i18n import Catalogue
from dialogs.training.cards import TrainingCards
from dialogs.training.ports import TrainingPorts
from dialogs.training.view import EventView
from dialogs.turn import Incoming, Outcome
from domain.training.signups import SignupStatus, Verdict
from storage.training import EventRecord, Participant, Training


def participant_id(incoming: Incoming) -> str:
    return incoming.person.aad_object_id or incoming.person.id


class SignupDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        training: Training,
        ports: TrainingPorts,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._catalogue = catalogue
        self._training = training
        self._ports = ports
        self._clock = clock

    def _cards(self, language: str) -> TrainingCards:
        return TrainingCards(EventView(self._catalogue, language))

    def calendar_link(self, event: EventRecord, person: str) -> str:
        return self._ports.links.calendar(
            event.id, person, valid_until=event.ends_at + timedelta(days=1)
        )

    async def sign_up(self, incoming: Incoming, event_id: int) -> Outcome:
        language = incoming.language
        cards = self._cards(language)
        who = Participant(participant_id(incoming), incoming.person.name, language)
        outcome = await self._training.sign_up(event_id, who, now=self._clock())
        event = outcome.event
        if event is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        values: dict[str, Any] = {"title": event.title}
        verdict = outcome.verdict
        if verdict is Verdict.DEADLINE_PASSED:
            values["deadline"] = cards.view.deadline(event)
        if outcome.position is not None:
            values["position"] = outcome.position
        message = cards.t(f"training.signup.{verdict.value}", **values)
        if verdict in (Verdict.CONFIRMED, Verdict.ALREADY_CONFIRMED):
            return Outcome().show(
                cards.signup_result(
                    message, event, calendar_url=self.calendar_link(event, who.id), can_cancel=True
                )
            )
        if verdict in (Verdict.WAITLISTED, Verdict.ALREADY_WAITLISTED):
            return Outcome().show(
                cards.signup_result(message, event, calendar_url=None, can_cancel=True)
            )
        return Outcome().say(message)

    async def cancel(self, incoming: Incoming, event_id: int) -> Outcome:
        cards = self._cards(incoming.language)
        person = participant_id(incoming)
        outcome = await self._training.cancel_signup(event_id, person, now=self._clock())
        event = outcome.event
        if event is None:
            return Outcome().say(cards.t("training.signup.not_found"))
        if outcome.started:
            return Outcome().say(cards.t("training.cancel.started", title=event.title))
        if not outcome.cancelled:
            return Outcome().say(cards.t("training.cancel.not_signed_up", title=event.title))
        message = cards.t("training.cancel.done", title=event.title)
        if outcome.previous == SignupStatus.CONFIRMED:
            # The calendar file of a sign-up the person no longer has removes the entry.
            link = self._ports.links.calendar(
                event.id, person, valid_until=event.ends_at + timedelta(days=1)
            )
            return Outcome().show(
                cards.signup_result(
                    f"{message} {cards.t('training.cancel.calendar_hint')}",
                    event,
                    calendar_url=link,
                    can_cancel=False,
                )
            )
        return Outcome().say(message)

    async def my_signups(self, incoming: Incoming) -> Outcome:
        cards = self._cards(incoming.language)
        person = participant_id(incoming)
        mine = await self._training.signups_of(person, now=self._clock())
        if not mine:
            return Outcome().say(cards.t("training.mine.empty"))
        items = []
        for signup in mine:
            if signup.event.cancelled:
                status = cards.t("training.status.event_cancelled")
                link = None
            elif signup.status == SignupStatus.WAITLISTED:
                status = cards.t("training.status.waitlisted", position=signup.position or 0)
                link = None
            else:
                status = cards.t("training.status.confirmed")
                link = self.calendar_link(signup.event, person)
            items.append((signup.event, status, link))
        return Outcome().show(cards.my_signups(items))

    async def subscribe(self, incoming: Incoming) -> Outcome:
        cards = self._cards(incoming.language)
        created = await self._training.subscribe(
            participant_id(incoming), language=incoming.language, now=self._clock()
        )
        return Outcome().say(
            cards.t("training.subscribe.done" if created else "training.subscribe.already")
        )

    async def unsubscribe(self, incoming: Incoming) -> Outcome:
        cards = self._cards(incoming.language)
        removed = await self._training.unsubscribe(participant_id(incoming))
        key = "training.unsubscribe.done" if removed else "training.unsubscribe.not_subscribed"
        return Outcome().say(cards.t(key))

    async def is_subscribed(self, incoming: Incoming) -> bool:
        return await self._training.is_subscribed(participant_id(incoming))
