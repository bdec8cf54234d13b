"""The calendar file, parsed back with a real iCalendar library: a stable UID, the right
local times across summer time, updates replace, cancellations remove."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from domain.training.ical import CalendarEntry, calendar_file, uid_of

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def entry(**changes: object) -> CalendarEntry:
    values: dict[str, object] = {
        "event_id": 7,
        "title": "Temadag: Sociale medier",
        "description": "Om algoritmer og rekruttering.",
        "starts_at": datetime(2027, 3, 29, 7, 0, tzinfo=UTC),  # 09:00 summer time
        "ends_at": datetime(2027, 3, 29, 13, 30, tzinfo=UTC),
        "place": "Københavns Rådhus",
        "online_url": "",
        "version": 0,
        "organiser": "VINK",
    }
    values.update(changes)
    return CalendarEntry(**values)  # type: ignore[arg-type]


def parse(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_file_parses_back_with_the_event() -> None:
    calendar, event = parse(
        calendar_file(entry(), cancelled=False, uid_domain="vink.test", now=NOW)
    )

    assert calendar["METHOD"] == "PUBLISH"
    assert str(event["UID"]) == uid_of(7, "vink.test")
    assert str(event["SUMMARY"]) == "Temadag: Sociale medier"
    assert str(event["LOCATION"]) == "Københavns Rådhus"
    start = event.decoded("DTSTART")  # type: ignore[attr-defined]
    assert start == datetime(2027, 3, 29, 9, 0, tzinfo=COPENHAGEN)
    assert start.utcoffset().total_seconds() == 7200
    assert event.decoded("DTEND").astimezone(UTC) == datetime(2027, 3, 29, 13, 30, tzinfo=UTC)  # type: ignore[attr-defined]
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Copenhagen"


def test_winter_time_events_are_one_hour_ahead() -> None:
    _, event = parse(
        calendar_file(
            entry(starts_at=datetime(2027, 3, 12, 8, 0, tzinfo=UTC)),
            cancelled=False,
            uid_domain="vink.test",
            now=NOW,
        )
    )
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 3600  # type: ignore[attr-defined]


def test_an_update_keeps_the_uid_and_raises_the_sequence() -> None:
    first = parse(calendar_file(entry(), cancelled=False, uid_domain="vink.test", now=NOW))[1]
    moved = entry(
        version=1,
        place="Valby Kulturhus",
        starts_at=datetime(2027, 3, 30, 7, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 30, 13, 0, tzinfo=UTC),
    )
    second = parse(calendar_file(moved, cancelled=False, uid_domain="vink.test", now=NOW))[1]

    assert str(second["UID"]) == str(first["UID"])  # type: ignore[index]
    assert second["SEQUENCE"] == 1  # type: ignore[index]
    assert str(second["LOCATION"]) == "Valby Kulturhus"  # type: ignore[index]


def test_a_cancellation_removes_the_entry() -> None:
    calendar, event = parse(
        calendar_file(entry(version=2), cancelled=True, uid_domain="vink.test", now=NOW,
                      organiser_email="vink@example.org")
    )  # fmt: skip

    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 2
    assert str(event["ORGANIZER"]) == "mailto:vink@example.org"
    assert event["ORGANIZER"].params["CN"] == "VINK"


def test_an_online_event_carries_its_link() -> None:
    link = "https://teams.microsoft.com/l/meetup-join/x"
    _, event = parse(
        calendar_file(entry(place="", online_url=link), cancelled=False, uid_domain="v", now=NOW)
    )
    assert str(event["LOCATION"]) == link
    assert str(event["URL"]) == link
    assert link in str(event["DESCRIPTION"])
