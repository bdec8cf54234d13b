"""A fixed catalogue and a fixed "today" for the training tests.

Today is Wednesday 24 February 2027, 10:00 in Copenhagen (winter time, UTC+1). Summer time
starts on Sunday 28 March 2027, so the April and May events are at UTC+2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from domain.training.events import EventData, EventKind, local_instant

TODAY = date(2027, 2, 24)
NOW = datetime(2027, 2, 24, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen


def at(day: date, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return local_instant(day, time(hour, minute))


@dataclass(frozen=True)
class Listed:
    """An event as matching sees it (the `Listing` protocol)."""

    key: str
    kind: str
    title: str
    topics: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    status: str = "scheduled"
    place: str = "Københavns Rådhus"
    capacity: int = 30
    extra: dict[str, str] = field(default_factory=dict)


def _event(
    key: str,
    kind: EventKind,
    title: str,
    topics: tuple[str, ...],
    day: date,
    start: str,
    end: str,
    *,
    status: str = "scheduled",
    description: str = "",
) -> Listed:
    return Listed(
        key=key,
        kind=kind.value,
        title=title,
        topics=topics,
        starts_at=at(day, start),
        ends_at=at(day, end),
        description=description,
        status=status,
    )


CATALOGUE: list[Listed] = [
    _event("A", EventKind.THEME_DAY, "Temadag: Sociale medier og rekruttering",
           ("social_media", "recruitment"), date(2027, 3, 12), "09:00", "15:30"),
    _event("B", EventKind.THEME_DAY, "Temadag om højreekstremisme",
           ("right_wing_extremism",), date(2027, 4, 8), "09:00", "15:00"),
    _event("C", EventKind.FURTHER_EDUCATION, "Kursus: Radikalisering og forebyggelse",
           ("radicalisation",), date(2027, 3, 2), "09:00", "16:00"),
    _event("D", EventKind.TALK, "Hvad er radikalisering?", ("radicalisation", "extremism"),
           date(2027, 2, 25), "14:00", "15:30"),
    _event("E", EventKind.DIALOGUE_MEETING, "Dialogmøde med religiøse aktører",
           ("religious_actors", "intercultural_dialogue"), date(2027, 3, 17), "17:00", "19:00"),
    _event("F", EventKind.NETWORK_MEETING, "SSP-netværksmøde", ("polarisation", "gangs"),
           date(2027, 5, 11), "13:00", "15:00"),
    _event("G", EventKind.FURTHER_EDUCATION, "Den svære samtale", ("conversations", "polarisation"),
           date(2027, 4, 12), "09:00", "16:00"),
    _event("H", EventKind.THEME_DAY, "Temadag om sociale medier (afholdt)", ("social_media",),
           date(2027, 2, 15), "09:00", "15:00"),
    _event("I", EventKind.FURTHER_EDUCATION, "Kursus om sociale medier", ("social_media",),
           date(2027, 3, 10), "09:00", "15:00", status="cancelled"),
    _event("J", EventKind.TALK, "Konspirationsteorier online",
           ("conspiracy_theories", "social_media"), date(2027, 3, 1), "10:00", "11:30"),
    _event("K", EventKind.THEME_DAY, "Temadag: militant islamisme",
           ("islamism", "extremist_groups"), date(2027, 5, 12), "09:00", "15:00"),
    _event("L", EventKind.TALK, "Oplæg i gang lige nu", ("extremism",),
           date(2027, 2, 24), "09:00", "11:00"),
]  # fmt: skip


def event_data(listed: Listed, *, capacity: int = 30, key_prefix: str = "") -> EventData:
    return EventData(
        kind=EventKind(listed.kind),
        title=listed.title,
        starts_at=listed.starts_at,
        ends_at=listed.ends_at,
        capacity=capacity,
        signup_deadline=listed.starts_at,
        topics=listed.topics,
        description=listed.description,
        place=listed.place,
        key=f"{key_prefix}{listed.key}",
    )
