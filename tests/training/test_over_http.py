"""The training side through the real app over HTTP: sign-up from a card with the calendar
link served by the bot, downloads refused when forged, expired or not the organiser's, notices
and reminders sent 1:1, and announcements paced against a fake connector that enforces Teams'
rate limits with 429s, resumable after a restart without sending anyone the same twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from icalendar import Calendar

from bench.fake_connector import TEAMS_PER_CONVERSATION, FakeConnector, RateLimits, Window
from bot.app import WORKERS
from bot.http import SECURITY_HEADERS
from bot.training_files import FILES
from bot.training_setup import TRAINING, TRAINING_DELIVERY
from dialogs.i18n import default_catalogue
from storage.training import Participant
from tests.bot.conftest import RunningBot, StartBot
from tests.support import activities as a
from tests.support.transcript import Clock
from tests.training.catalogue import CATALOGUE, event_data

TEXT = default_catalogue().text
THEME_DAY = next(event for event in CATALOGUE if event.key == "A")  # 12 March 2027
BEFORE = datetime(2027, 2, 24, 9, 0, tzinfo=UTC)


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    return dict(activity["attachments"][0]["content"])


def actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = list(card.get("actions", []))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "ActionSet":
                found.extend(node["actions"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card.get("body", []))
    return found


def local_url(bot: RunningBot, url: str) -> str:
    """Links carry PUBLIC_BASE_URL; fetch them from the test's instance."""
    parts = urlsplit(url)
    return f"{bot.url}{parts.path}"


async def fetch(bot: RunningBot, url: str) -> tuple[int, bytes, dict[str, str]]:
    async with bot.session.get(local_url(bot, url)) as response:
        return response.status, await response.read(), dict(response.headers)


async def test_sign_up_from_the_card_and_download_the_calendar_file(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    clock = Clock(BEFORE)
    bot = await start_bot(clock=clock, workers_enabled=False, public_base_url="https://bot.test")
    event = await bot.app[TRAINING].create_event(event_data(THEME_DAY), now=BEFORE)

    await bot.post(a.message("hvornår er næste temadag?", service_url=connector.url))
    [answer] = await connector.wait_for_sent(1)
    signup = next(x for x in actions_of(card_of(answer)) if x.get("data", {}).get("training"))
    await bot.post(a.submit(signup["data"], service_url=connector.url))
    _, confirmation = await connector.wait_for_sent(2)

    card = card_of(confirmation)
    assert card["fallbackText"].startswith(
        TEXT("da", "training.signup.confirmed", title=THEME_DAY.title)
    )
    link = next(x for x in actions_of(card) if x["type"] == "Action.OpenUrl")["url"]
    assert link.startswith("https://bot.test/files/")
    status, body, headers = await fetch(bot, link)
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Content-Disposition"] == f'attachment; filename="event-{event.id}.ics"'
    assert headers["X-Content-Type-Options"] == SECURITY_HEADERS["X-Content-Type-Options"]
    calendar = Calendar.from_ical(body)
    [entry] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "PUBLISH"
    assert str(entry["SUMMARY"]) == THEME_DAY.title
    assert entry.decoded("DTSTART").astimezone(UTC) == THEME_DAY.starts_at

    # Cancelling the sign-up: the same link now removes the entry from the calendar.
    await bot.app[TRAINING].cancel_signup(event.id, "aad-user-1", now=BEFORE)
    status, body, _ = await fetch(bot, link)
    removed = Calendar.from_ical(body)
    assert removed["METHOD"] == "CANCEL"
    assert str(removed.walk("VEVENT")[0]["UID"]) == str(entry["UID"])


async def test_forged_expired_and_unauthorised_downloads_are_refused(
    start_bot: StartBot,
) -> None:
    clock = Clock(BEFORE)
    bot = await start_bot(clock=clock, workers_enabled=False, admin_aad_object_ids="AAD-Boss")
    training = bot.app[TRAINING]
    event = await training.create_event(event_data(THEME_DAY), now=BEFORE)
    await training.sign_up(event.id, Participant("aad-1", '=HYPERLINK("x")', "da"), now=BEFORE)
    await training.sign_up(event.id, Participant("aad-2", "Åse Ærø", "da"), now=BEFORE)
    links = bot.app[FILES].links

    csv_link = links.participants_csv(event.id, "aad-boss")
    status, body, headers = await fetch(bot, csv_link)
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    text = body.decode("utf-8")
    assert text.startswith("\ufeffNr.;Navn;Status;Tilmeldt;Mødt op\r\n")
    assert '1;"\'=HYPERLINK(""x"")";Tilmeldt;2027-02-24 10:00;' in text  # no formula
    assert "2;Åse Ærø;Tilmeldt" in text

    forged = csv_link[:-3] + ("abc" if not csv_link.endswith("abc") else "xyz")
    assert (await fetch(bot, forged))[0] == 404
    someone_else = links.participants_csv(event.id, "aad-1")
    assert (await fetch(bot, someone_else))[0] == 404  # not an organiser
    clock.advance(minutes=16)
    assert (await fetch(bot, csv_link))[0] == 404  # expired
    assert (await fetch(bot, "https://bot.test/files/nonsense"))[0] == 404


async def remember_subscribers(
    bot: RunningBot, connector: FakeConnector, count: int, *, first: int = 1
) -> None:
    """Each subscriber says "abonnér på kurser" in their 1:1 chat, as they would."""
    before = len(connector.sent)
    for number in range(first, first + count):
        await bot.post(
            a.message(
                "abonnér på kurser",
                service_url=connector.url,
                sender=a.user(number),
                conversation=a.personal(number),
            )
        )
    await connector.wait_for_sent(before + count, seconds=30)


def announcements(connector: FakeConnector, start: int) -> Counter[str]:
    """How many announcement cards each conversation got after call number `start`."""
    got: Counter[str] = Counter()
    for call in connector.calls[start:]:
        body = call.body or {}
        attachments = body.get("attachments") or []
        if attachments and "training.announcement" not in str(body):
            text = attachments[0]["content"].get("fallbackText", "")
            if text.startswith(TEXT("da", "training.announcement.lead", kind="temadag")):
                got[str(call.conversation_id)] += 1
    return got


async def wait_until(predicate: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def final_reports(connector: FakeConnector, conversation: str) -> list[str]:
    done = TEXT("da", "training.announce.finished", title=THEME_DAY.title, sent=0, blocked=0,
                failed=0).split(":")[0]  # fmt: skip
    return [
        str(body.get("text"))
        for call in connector.calls
        if call.conversation_id == conversation
        and (body := call.body or {}).get("text")
        and str(body.get("text")).startswith(done)
    ]


async def announce(bot: RunningBot, *, organiser_conversation: str) -> int:
    event = await bot.app[TRAINING].create_event(
        event_data(THEME_DAY), now=datetime.now(UTC) - timedelta(days=1)
    )
    announcement, created = await bot.app[TRAINING_DELIVERY].announce(
        event.id,
        requested_by="aad-boss",
        report_conversation_id=organiser_conversation,
        language="da",
        now=datetime.now(UTC),
    )
    assert created
    bot.app[WORKERS].wake()
    return announcement.total


async def test_announcements_stay_within_teams_limits(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    subscribers = 24
    bot = await start_bot(announce_rate_per_second=8.0, send_max_backoff_seconds=2.0)
    await remember_subscribers(bot, connector, subscribers)
    # Organiser's chat is user 99's.
    await bot.post(a.message("hjælp", service_url=connector.url, sender=a.user(99),
                             conversation=a.personal(99)))  # fmt: skip
    await connector.wait_for_sent(subscribers + 1)
    arrivals: list[float] = []
    connector.listeners.append(lambda call, at: arrivals.append(at))
    connector.rate_limits = RateLimits(per_conversation=TEAMS_PER_CONVERSATION,
                                       per_app=(Window(10, 1.0),))  # fmt: skip
    start = len(connector.calls)

    total = await announce(bot, organiser_conversation="a:personal-99")
    await wait_until(lambda: final_reports(connector, "a:personal-99"), seconds=20)

    assert total == subscribers
    got = announcements(connector, start)
    assert len(got) == subscribers and set(got.values()) == {1}
    assert connector.statuses[429] == 0  # the pacer kept under the limit
    [report] = final_reports(connector, "a:personal-99")
    assert report == TEXT("da", "training.announce.finished", title=THEME_DAY.title,
                          sent=subscribers, blocked=0, failed=0)  # fmt: skip
    assert max(sum(1 for t in arrivals if s <= t < s + 1.0) for s in arrivals) <= 10


async def test_throttled_sends_are_retried_and_blocked_users_counted(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    subscribers = 16
    # Far too fast for the tenant limit of 5 a second: Teams answers 429 with Retry-After.
    bot = await start_bot(announce_rate_per_second=50.0, send_max_backoff_seconds=2.0,
                          send_max_attempts=6)  # fmt: skip
    await remember_subscribers(bot, connector, subscribers)
    await bot.app[TRAINING].subscribe("aad-never-installed", language="da",
                                      now=datetime.now(UTC))  # fmt: skip
    connector.refused.update({"a:personal-3": "ConversationBlockedByUser",
                              "a:personal-4": "BotNotInConversationRoster"})  # fmt: skip
    connector.rate_limits = RateLimits(per_app=(Window(5, 1.0),))
    start = len(connector.calls)

    total = await announce(bot, organiser_conversation="a:personal-1")
    await wait_until(lambda: final_reports(connector, "a:personal-1"), seconds=30)

    assert total == subscribers + 1
    assert connector.statuses[429] > 0
    got = announcements(connector, start)
    assert set(got.values()) == {1}  # nobody twice, in spite of the retries
    assert len(got) == subscribers - 2
    [report] = final_reports(connector, "a:personal-1")
    assert report == TEXT("da", "training.announce.finished", title=THEME_DAY.title,
                          sent=subscribers - 2, blocked=3, failed=0)  # fmt: skip


async def test_an_announcement_resumes_after_a_restart_without_sending_twice(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    subscribers = 30
    first = await start_bot(announce_rate_per_second=10.0)
    await remember_subscribers(first, connector, subscribers)
    start = len(connector.calls)
    await announce(first, organiser_conversation="a:personal-1")
    await wait_until(lambda: sum(announcements(connector, start).values()) >= 5, seconds=10)

    await first.stop()  # mid-announcement: the workers are cancelled
    sent_before = sum(announcements(connector, start).values())
    assert sent_before < subscribers

    await start_bot(announce_rate_per_second=10.0)  # same database
    await wait_until(lambda: final_reports(connector, "a:personal-1"), seconds=20)

    got = announcements(connector, start)
    assert set(got.values()) == {1}
    [report] = final_reports(connector, "a:personal-1")
    # A stop lets a send in flight finish and records it: everyone got it exactly once.
    assert len(got) == subscribers
    assert report == TEXT("da", "training.announce.finished", title=THEME_DAY.title,
                          sent=subscribers, blocked=0, failed=0)  # fmt: skip


async def test_promotion_changes_cancellation_and_reminders_are_sent_one_to_one(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    clock = Clock(BEFORE)
    bot = await start_bot(clock=clock, workers_enabled=False)
    for number in (1, 2, 3):  # each has a 1:1 chat with the bot
        await bot.post(a.message("hjælp", service_url=connector.url, sender=a.user(number),
                                 conversation=a.personal(number)))  # fmt: skip
    await connector.wait_for_sent(3)
    training, workers = bot.app[TRAINING], bot.app[WORKERS]
    event = await training.create_event(event_data(THEME_DAY, capacity=1), now=BEFORE)
    for number in (1, 2, 3):
        await training.sign_up(event.id, Participant(f"aad-user-{number}", None, "da"), now=BEFORE)

    def texts_to(conversation: str, after: int) -> list[str]:
        return [
            card_of(body)["fallbackText"].splitlines()[0]
            for call in connector.calls[after:]
            if call.conversation_id == conversation and (body := call.body or {}).get("attachments")
        ]

    mark = len(connector.calls)
    await training.cancel_signup(event.id, "aad-user-1", now=BEFORE)
    assert await workers.run_once("training_notices") == 1
    assert texts_to("a:personal-2", mark) == [
        TEXT("da", "training.notice.promoted", title=THEME_DAY.title)
    ]

    # The day before at 10:00: the reminder goes to the one confirmed participant only, once.
    mark = len(connector.calls)
    clock.now = datetime(2027, 3, 11, 9, 0, tzinfo=UTC)
    assert await workers.run_once("training_reminders") == 1
    assert await workers.run_once("training_notices") == 1
    clock.advance(hours=1)
    assert await workers.run_once("training_reminders") == 0
    assert await workers.run_once("training_notices") == 0
    assert texts_to("a:personal-2", mark) == [
        TEXT("da", "training.notice.reminder", title=THEME_DAY.title)
    ]
    assert texts_to("a:personal-3", mark) == []  # the waitlist gets no reminder

    # Moved: everyone signed up is told; then cancelled: everyone is told.
    from dataclasses import replace

    mark = len(connector.calls)
    moved = replace(event_data(THEME_DAY, capacity=1), place="Valby Kulturhus")
    await training.update_event(event.id, moved, now=clock())
    await training.cancel_event(event.id, now=clock())
    assert await workers.run_once("training_notices") == 4
    changed = TEXT("da", "training.notice.changed", title=THEME_DAY.title)
    update = TEXT("da", "training.notice.update_calendar")
    cancelled = TEXT("da", "training.notice.cancelled", title=THEME_DAY.title)
    remove = TEXT("da", "training.notice.remove_calendar")
    # The change notices were written before the cancellation, so they are skipped at sending:
    # nobody is told about a new place for an event that no longer happens.
    assert texts_to("a:personal-2", mark) == [f"{cancelled} {remove}"]
    assert texts_to("a:personal-3", mark) == [cancelled]
    assert changed and update  # (used when the event still happens: see below)

    second_data = event_data(THEME_DAY, capacity=5, key_prefix="second-")
    second = await training.create_event(second_data, now=clock())
    await training.sign_up(second.id, Participant("aad-user-3", None, "da"), now=clock())
    mark = len(connector.calls)
    await training.update_event(second.id, replace(second_data, place="Rådhuset, sal 2"),
                                now=clock())  # fmt: skip
    assert await workers.run_once("training_notices") == 1
    assert texts_to("a:personal-3", mark) == [f"{changed} {update}"]
