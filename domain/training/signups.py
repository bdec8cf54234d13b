"""Sign-up rules: seats, the waitlist, promotion, and when reminders go out.

The storage layer calls these inside the one transaction that holds the event's row lock, so
the facts they get (confirmed count, the participant's current sign-up) cannot change under
them. Arrival order is the per-event sequence number assigned in that transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar

from domain.training.events import COPENHAGEN, EventStatus, local_instant

T = TypeVar("T")

REMINDER_TIME = time(10, 0)  # local time on the day before the event


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


class Verdict(StrEnum):
    """The answer to a sign-up request."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_WAITLISTED = "already_waitlisted"
    DEADLINE_PASSED = "deadline_passed"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_STARTED = "event_started"
    NOT_FOUND = "not_found"

    @property
    def changes_anything(self) -> bool:
        return self in (Verdict.CONFIRMED, Verdict.WAITLISTED)


@dataclass(frozen=True, slots=True)
class EventFacts:
    status: str
    starts_at: datetime
    signup_deadline: datetime
    capacity: int


def decide_signup(
    event: EventFacts, *, confirmed: int, current: str | None, now: datetime
) -> Verdict:
    """Confirmed while seats last, then the waitlist. Asking again changes nothing; a
    cancelled, started or closed event says why."""
    if current == SignupStatus.CONFIRMED:
        return Verdict.ALREADY_CONFIRMED
    if current == SignupStatus.WAITLISTED:
        return Verdict.ALREADY_WAITLISTED
    if event.status == EventStatus.CANCELLED:
        return Verdict.EVENT_CANCELLED
    if now >= event.starts_at:
        return Verdict.EVENT_STARTED
    if now > event.signup_deadline:
        return Verdict.DEADLINE_PASSED
    return Verdict.CONFIRMED if confirmed < event.capacity else Verdict.WAITLISTED


def seats_left(capacity: int, confirmed: int) -> int:
    return max(0, capacity - confirmed)


def to_promote(
    waitlist: Sequence[T], *, capacity: int, confirmed: int, event: EventFacts, now: datetime
) -> list[T]:
    """The first on the waitlist (in arrival order), as many as there are free seats.

    Nobody moves up for a cancelled event or one that has started; a seat freed after the
    sign-up deadline still goes to the waitlist, who signed up in time."""
    if event.status == EventStatus.CANCELLED or now >= event.starts_at:
        return []
    return list(waitlist[: seats_left(capacity, confirmed)])


def reminder_due(starts_at: datetime, at: time = REMINDER_TIME) -> datetime:
    """When the day-before reminder goes out: `at` (Copenhagen time) on the local calendar day
    before the event, as a UTC instant. Correct across the change to and from summer time."""
    day_before = starts_at.astimezone(COPENHAGEN).date() - timedelta(days=1)
    try:
        return local_instant(day_before, at)
    except ValueError:  # `at` fell into the skipped hour: an hour later is the same moment
        return local_instant(day_before, time(at.hour + 1, at.minute))


def reminder_window_open(starts_at: datetime, now: datetime, at: time = REMINDER_TIME) -> bool:
    """A reminder is sent from its due time until the event starts (a sign-up made late on the
    day before still gets one)."""
    return reminder_due(starts_at, at) <= now < starts_at
