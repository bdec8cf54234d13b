"""Deadlines with a controllable clock (weekends, Danish public holidays, each reminder once),
and the consultants' 1:1 views: "min kø" and "sag BEK-…"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.consultant.conftest import (
    ADMIN,
    AHMAD,
    EMPLOYEE,
    FATIMA,
    JONAS,
    OUTSIDER,
    SOFIE,
    TEXT,
    VINK_CHANNEL,
    VINK_TEAM,
    Desk,
    card_of,
    execute_data,
    texts,
)

CPH = ZoneInfo("Europe/Copenhagen")


def at(desk: Desk, *args: int) -> None:
    """Set the clock to a Copenhagen wall-clock time (the app's clock runs in UTC)."""
    desk.clock.now = datetime(*args, tzinfo=CPH).astimezone(UTC)  # type: ignore[misc]


async def thread_texts(desk: Desk, referral_id: int) -> list[str]:
    post = await desk.side.outbox.active_post(referral_id)
    assert post is not None
    return [texts(card_of(m)) for m in desk.to_conversation(post.conversation_id)]


def reminder(reference: str) -> str:
    return TEXT("da", "consultant.note.reminder", reference=reference, days=1)


# --- reminders --------------------------------------------------------------------------------


async def test_reminder_after_one_working_day_across_a_weekend_each_once(desk: Desk) -> None:
    at(desk, 2026, 11, 27, 14, 30)  # Friday afternoon
    filed = await desk.file()
    await desk.deliver()

    for moment in ((2026, 11, 28, 12, 0), (2026, 11, 29, 20, 0), (2026, 11, 30, 14, 29)):
        at(desk, *moment)  # Saturday, Sunday, Monday a minute early
        assert await desk.remind() == 0
    at(desk, 2026, 11, 30, 14, 30)  # one working day later: Monday 14:30
    assert await desk.remind() == 1
    assert await desk.remind() == 0  # once
    await desk.deliver()
    assert [reminder(filed.reference) in t for t in await thread_texts(desk, filed.id)] == [True]

    at(desk, 2026, 12, 2, 14, 29)
    assert await desk.remind() == 0
    at(desk, 2026, 12, 2, 14, 30)  # three working days: Wednesday 14:30, to the lead
    assert await desk.remind() == 1
    await desk.deliver()
    at(desk, 2026, 12, 9, 9, 0)
    assert await desk.remind() == 0  # nothing is said twice
    await desk.deliver()
    assert len(await thread_texts(desk, filed.id)) == 1


async def test_public_holidays_do_not_count(desk: Desk) -> None:
    # Wednesday before Easter 2027: Maundy Thursday, Good Friday, the weekend and Easter Monday
    # are not working days, so one working day later is Tuesday.
    at(desk, 2027, 3, 24, 15, 0)
    await desk.file()
    at(desk, 2027, 3, 29, 23, 59)
    assert await desk.remind() == 0
    at(desk, 2027, 3, 30, 15, 0)
    assert await desk.remind() == 1


async def test_a_claimed_referral_gets_no_reminder(desk: Desk) -> None:
    at(desk, 2026, 11, 27, 14, 30)
    filed = await desk.file()
    await desk.deliver()
    data = execute_data(card_of(desk.new_threads()[-1]), "referral.claim")
    await desk.click("referral.claim", data, sender=AHMAD)
    at(desk, 2026, 12, 7, 9, 0)
    assert await desk.remind() == 0
    assert filed


async def test_escalation_reaches_the_unit_lead_one_to_one(desk: Desk) -> None:
    at(desk, 2026, 11, 24, 10, 0)
    filed = await desk.file(unit="ssp", rule_id="crime_preventive")
    await desk.deliver()
    at(desk, 2026, 11, 27, 10, 0)  # three working days
    assert await desk.remind() == 2  # the reminder and the escalation, both due
    await desk.deliver()

    # Fatima (listed by e-mail, found in the SSP roster) never wrote to the bot: a new 1:1
    # conversation is started with her Teams id.
    [created] = [
        call
        for call in desk.connector.calls
        if call.path == "/v3/conversations"
        and call.body
        and call.body.get("members") == [{"id": FATIMA["id"]}]
    ]
    assert created.body is not None and created.body["isGroup"] is False
    expected = TEXT(
        "da",
        "consultant.escalation",
        reference=filed.reference,
        unit="SSP-sekretariatet",
        days=3,
    )
    sent = [
        call.body
        for call in desk.connector.calls
        if call.method == "POST" and call.body and call.body.get("text") == expected
    ]
    assert len(sent) == 1


async def test_escalation_uses_the_leads_own_chat_when_there_is_one(desk: Desk) -> None:
    await desk.personal("leder tilføj vink aad-sofie", sender=ADMIN)
    await desk.personal("hjælp", sender=SOFIE)
    at(desk, 2026, 11, 24, 10, 0)
    filed = await desk.file()
    await desk.deliver()
    at(desk, 2026, 11, 27, 10, 0)
    await desk.remind()
    await desk.deliver()
    texts_to_sofie = [m.get("text") for m in desk.to_conversation(f"a:{SOFIE['id']}")]
    assert (
        TEXT("da", "consultant.escalation", reference=filed.reference, unit="VINK", days=3)
        in texts_to_sofie
    )


async def test_a_transfer_starts_the_clock_again_in_the_new_unit(desk: Desk) -> None:
    at(desk, 2026, 11, 24, 10, 0)
    filed = await desk.file()
    await desk.deliver()
    at(desk, 2026, 11, 25, 9, 0)
    data = execute_data(card_of(desk.new_threads()[-1]), "referral.details")
    await desk.click(
        "referral.transfer", {**data, "transfer_reason": "Trussel", "to_unit": "ssp"}, sender=AHMAD
    )
    at(desk, 2026, 11, 25, 12, 0)  # VINK's day would be over; SSP got it at 09:00
    assert await desk.remind() == 0
    at(desk, 2026, 11, 26, 9, 0)
    assert await desk.remind() == 1
    case = await desk.side.casework.get(filed.id)
    assert case is not None and case.unit == "ssp" and case.reminded_at is not None


# --- the queue and the case view -----------------------------------------------------------


async def test_my_queue_lists_my_units_open_referrals_oldest_first(desk: Desk) -> None:
    at(desk, 2026, 11, 23, 9, 0)
    older = await desk.file()
    at(desk, 2026, 11, 24, 9, 0)
    await desk.file(unit="ssp", rule_id="crime_preventive")
    newer = await desk.file()
    at(desk, 2026, 11, 25, 9, 0)

    [answer] = await desk.personal("min kø", sender=AHMAD)
    queue = card_of(answer)
    shown = texts(queue)
    assert shown.index(older.reference) < shown.index(newer.reference)
    assert "BEK-2026-0002" not in shown  # SSP's
    assert TEXT("da", "consultant.queue.title", count=2) in shown
    assert TEXT("da", "consultant.card.waiting_days", days="2,0") in shown
    # A row opens the case.
    [opened] = await desk.personal(
        None, sender=AHMAD, value=queue["body"][1]["selectAction"]["data"]
    )
    assert older.reference in texts(card_of(opened))


async def test_the_queue_is_refused_to_non_consultants_and_only_shown_1to1(desk: Desk) -> None:
    [answer] = await desk.personal("min kø", sender=OUTSIDER)
    assert answer["text"] == TEXT("da", "consultant.views.not_consultant")
    [entry] = await desk.side.audit.recent(actor=OUTSIDER["aadObjectId"])
    assert (entry.action, entry.outcome) == ("queue", "refused")

    before = len(desk.connector.sent)
    await desk.channel_says("min kø", sender=AHMAD, team=VINK_TEAM, channel=VINK_CHANNEL)
    assert desk.connector.sent[before]["text"] == TEXT("da", "consultant.views.personal_only")


async def test_the_case_view_shows_content_and_history_and_is_audited(desk: Desk) -> None:
    at(desk, 2026, 11, 24, 9, 0)
    filed = await desk.file()
    await desk.deliver()
    data = execute_data(card_of(desk.new_threads()[-1]), "referral.claim")
    await desk.click("referral.claim", data, sender=SOFIE)

    [answer] = await desk.personal(f"sag {filed.reference}", sender=AHMAD)
    shown = texts(card_of(answer))
    assert filed.reference in shown and "Eleven viser videoer" in shown
    assert TEXT("da", "consultant.card.history") in shown
    for event in ("filed", "claimed"):
        assert TEXT("da", f"consultant.event.{event}") + " (VINK)" in shown
    assert TEXT("da", "consultant.card.status.claimed", name="Sofie Nørgaard") in shown

    [refused] = await desk.personal(f"sag {filed.reference}", sender=JONAS)
    assert refused["text"] == TEXT("da", "consultant.views.case_refused")
    entries = [(e.actor, e.action, e.outcome) for e in await desk.side.audit.for_referral(filed.id)]
    assert ("aad-ahmad", "view", "allowed") in entries
    assert ("aad-jonas", "view", "refused") in entries


async def test_an_employee_typing_sag_is_not_taken_for_a_consultant(desk: Desk) -> None:
    [*_, reply] = await desk.personal("sagen er at jeg er bekymret", sender=EMPLOYEE)
    assert TEXT("da", "consultant.views.case_refused") not in str(reply)
