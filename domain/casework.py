"""Rules of the consultant side that are neither transport, conversation nor SQL.

- The life cycle of a routed referral (`new` → `claimed` → `closed`; a transfer changes the
  unit, not the status) and which actions each status allows.
- Transfers: only to the other unit, and never an anonymous referral to the SSP secretariat
  (anonymous advice is "VINK only, never forwarded to SSP or police", see docs/routing.md).
- The close outcomes.
- When an unclaimed referral is due for a reminder in the unit channel and for escalation to
  the unit lead, in working days (`domain.working_days`).
- Matching resource persons to a referral: the referral's signs (and crime status) map to
  topics in `resource_topics.yaml`; a resource person matches by overlap of their topics.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml

from domain.referral import SIGN_IDS, CrimeStatus, Mode, Unit
from domain.working_days import DEFAULT_CALENDAR, WorkingCalendar

TOPICS_PATH = Path(__file__).with_name("resource_topics.yaml")


class Status(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    CLOSED = "closed"


OPEN_STATUSES = frozenset({Status.NEW.value, Status.CLAIMED.value})


class CloseOutcome(StrEnum):
    """How a consultant closes a referral."""

    ADVICE_GIVEN = "advice_given"
    SSP_LOCAL_COMMITTEE = "ssp_local_committee"  # referred to the SSP local committee
    SOCIAL_SERVICES = "social_services"  # referred to social services
    INFOHUS_POLICE = "infohus_police"  # referred to Infohus / the police
    UNFOUNDED = "unfounded"


class Action(StrEnum):
    """What a consultant can do with a referral on its card."""

    CLAIM = "claim"
    ASK = "ask"
    TRANSFER = "transfer"
    SUGGEST = "suggest"
    CLOSE = "close"


# Which actions each status allows. Asking, suggesting and closing do not need a claim first:
# a consultant who answers a simple question at once may close without claiming.
ALLOWED: dict[str, frozenset[Action]] = {
    Status.NEW.value: frozenset(Action),
    Status.CLAIMED.value: frozenset(Action) - {Action.CLAIM},
    Status.CLOSED.value: frozenset(),
}


def allows(status: str, action: Action) -> bool:
    return action in ALLOWED.get(status, frozenset())


def other_unit(unit: str) -> str:
    return Unit.SSP.value if Unit(unit) is Unit.VINK else Unit.VINK.value


def may_transfer(mode: str, to_unit: str) -> bool:
    """An anonymous referral stays with VINK: the anonymous promise forbids forwarding it."""
    return not (Mode(mode) is Mode.ANONYMOUS and Unit(to_unit) is Unit.SSP)


# --- deadlines ----------------------------------------------------------------------------------


class ReminderStage(StrEnum):
    REMIND_UNIT = "remind_unit"  # a reminder in the unit's channel
    ESCALATE_LEAD = "escalate_lead"  # a 1:1 message to the unit lead


@dataclass(frozen=True)
class Deadlines:
    remind_after: int = 1  # working days unclaimed before the channel is reminded
    escalate_after: int = 3  # working days unclaimed before the unit lead is told
    calendar: WorkingCalendar = DEFAULT_CALENDAR

    def __post_init__(self) -> None:
        if not 0 < self.remind_after <= self.escalate_after:
            raise ValueError("need 0 < remind_after <= escalate_after")

    def remind_at(self, since: datetime) -> datetime:
        return self.calendar.add_working_days(since, self.remind_after)

    def escalate_at(self, since: datetime) -> datetime:
        return self.calendar.add_working_days(since, self.escalate_after)

    def due(
        self, *, since: datetime, now: datetime, reminded: bool, escalated: bool
    ) -> list[ReminderStage]:
        """The stages due now for a referral unclaimed in its unit since `since`, oldest
        first; each stage only once (the caller records it)."""
        stages = []
        if not reminded and now >= self.remind_at(since):
            stages.append(ReminderStage.REMIND_UNIT)
        if not escalated and now >= self.escalate_at(since):
            stages.append(ReminderStage.ESCALATE_LEAD)
        return stages

    def waiting(self, since: datetime, now: datetime) -> float:
        """Working days a referral has waited in its unit (the card's "time waiting")."""
        return max(0.0, self.calendar.working_days_between(since, now))


# --- resource persons ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicMap:
    topics: tuple[str, ...]
    by_sign: dict[str, tuple[str, ...]]
    by_crime_status: dict[str, tuple[str, ...]]

    def of_referral(self, signs: Iterable[str], crime_status: str) -> frozenset[str]:
        found: set[str] = set()
        for sign in signs:
            found.update(self.by_sign.get(sign, ()))
        found.update(self.by_crime_status.get(crime_status, ()))
        return frozenset(found)

    def unknown(self, topics: Iterable[str]) -> list[str]:
        return [topic for topic in topics if topic not in self.topics]


class TopicMapError(ValueError):
    pass


def parse_topic_map(text: str, source: str = "<text>") -> TopicMap:
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TopicMapError(f"{source}: expected a mapping with topics, signs, crime_status")
    topics = tuple(str(topic) for topic in data.get("topics") or ())
    if not topics or len(set(topics)) != len(topics):
        raise TopicMapError(f"{source}: `topics` must be a non-empty list without repeats")

    def mapping(name: str, keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
        raw = data.get(name) or {}
        if not isinstance(raw, dict):
            raise TopicMapError(f"{source}: `{name}` must be a mapping")
        out: dict[str, tuple[str, ...]] = {}
        for key, values in raw.items():
            if str(key) not in keys:
                raise TopicMapError(f"{source}: `{name}` has the unknown id {key!r}")
            listed = tuple(str(value) for value in values or ())
            wrong = [value for value in listed if value not in topics]
            if wrong:
                raise TopicMapError(f"{source}: {name}.{key}: unknown topic(s) {wrong}")
            out[str(key)] = listed
        return out

    return TopicMap(
        topics=topics,
        by_sign=mapping("signs", SIGN_IDS),
        by_crime_status=mapping("crime_status", [status.value for status in CrimeStatus]),
    )


@cache
def default_topic_map() -> TopicMap:
    return parse_topic_map(TOPICS_PATH.read_text(encoding="utf-8"), str(TOPICS_PATH))


@dataclass(frozen=True)
class Candidate:
    """A resource person as matching sees them."""

    id: int
    name: str
    topics: frozenset[str]


def rank_resource_persons(
    candidates: Sequence[Candidate], wanted: frozenset[str], *, limit: int = 5
) -> list[tuple[Candidate, int]]:
    """Resource persons whose topics overlap the referral's, best overlap first (then by name);
    if nobody overlaps, everybody with score 0, so the consultant can still choose."""
    scored = [(candidate, len(candidate.topics & wanted)) for candidate in candidates]
    matching = [pair for pair in scored if pair[1] > 0] or scored
    matching.sort(key=lambda pair: (-pair[1], pair[0].name.casefold()))
    return matching[:limit]
