"""Sign-ups on SQLite and PostgreSQL: seats, the waitlist in arrival order, promotion on
cancellation (told by a notice), the deadline, cancelled and started events, asking twice."""

from __future__ import annotations

from datetime import timedelta

from domain.training.signups import Verdict
from storage.training import Participant, Training
from storage.training_delivery import TrainingDelivery
from tests.training.catalogue import CATALOGUE, NOW, event_data

THEME_DAY = next(event for event in CATALOGUE if event.key == "A")  # 12 March


def person(number: int) -> Participant:
    return Participant(f"aad-{number}", f"Deltager {number}", "da")


async def make_event(training: Training, *, capacity: int = 2, **changes: object) -> int:
    data = event_data(THEME_DAY, capacity=capacity)
    if changes:
        from dataclasses import replace

        data = replace(data, **changes)  # type: ignore[arg-type]
    return (await training.create_event(data, now=NOW)).id


async def test_confirmed_while_seats_last_then_the_waitlist(training: Training) -> None:
    event_id = await make_event(training, capacity=2)

    outcomes = [await training.sign_up(event_id, person(n), now=NOW) for n in range(1, 5)]

    assert [o.verdict for o in outcomes] == [
        Verdict.CONFIRMED,
        Verdict.CONFIRMED,
        Verdict.WAITLISTED,
        Verdict.WAITLISTED,
    ]
    assert [o.position for o in outcomes] == [None, None, 1, 2]
    last = outcomes[-1].event
    assert last is not None
    assert (last.confirmed, last.waitlisted, last.seats_left) == (2, 2, 0)


async def test_signing_up_twice_does_nothing_twice(training: Training) -> None:
    event_id = await make_event(training, capacity=1)
    await training.sign_up(event_id, person(1), now=NOW)
    await training.sign_up(event_id, person(2), now=NOW)

    again = await training.sign_up(event_id, person(1), now=NOW)
    waiting_again = await training.sign_up(event_id, person(2), now=NOW)

    assert again.verdict is Verdict.ALREADY_CONFIRMED
    assert waiting_again.verdict is Verdict.ALREADY_WAITLISTED
    assert waiting_again.position == 1
    assert waiting_again.event is not None
    assert (waiting_again.event.confirmed, waiting_again.event.waitlisted) == (1, 1)


async def test_cancelling_promotes_the_first_on_the_waitlist_who_is_told(
    training: Training, delivery: TrainingDelivery
) -> None:
    event_id = await make_event(training, capacity=2)
    for n in range(1, 6):
        await training.sign_up(event_id, person(n), now=NOW)

    cancelled = await training.cancel_signup(event_id, "aad-1", now=NOW)
    waitlist_cancel = await training.cancel_signup(event_id, "aad-5", now=NOW)

    assert cancelled.cancelled and cancelled.previous == "confirmed"
    assert cancelled.promoted == ("aad-3",)
    assert waitlist_cancel.cancelled and waitlist_cancel.promoted == ()
    lines = await training.participants(event_id)
    assert [(line.participant_id, line.status, line.position) for line in lines] == [
        ("aad-2", "confirmed", 1),
        ("aad-3", "confirmed", 2),
        ("aad-4", "waitlisted", 1),
    ]
    assert lines[0].name == "Deltager 2"  # decrypted for the organiser
    assert await delivery.notice_statuses() == [("promoted", "aad-3", event_id, "pending")]
    assert await training.signup_status(event_id, "aad-4") == ("waitlisted", 1)


async def test_cancelling_what_one_does_not_have(training: Training) -> None:
    event_id = await make_event(training)
    outcome = await training.cancel_signup(event_id, "aad-nobody", now=NOW)
    assert not outcome.cancelled and outcome.event is not None
    missing = await training.cancel_signup(9999, "aad-1", now=NOW)
    assert missing.event is None


async def test_signing_up_again_after_cancelling_goes_to_the_back(training: Training) -> None:
    event_id = await make_event(training, capacity=1)
    await training.sign_up(event_id, person(1), now=NOW)
    await training.sign_up(event_id, person(2), now=NOW)
    await training.cancel_signup(event_id, "aad-2", now=NOW)
    await training.sign_up(event_id, person(3), now=NOW)

    back = await training.sign_up(event_id, person(2), now=NOW)

    assert back.verdict is Verdict.WAITLISTED
    assert back.position == 2


async def test_after_the_deadline_the_answer_says_so(training: Training) -> None:
    event_id = await make_event(training, signup_deadline=NOW + timedelta(days=1))

    late = await training.sign_up(event_id, person(1), now=NOW + timedelta(days=2))

    assert late.verdict is Verdict.DEADLINE_PASSED
    assert late.event is not None and late.event.confirmed == 0


async def test_a_seat_freed_after_the_deadline_still_goes_to_the_waitlist(
    training: Training,
) -> None:
    event_id = await make_event(training, capacity=1, signup_deadline=NOW + timedelta(days=1))
    await training.sign_up(event_id, person(1), now=NOW)
    await training.sign_up(event_id, person(2), now=NOW)

    outcome = await training.cancel_signup(event_id, "aad-1", now=NOW + timedelta(days=3))

    assert outcome.promoted == ("aad-2",)


async def test_a_cancelled_event_takes_no_sign_ups_and_tells_everyone(
    training: Training, delivery: TrainingDelivery
) -> None:
    event_id = await make_event(training, capacity=1)
    await training.sign_up(event_id, person(1), now=NOW)
    await training.sign_up(event_id, person(2), now=NOW)

    cancelled = await training.cancel_event(event_id, now=NOW)
    refused = await training.sign_up(event_id, person(3), now=NOW)
    nobody_moves_up = await training.cancel_signup(event_id, "aad-1", now=NOW)

    assert cancelled is not None and cancelled.cancelled and cancelled.version == 1
    assert refused.verdict is Verdict.EVENT_CANCELLED
    assert nobody_moves_up.promoted == ()
    assert await delivery.notice_statuses() == [
        ("cancelled", "aad-1", event_id, "pending"),
        ("cancelled", "aad-2", event_id, "pending"),
    ]


async def test_a_started_event_takes_no_sign_ups_or_cancellations(training: Training) -> None:
    event_id = await make_event(training)
    await training.sign_up(event_id, person(1), now=NOW)
    during = THEME_DAY.starts_at + timedelta(minutes=5)

    assert (await training.sign_up(event_id, person(2), now=during)).verdict is (
        Verdict.EVENT_STARTED
    )
    late_cancel = await training.cancel_signup(event_id, "aad-1", now=during)
    assert late_cancel.started and not late_cancel.cancelled


async def test_no_such_event(training: Training) -> None:
    assert (await training.sign_up(4242, person(1), now=NOW)).verdict is Verdict.NOT_FOUND


async def test_moving_an_event_tells_everyone_and_more_seats_move_the_waitlist(
    training: Training, delivery: TrainingDelivery
) -> None:
    from dataclasses import replace

    event_id = await make_event(training, capacity=1)
    for n in (1, 2, 3):
        await training.sign_up(event_id, person(n), now=NOW)
    data = event_data(THEME_DAY, capacity=2)

    bigger = await training.update_event(event_id, data, now=NOW)
    moved = await training.update_event(event_id, replace(data, place="Valby Kulturhus"), now=NOW)

    assert bigger is not None and not bigger.moved and bigger.promoted == ("aad-2",)
    assert moved is not None and moved.moved and moved.event.version == 1
    statuses = await delivery.notice_statuses()
    assert statuses[0] == ("promoted", "aad-2", event_id, "pending")
    assert sorted(statuses[1:]) == [
        ("changed", "aad-1", event_id, "pending"),
        ("changed", "aad-2", event_id, "pending"),
        ("changed", "aad-3", event_id, "pending"),
    ]


async def test_my_sign_ups_and_attendance(training: Training) -> None:
    first = await make_event(training, capacity=1)
    other = next(event for event in CATALOGUE if event.key == "C")
    second = (await training.create_event(event_data(other), now=NOW)).id
    await training.sign_up(first, person(9), now=NOW)
    await training.sign_up(first, person(1), now=NOW)
    await training.sign_up(second, person(1), now=NOW)

    mine = await training.signups_of("aad-1", now=NOW)

    assert [(m.event.id, m.status, m.position) for m in mine] == [
        (second, "confirmed", None),  # 2 March comes first
        (first, "waitlisted", 1),
    ]
    [line] = [line for line in await training.participants(first) if line.status == "confirmed"]
    assert await training.set_attendance(first, {line.signup_id}, now=NOW) == 1
    figures = {row.kind: row for row in await training.annual_figures(2027)}
    assert figures["theme_day"].participants == 1 and figures["theme_day"].attended == 1
    assert figures["further_education"].events == 1


async def test_subscriptions(training: Training) -> None:
    assert await training.subscribe("aad-1", language="da", now=NOW)
    assert not await training.subscribe("aad-1", language="en", now=NOW)
    assert await training.is_subscribed("aad-1")
    assert await training.subscriber_count() == 1
    assert await training.unsubscribe("aad-1")
    assert not await training.unsubscribe("aad-1")
