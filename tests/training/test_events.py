"""Building an event from what organisers write: every problem reported, local Copenhagen
times converted to UTC correctly across the changes to and from summer time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from domain.training.events import EventKind, InvalidEvent, build_event, local_instant
from domain.training.questions import topic_of
from domain.training.signups import reminder_due

GOOD = {
    "kind": "temadag",
    "title": "Temadag om sociale medier",
    "start": "2027-03-12 09:00",
    "end": "15:30",
    "place": "Rådhuset",
    "capacity": 40,
    "topics": "sociale medier; rekruttering",
    "signup_deadline": "2027-03-05",
}


def problems(raw: dict[str, object], **kwargs: object) -> set[tuple[str, str]]:
    with pytest.raises(InvalidEvent) as caught:
        build_event(raw, topic_of=topic_of, **kwargs)  # type: ignore[arg-type]
    return {(p.field, p.code) for p in caught.value.problems}


def test_a_good_event() -> None:
    event = build_event(GOOD, topic_of=topic_of)

    assert event.kind is EventKind.THEME_DAY
    assert event.starts_at == datetime(2027, 3, 12, 8, 0, tzinfo=UTC)  # winter time, UTC+1
    assert event.ends_at == datetime(2027, 3, 12, 14, 30, tzinfo=UTC)
    assert event.signup_deadline == datetime(2027, 3, 5, 22, 59, tzinfo=UTC)  # end of that day
    assert event.topics == ("social_media", "recruitment")


def test_summer_time_is_two_hours_ahead_of_utc() -> None:
    event = build_event({**GOOD, "start": "2027-03-29 09:00", "signup_deadline": ""})
    assert event.starts_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert event.signup_deadline == event.starts_at  # no deadline: until it starts


def test_every_problem_is_reported_at_once() -> None:
    raw = {
        "kind": "fest",
        "title": "",
        "start": "12/13/2027 9",
        "end": "",
        "capacity": "mange",
        "topics": "sociale medier, strikning",
        "online_url": "http://insecure.example",
    }
    assert problems(raw) == {
        ("kind", "unknown_kind"),
        ("title", "required"),
        ("start", "bad_datetime"),
        ("end", "required"),
        ("capacity", "bad_number"),
        ("topics", "unknown_topic"),
        ("online_url", "bad_url"),
    }


def test_place_or_link_end_after_start_and_deadline_before_start() -> None:
    assert problems({**GOOD, "place": "", "end": "08:00", "signup_deadline": "2027-03-13"}) == {
        ("place", "place_or_link"),
        ("end", "end_before_start"),
        ("signup_deadline", "deadline_after_start"),
    }


def test_an_event_in_the_past_is_refused_when_now_is_given() -> None:
    now = datetime(2027, 3, 13, tzinfo=UTC)
    assert problems(GOOD, now=now) == {("start", "in_the_past")}


def test_a_time_that_does_not_exist_is_refused() -> None:
    # 28 March 2027: the clocks go from 02:00 to 03:00.
    with pytest.raises(ValueError):
        local_instant(date(2027, 3, 28), time(2, 30))
    raw = {**GOOD, "start": "2027-03-28 02:30", "end": "04:00", "signup_deadline": ""}
    assert problems(raw) == {("start", "nonexistent_time")}


def test_an_ambiguous_time_means_the_first_summer_time_one() -> None:
    # 31 October 2027: 02:00-03:00 happens twice; the first is still UTC+2.
    assert local_instant(date(2027, 10, 31), time(2, 30)) == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("starts_at", "due"),
    [
        # Friday 12 March 2027, winter time: Thursday 10:00 CET.
        (datetime(2027, 3, 12, 8, 0, tzinfo=UTC), datetime(2027, 3, 11, 9, 0, tzinfo=UTC)),
        # Monday 29 March 2027 (the day after summer time starts): Sunday 10:00 CEST.
        (datetime(2027, 3, 29, 7, 0, tzinfo=UTC), datetime(2027, 3, 28, 8, 0, tzinfo=UTC)),
        # Sunday 28 March, the change day itself: Saturday 10:00 CET.
        (datetime(2027, 3, 28, 8, 0, tzinfo=UTC), datetime(2027, 3, 27, 9, 0, tzinfo=UTC)),
        # Monday 1 November 2027 (the day after winter time returns): Sunday 10:00 CET.
        (datetime(2027, 11, 1, 8, 0, tzinfo=UTC), datetime(2027, 10, 31, 9, 0, tzinfo=UTC)),
    ],
)
def test_the_reminder_goes_out_at_ten_the_local_day_before(
    starts_at: datetime, due: datetime
) -> None:
    assert reminder_due(starts_at) == due


def test_kinds_are_understood_in_danish_and_as_codes() -> None:
    for name, kind in (
        ("oplæg", EventKind.TALK),
        ("Temadag", EventKind.THEME_DAY),
        ("efteruddannelse", EventKind.FURTHER_EDUCATION),
        ("dialogmøde", EventKind.DIALOGUE_MEETING),
        ("netværksmøde", EventKind.NETWORK_MEETING),
        ("network_meeting", EventKind.NETWORK_MEETING),
    ):
        assert build_event({**GOOD, "kind": name}).kind is kind
