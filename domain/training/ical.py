"""iCalendar files for Outlook: one event, with a UID that never changes.

Outlook matches a file to the entry it added before by UID; a higher SEQUENCE replaces it
(`METHOD:PUBLISH`), and `METHOD:CANCEL` with `STATUS:CANCELLED` removes it. So a changed
event's file updates the participant's calendar and a cancelled one's removes it. Times are
written in Europe/Copenhagen with its VTIMEZONE, so the entry stays right across the changes
to and from summer time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.training.events import COPENHAGEN

PRODUCT_ID = "-//Københavns Kommune//VINK og SSP Teams-bot//DA"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    event_id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_url: str
    version: int  # raised on every change participants are told about
    organiser: str = ""


def uid_of(event_id: int, domain: str) -> str:
    return f"training-event-{event_id}@{domain}"


def calendar_file(
    entry: CalendarEntry,
    *,
    cancelled: bool,
    uid_domain: str,
    now: datetime,
    organiser_email: str = "",
) -> bytes:
    # Imported here: the serving process builds a calendar file only when someone opens one
    # (~3 MiB and 90 modules it need not carry; docs/performance.md, fix 4).
    from icalendar import Calendar, Event, vCalAddress, vText

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid_of(entry.event_id, uid_domain))
    event.add("sequence", entry.version)
    event.add("dtstamp", now)
    event.add("summary", entry.title)
    event.add("dtstart", entry.starts_at.astimezone(COPENHAGEN))
    event.add("dtend", entry.ends_at.astimezone(COPENHAGEN))
    location = entry.place or entry.online_url
    if location:
        event.add("location", location)
    description = entry.description
    if entry.online_url:
        description = f"{description}\n\n{entry.online_url}".strip()
        event.add("url", entry.online_url)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if organiser_email:
        organiser = vCalAddress(f"mailto:{organiser_email}")
        if entry.organiser:
            organiser.params["cn"] = vText(entry.organiser)
        event.add("organizer", organiser)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
