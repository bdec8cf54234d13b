"""Understanding questions about training, and answering them from the catalogue.

`understand(text, today)` reads a question in Danish or English into a `Question`: the event
kinds, topics and period it names, whether it asks for the next one or where something is,
and which standing question it is (what VINK or SSP are, what extremism or radicalisation
mean, how to get advice). `matching(events, question, now)` picks the upcoming events that fit.

How sure the reading is (`strength`) decides who answers a message: STRONG (a kind, an event
word, a standing question) is answered before the bot's command stems are tried; WEAK (only a
topic or a period) after them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Protocol, TypeVar

from domain.training.events import EventKind, EventStatus, local
from domain.training.periods import Period, find_period
from domain.training.text import find_phrase, normalise, tokens, word_matches
from domain.training.vocabulary import (
    ABOUT_UNIT_PHRASES,
    ABOUT_WORDS,
    ADVICE_PHRASES,
    DEFINITION_PHRASES,
    EVENT_PHRASES,
    EXTREMISM_PHRASES,
    KIND_PHRASES,
    NEXT_WORDS,
    RADICALISATION_PHRASES,
    SSP_PHRASES,
    STOP_WORDS,
    SUBSUMED_BY,
    TOPIC_PHRASES,
    TOPICS,
    VINK_PHRASES,
    WHERE_PHRASES,
    Phrase,
)


class Intent(StrEnum):
    LIST = "list"
    NEXT = "next"
    WHERE = "where"


class Strength(IntEnum):
    NONE = 0
    WEAK = 1
    STRONG = 2


T = TypeVar("T", bound="Listing")

FAQS = ("vink", "ssp", "extremism", "radicalisation", "advice")
_ANYTHING = frozenset({"noget", "nogen", "anything", "something"})


@dataclass(frozen=True, slots=True)
class Question:
    kinds: frozenset[EventKind] = frozenset()
    topics: frozenset[str] = frozenset()
    terms: tuple[str, ...] = ()  # other words it is about ("kurser om våben" → "våben")
    period: Period | None = None
    intent: Intent = Intent.LIST
    faq: tuple[str, ...] = ()  # standing questions, in FAQS order
    strength: Strength = Strength.NONE

    @property
    def is_about_events(self) -> bool:
        return not self.faq and self.strength > Strength.NONE

    @property
    def has_filters(self) -> bool:
        return bool(self.kinds or self.topics or self.terms or self.period)


class Listing(Protocol):
    """What matching needs of an event (storage's records have it)."""

    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def status(self) -> str: ...


def _occurrences(words: list[str], phrases: Iterable[Phrase]) -> list[tuple[int, int]]:
    """(start, length) of every phrase occurrence."""
    found = []
    for phrase in phrases:
        start = 0
        while (index := find_phrase(words, phrase, start)) is not None:
            found.append((index, len(phrase)))
            start = index + 1
    return found


def _has(words: list[str], phrases: Iterable[Phrase]) -> bool:
    return any(find_phrase(words, phrase) is not None for phrase in phrases)


def find_topics(words: list[str]) -> dict[str, list[tuple[int, int]]]:
    found: dict[str, list[tuple[int, int]]] = {}
    for topic, phrases in TOPIC_PHRASES.items():
        places = _occurrences(words, phrases)
        if places:
            found[topic] = places
    return found


def _kinds(words: list[str]) -> dict[EventKind, list[tuple[int, int]]]:
    found: dict[EventKind, list[tuple[int, int]]] = {}
    for kind, phrases in KIND_PHRASES.items():
        places = []
        for start, length in _occurrences(words, phrases):
            after = words[start + length] if start + length < len(words) else ""
            before = words[start - 1] if start > 0 else ""
            if (
                kind is EventKind.TALK
                and words[start] in ("talk", "talks")
                and after
                in (
                    "to",
                    "with",
                )
            ):
                continue  # "talk to someone" is asking for advice
            if words[start].startswith("course") and before == "of":
                continue  # "of course"
            places.append((start, length))
        if places:
            found[kind] = places
    return found


def topic_of(word: str) -> str | None:
    """The topic id a catalogue file means by a word ("sociale medier", "social_media")."""
    said = word.strip().casefold()
    if said in TOPICS:
        return said
    found = find_topics(tokens(normalise(word)))
    return next(iter(found)) if len(found) == 1 else None


def _faq(words: list[str]) -> tuple[str, ...]:
    asked: list[str] = []
    defining = _has(words, DEFINITION_PHRASES)
    about_unit = _has(words, ABOUT_UNIT_PHRASES)
    if about_unit and _has(words, VINK_PHRASES):
        asked.append("vink")
    if about_unit and _has(words, SSP_PHRASES):
        asked.append("ssp")
    if defining and _has(words, EXTREMISM_PHRASES):
        asked.append("extremism")
    if defining and _has(words, RADICALISATION_PHRASES):
        asked.append("radicalisation")
    if _has(words, ADVICE_PHRASES):
        asked.append("advice")
    return tuple(asked)


def _intent(words: list[str], kind_places: Iterable[tuple[int, int]]) -> Intent:
    if _has(words, WHERE_PHRASES):
        return Intent.WHERE
    for start, _ in kind_places:
        for back in (1, 2):  # "næste temadag", "next big theme day"
            if start - back >= 0 and any(
                word_matches(words[start - back], phrase[0]) for phrase in NEXT_WORDS
            ):
                return Intent.NEXT
    return Intent.LIST


def _terms(words: list[str], used: set[int]) -> tuple[str, ...]:
    """Content words after "om"/"about" that no kind, topic or period took."""
    try:
        first = next(i for i, word in enumerate(words) if word in ABOUT_WORDS)
    except StopIteration:
        return ()
    return tuple(
        word
        for index, word in enumerate(words[first + 1 :], first + 1)
        if index not in used
        and word not in STOP_WORDS
        and word not in ABOUT_WORDS
        and len(word) >= 3
        and not word.isdigit()
    )


def understand(text: str | None, today: date) -> Question:
    said = normalise(text)
    if not said:
        return Question()
    period, spans = find_period(said, today)
    rest = list(said)
    for start, end in spans:
        rest[start:end] = " " * (end - start)
    words = tokens("".join(rest))
    kind_places = _kinds(words)
    event_places = _occurrences(words, EVENT_PHRASES)
    topic_places = find_topics(words)
    used = {
        start + offset
        for places in (*kind_places.values(), event_places, *topic_places.values())
        for start, length in places
        for offset in range(length)
    }
    faq = () if kind_places or event_places else _faq(words)
    if faq:
        return Question(faq=faq, strength=Strength.STRONG)
    topics = frozenset(
        topic
        for topic in topic_places
        if not (SUBSUMED_BY.get(topic, frozenset()) & topic_places.keys())
    )
    terms = () if topics else _terms(words, used)
    anything = any(word in _ANYTHING for word in words)
    if kind_places or event_places or (period and (topics or anything)):
        strength = Strength.STRONG
    elif topics or period:
        strength = Strength.WEAK
    else:
        strength = Strength.NONE
    return Question(
        kinds=frozenset(kind_places),
        topics=topics,
        terms=terms,
        period=period,
        intent=_intent(words, [p for places in kind_places.values() for p in places])
        if kind_places or event_places
        else (Intent.WHERE if _has(words, WHERE_PHRASES) else Intent.LIST),
        strength=strength,
    )


# --- answering -------------------------------------------------------------------------------


def _stem(word: str) -> str:
    for suffix in ("ernes", "erne", "ene", "ers", "er", "en", "et", "es", "e", "s", "r"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def topics_of(event: Listing) -> set[str]:
    """The event's own topics and those its title and description mention."""
    found = set(event.topics)
    found.update(find_topics(tokens(normalise(f"{event.title} {event.description}"))))
    return found


def _mentions(event: Listing, terms: Sequence[str]) -> bool:
    words = tokens(normalise(f"{event.title} {event.description}"))
    return all(any(word_matches(word, _stem(term)) for word in words) for term in terms)


def is_upcoming(event: Listing, now: datetime) -> bool:
    return event.status == EventStatus.SCHEDULED and event.starts_at > now


def fits(event: Listing, question: Question, now: datetime) -> bool:
    if not is_upcoming(event, now):
        return False
    if question.kinds and event.kind not in question.kinds:
        return False
    if question.topics and not (question.topics & topics_of(event)):
        return False
    if question.terms and not _mentions(event, question.terms):
        return False
    if question.period is not None:
        first, last = local(event.starts_at).date(), local(event.ends_at).date()
        if not question.period.overlaps(first, last):
            return False
    return True


def matching(events: Iterable[T], question: Question, now: datetime) -> list[T]:
    """The upcoming events that fit, soonest first; only the first for "næste …"."""
    found = sorted(
        (event for event in events if fits(event, question, now)), key=lambda e: e.starts_at
    )
    if question.intent is Intent.NEXT:
        return found[:1]
    return found


def upcoming(events: Iterable[T], now: datetime) -> list[T]:
    return sorted((e for e in events if is_upcoming(e, now)), key=lambda e: e.starts_at)
