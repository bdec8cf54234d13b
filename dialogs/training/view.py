"""How an event reads in a language: its kind, time, place, seats and topics (Copenhagen time,
babel's CLDR month and weekday names, patterns from the catalogue)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime

from dialogs.i18n import Catalogue
from domain.training.events import local
from domain.training.periods import Period
from domain.training.questions import Question
from storage.training import EventRecord


class EventView:
    def __init__(self, catalogue: Catalogue, language: str) -> None:
        self.catalogue = catalogue
        self.language = language

    def t(self, key: str, **values: Any) -> str:
        return self.catalogue.text(self.language, key, **values)

    def _pattern(self, moment: datetime, key: str) -> str:
        return str(format_datetime(local(moment), self.t(key), locale=self.language))

    def day(self, moment: datetime) -> str:
        return self._pattern(moment, "training.format.day")

    def full_date(self, day: date) -> str:
        return str(format_date(day, self.t("training.format.day"), locale=self.language))

    def short_date(self, day: date) -> str:
        return str(format_date(day, self.t("training.format.short_day"), locale=self.language))

    def clock(self, moment: datetime) -> str:
        return self._pattern(moment, "training.format.time")

    def moment(self, moment: datetime) -> str:
        return self.t("training.format.moment", day=self.day(moment), time=self.clock(moment))

    def when(self, event: EventRecord) -> str:
        start, end = event.starts_at, event.ends_at
        if local(start).date() == local(end).date():
            return self.t(
                "training.when.same_day",
                day=self.day(start),
                start=self.clock(start),
                end=self.clock(end),
            )
        return self.t(
            "training.when.days",
            start_day=self.day(start),
            start=self.clock(start),
            end_day=self.day(end),
            end=self.clock(end),
        )

    def where(self, event: EventRecord) -> str:
        if event.place and event.online_url:
            return self.t("training.where.both", place=event.place)
        if event.place:
            return event.place
        return self.t("training.where.online")

    def kind(self, event: EventRecord) -> str:
        return self.t(f"training.kind.{event.kind}")

    def kind_plural(self, kind: str) -> str:
        return self.t(f"training.kind_plural.{kind}")

    def topic(self, topic: str) -> str:
        return self.t(f"training.topic.{topic}")

    def topics(self, event: EventRecord) -> str:
        return ", ".join(self.topic(topic) for topic in event.topics)

    def seats(self, event: EventRecord) -> str:
        if event.cancelled:
            return self.t("training.seats.cancelled")
        if event.seats_left > 0:
            return self.t("training.seats.left", left=event.seats_left, capacity=event.capacity)
        return self.t("training.seats.full", waiting=event.waitlisted)

    def deadline(self, event: EventRecord) -> str:
        return self.moment(event.signup_deadline)

    def period(self, period: Period) -> str:
        if period.start == period.end:
            return self.t("training.summary.day", day=self.full_date(period.start))
        return self.t(
            "training.summary.range",
            start=self.short_date(period.start),
            end=self.short_date(period.end),
        )

    def summary(self, question: Question, *, one: bool = False) -> str:
        """What the bot understood, said back: "temadage om sociale medier i marts" (or, with
        `one`, "temadag om sociale medier")."""
        if question.kinds:
            kinds = sorted(question.kinds)
            names = [self.t(f"training.kind.{k}") if one else self.kind_plural(k) for k in kinds]
            parts = [" / ".join(names)]
        else:
            parts = [self.t("training.summary.one" if one else "training.summary.anything")]
        if question.topics:
            topics = ", ".join(self.topic(topic) for topic in sorted(question.topics))
            parts.append(self.t("training.summary.about", topics=topics))
        elif question.terms:
            parts.append(self.t("training.summary.about", topics=" ".join(question.terms)))
        if question.period:
            parts.append(self.period(question.period))
        return " ".join(parts)
