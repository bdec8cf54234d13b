"""Question understanding against a fixed catalogue and a fixed today (Wednesday 24 February
2027): real-sounding questions in Danish and English, with the events each should answer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.training.questions import Intent, Strength, matching, understand
from tests.training.catalogue import CATALOGUE, NOW, TODAY

DANISH: list[tuple[str, list[str]]] = [
    ("hvornår er næste temadag?", ["A"]),
    ("er der noget om sociale medier i marts?", ["J", "A"]),
    ("kurser om radikalisering", ["C"]),
    ("hvor foregår temadagen den 12.?", ["A"]),
    ("hvad sker der i næste uge?", ["J", "C"]),
    ("temadage i april", ["B"]),
    ("er der et oplæg på torsdag?", ["D"]),
    ("hvad sker der i morgen", ["D"]),
    ("netværksmøder i maj", ["F"]),
    ("dialogmøder om religion", ["E"]),
    ("kurser om den svære samtale", ["G"]),
    ("temadag om højreekstremisme", ["B"]),
    ("temadage om sosiale medier", ["A"]),  # typo
    ("kursus om radikaliseringen", ["C"]),  # inflection
    ("kurser om radikalisring", ["C"]),  # typo
    ("er der efteruddannelse i april?", ["G"]),
    ("oplæg om konspirationsteorier", ["J"]),
    ("hvilke temadage er der i foråret?", ["A", "B", "K"]),
    ("næste kursus", ["C"]),
    ("arrangementer om polarisering", ["G", "F"]),
    ("er der noget den 17. marts?", ["E"]),
    ("temadag d. 12/5", ["K"]),
    ("kurser om våben", []),  # nothing about weapons
    ("temadage i januar", []),  # January 2028: nothing yet
    ("hvornår er der temadag om militant islamisme?", ["K"]),
    ("oplæg i uge 9", ["J"]),
    ("hvad sker der på mandag", ["J"]),
    ("kommende netværksmøder", ["F"]),
    ("er der nogle dialogmøder?", ["E"]),
    ("temadagene i marts", ["A"]),
    ("Kurser om sociale medier", []),  # the only one is cancelled
    ("temadag om sociale medier", ["A"]),  # the February one is over
]
ENGLISH: list[tuple[str, list[str]]] = [
    ("what's on next week?", ["J", "C"]),
    ("when is the next theme day?", ["A"]),
    ("any courses on radicalisation?", ["C"]),
    ("theme days in April", ["B"]),
    ("where is the theme day on the 12th?", ["A"]),
    ("is there a talk on Thursday?", ["D"]),
    ("events about social media in March", ["J", "A"]),
    ("network meetings in May", ["F"]),
    ("what is happening tomorrow?", ["D"]),
    ("courses about difficult conversations", ["G"]),
    ("dialogue meetings on intercultural dialogue", ["E"]),
    ("theme day on May 12th", ["K"]),
    ("talks about conspiracy theories", ["J"]),
    ("next course", ["C"]),
    ("any training on far right extremism?", ["B"]),
    ("theme days in January", []),
    ("further education in April", ["G"]),
    ("what's on in week 10?", ["A"]),
]
QUESTIONS = DANISH + ENGLISH


def test_the_table_is_big_enough() -> None:
    assert len(QUESTIONS) >= 40
    assert len(DANISH) >= 20
    assert len(ENGLISH) >= 15


@pytest.mark.parametrize(("question", "expected"), QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_the_question_finds_the_right_upcoming_events(question: str, expected: list[str]) -> None:
    understood = understand(question, TODAY)
    found = matching(CATALOGUE, understood, NOW)

    assert understood.strength is Strength.STRONG
    assert [event.key for event in found] == expected


def test_past_running_and_cancelled_events_are_never_offered() -> None:
    everything = understand("arrangementer", TODAY)
    keys = [event.key for event in matching(CATALOGUE, everything, NOW)]

    assert "H" not in keys  # over
    assert "L" not in keys  # started an hour ago
    assert "I" not in keys  # cancelled
    assert keys[0] == "D"  # soonest first


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("hvornår er næste temadag?", Intent.NEXT),
        ("when is the next theme day?", Intent.NEXT),
        ("hvor foregår temadagen den 12.?", Intent.WHERE),
        ("where is the theme day on the 12th?", Intent.WHERE),
        ("temadage i april", Intent.LIST),
        ("hvad sker der i næste uge?", Intent.LIST),  # "næste uge" is a period, not "next"
    ],
)
def test_the_kind_of_answer_wanted(question: str, intent: Intent) -> None:
    assert understand(question, TODAY).intent is intent


@pytest.mark.parametrize(
    ("question", "faq"),
    [
        ("hvad er VINK?", ("vink",)),
        ("Hvad laver SSP-sekretariatet?", ("ssp",)),
        ("hvad mener I med ekstremisme?", ("extremism",)),
        ("Hvad betyder radikalisering?", ("radicalisation",)),
        ("what do you mean by radicalisation?", ("radicalisation",)),
        ("what is extremism and radicalisation", ("extremism", "radicalisation")),
        ("hvordan får jeg rådgivning?", ("advice",)),
        ("how can I get advice?", ("advice",)),
        ("I want to talk to someone", ("advice",)),
        ("who is VINK", ("vink",)),
    ],
)
def test_standing_questions(question: str, faq: tuple[str, ...]) -> None:
    understood = understand(question, TODAY)

    assert understood.faq == faq
    assert understood.strength is Strength.STRONG


@pytest.mark.parametrize(
    ("text", "strength"),
    [
        ("blå bananer", Strength.NONE),
        ("Kan du bestille frokost til mødet?", Strength.NONE),
        ("Ahmed fra 7.b sagde noget om våben", Strength.NONE),
        ("jeg er bekymret for en elev", Strength.NONE),
        ("of course", Strength.NONE),
        ("ja", Strength.NONE),
        ("radikalisering", Strength.WEAK),  # a topic alone: answered after the commands
        ("i morgen", Strength.WEAK),
        ("kurser om bekymringshenvendelser", Strength.STRONG),
    ],
)
def test_how_sure_the_reading_is(text: str, strength: Strength) -> None:
    assert understand(text, TODAY).strength is strength


# --- whatever people type ---------------------------------------------------------------------


WORDS = st.sampled_from(
    [
        "temadag",
        "kurser",
        "oplæg",
        "næste",
        "i",
        "marts",
        "den",
        "12.",
        "på",
        "torsdag",
        "next",
        "week",
        "om",
        "sociale",
        "medier",
        "what's",
        "on",
        "hvor",
        "foregår",
        "radikalisering",
        "12/3",
        "uge",
        "9",
        "in",
        "may",
        "tomorrow",
        "the",
        "30th",
        "of",
        "februar",
        "kl.",
        "10.30",
        "ekstremisme",
        "hvad",
        "er",
        "VINK",
        "?",
        "!",
        "🙂",
        "æøå",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS | st.text(max_size=12), max_size=12).map(" ".join))
def test_any_text_is_read_without_error_and_never_offers_the_past(text: str) -> None:
    understood = understand(text, TODAY)
    if understood.period is not None:
        assert understood.period.start >= TODAY
        assert understood.period.start <= understood.period.end
    for event in matching(CATALOGUE, understood, NOW):
        assert event.status == "scheduled" and event.starts_at > NOW
