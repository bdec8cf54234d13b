"""Questions about the catalogue in plain language, and the standing questions.

"hvornår er næste temadag?" → the next theme day as a card; "er der noget om sociale medier i
marts?" → the matching events; nothing matches → it says so plainly and shows what is coming.
"hvad mener I med ekstremisme?" → the cooperation agreement's definition.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from dialogs.i18n import Catalogue
from dialogs.training.cards import TrainingCards
from dialogs.training.ports import TrainingPorts
from dialogs.training.view import EventView
from dialogs.turn import Incoming, Outcome
from domain.training.events import local
from domain.training.questions import Intent, Question, matching, understand, upcoming
from storage.training import EventRecord, Training

MAX_SHOWN = 5
COMING_SHOWN = 3
SHOWN_KEY = "training_shown"  # the event ids of the last list, for "tilmeld 2"


class AskDialog:
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

    def today(self) -> date:
        return local(self._clock()).date()

    def understand(self, text: str | None) -> Question:
        return understand(text, self.today())

    def _cards(self, language: str) -> TrainingCards:
        return TrainingCards(EventView(self._catalogue, language))

    def _actions(self, cards: TrainingCards, incoming: Incoming) -> Callable[[EventRecord], Any]:
        organiser = self._ports.is_organiser(incoming.person.aad_object_id)
        return lambda event: cards.event_actions(event, organiser=organiser)

    async def answer(
        self, incoming: Incoming, state: dict[str, Any], question: Question
    ) -> Outcome:
        language = incoming.language
        cards = self._cards(language)
        if question.faq:
            texts = [cards.t(f"training.faq.{topic}") for topic in question.faq]
            return Outcome().say("\n\n".join(texts))
        now = self._clock()
        events = await self._training.events(after=now)
        found = matching(events, question, now)
        what = cards.view.summary(question)
        if not found:
            outcome = Outcome().say(cards.t("training.answer.none", what=what))
            coming = upcoming(events, now)[:COMING_SHOWN]
            if not coming:
                return outcome.say(cards.t("training.answer.empty"))
            lead = cards.t("training.answer.coming")
            return outcome.show(self._list(incoming, state, lead, coming))
        shown = found[:MAX_SHOWN]
        notes = []
        if len(found) > len(shown):
            notes.append(cards.t("training.answer.more", shown=len(shown), count=len(found)))
        if question.intent is Intent.WHERE:
            lead = "\n".join(
                cards.t("training.answer.where", title=e.title, day=cards.view.day(e.starts_at),
                        place=cards.view.where(e))
                for e in shown
            )  # fmt: skip
        elif question.intent is Intent.NEXT:
            lead = cards.t("training.answer.next", what=cards.view.summary(question, one=True))
        else:
            lead = cards.t("training.answer.list", what=what, count=len(found))
        return Outcome().show(self._list(incoming, state, lead, shown, notes=notes))

    def _list(
        self,
        incoming: Incoming,
        state: dict[str, Any],
        lead: str,
        events: list[EventRecord],
        *,
        notes: list[str] | None = None,
        footer: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        cards = self._cards(incoming.language)
        state[SHOWN_KEY] = [event.id for event in events]
        return cards.event_list(
            lead,
            events,
            actions_for=self._actions(cards, incoming),
            detail=len(events) == 1,
            notes=notes or [],
            footer=footer or [],
        )

    async def upcoming(
        self, incoming: Incoming, state: dict[str, Any], *, subscribed: bool
    ) -> Outcome:
        """The "kurser" command: what is coming, and the subscribe switch."""
        cards = self._cards(incoming.language)
        now = self._clock()
        events = await self._training.events(after=now)
        coming = upcoming(events, now)
        if subscribed:
            note = cards.t("training.upcoming.subscribed")
            switch = {
                "type": "Action.Submit",
                "title": cards.t("training.button.unsubscribe"),
                "data": {"cmd": "unsubscribe"},
            }
        else:
            note = cards.t("training.upcoming.not_subscribed")
            switch = {"type": "Action.Submit", "title": cards.t("training.button.subscribe"),
                      "data": {"cmd": "subscribe"}}  # fmt: skip
        mine = {"type": "Action.Submit", "title": cards.t("commands.my_signups.title"),
                "data": {"cmd": "my_signups"}}  # fmt: skip
        if not coming:
            return Outcome().say(cards.t("training.answer.empty"))
        shown = coming[:MAX_SHOWN]
        notes = [note]
        if len(coming) > len(shown):
            notes.insert(0, cards.t("training.upcoming.more", shown=len(shown), count=len(coming)))
        lead = cards.t("training.upcoming.title")
        return Outcome().show(
            self._list(incoming, state, lead, shown, notes=notes, footer=[switch, mine])
        )
