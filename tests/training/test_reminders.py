"""Day-before reminders with a controllable clock: confirmed participants only (never the
waitlist), once, at 10:00 Copenhagen time the day before, right across summer time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from storage.training import Participant, Training
from storage.training_delivery import TrainingDelivery
from tests.training.catalogue import CATALOGUE, NOW, event_data


async def test_reminders_go_to_confirmed_participants_once(
    training: Training, delivery: TrainingDelivery
) -> None:
    # Monday 29 March 2027 09:00 summer time (07:00 UTC), the day after the change.
    theme_day = next(event for event in CATALOGUE if event.key == "A")
    data = replace(
        event_data(theme_day, capacity=2),
        starts_at=datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 29, 13, 0, tzinfo=UTC),
        signup_deadline=datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
    )
    event_id = (await training.create_event(data, now=NOW)).id
    for n in (1, 2, 3):
        await training.sign_up(event_id, Participant(f"aad-{n}", None, "da"), now=NOW)
    due = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # Sunday 10:00 summer time

    assert await delivery.schedule_reminders(due - timedelta(minutes=1)) == 0
    assert await delivery.schedule_reminders(due) == 2
    assert await delivery.schedule_reminders(due + timedelta(hours=3)) == 0  # once

    statuses = await delivery.notice_statuses()
    assert statuses == [
        ("reminder", "aad-1", event_id, "pending"),
        ("reminder", "aad-2", event_id, "pending"),
    ]  # aad-3 is on the waitlist

    # aad-1 gives up the seat in the evening: aad-3 moves up and is told, and gets a reminder.
    evening = due + timedelta(hours=9)
    await training.cancel_signup(event_id, "aad-1", now=evening)
    assert await delivery.schedule_reminders(evening + timedelta(minutes=5)) == 1
    kinds = [(kind, who) for kind, who, _, _ in await delivery.notice_statuses()]
    assert kinds[2:] == [("promoted", "aad-3"), ("reminder", "aad-3")]

    # Nothing once the event has started.
    assert await delivery.schedule_reminders(data.starts_at + timedelta(minutes=1)) == 0


async def test_no_reminders_for_a_cancelled_event(
    training: Training, delivery: TrainingDelivery
) -> None:
    theme_day = next(event for event in CATALOGUE if event.key == "A")
    event_id = (await training.create_event(event_data(theme_day), now=NOW)).id
    await training.sign_up(event_id, Participant("aad-1", None, "da"), now=NOW)
    await training.cancel_event(event_id, now=NOW)

    day_before = theme_day.starts_at - timedelta(hours=20)
    assert await delivery.schedule_reminders(day_before) == 0
