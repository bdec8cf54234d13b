"""Unit channels and delivery through the real app: registration by an admin, a new referral as
a card in its unit's channel (public face only), waiting for a channel, retries, and a restart
in the middle of delivery without loss or duplicates."""

from __future__ import annotations

from datetime import timedelta

from bench.fake_connector import FakeConnector, Fault
from bot.app import SETTINGS, WORKERS
from bot.consultant_side import CONSULTANT_SIDE, DELIVERY_JOB
from tests.bot.conftest import StartBot
from tests.consultant.conftest import (
    ADMIN,
    AHMAD,
    EMPLOYEE,
    SOFIE,
    SSP_CHANNEL,
    TEXT,
    VINK_CHANNEL,
    VINK_TEAM,
    Desk,
    card_of,
    texts,
    verbs,
)
from tests.consultant.support import DESCRIPTION, NOW
from tests.support.transcript import Clock

# --- registration -------------------------------------------------------------------------------


async def test_an_admin_registers_a_units_channel_and_the_bot_confirms_there(desk: Desk) -> None:
    [confirmation, *_] = desk.in_channel(VINK_CHANNEL)
    assert confirmation["text"].startswith(TEXT("da", "consultant.register.done", unit="VINK"))
    stored = await desk.side.channels.get("vink")
    assert stored is not None
    assert (stored.team_id, stored.channel_id) == (VINK_TEAM, VINK_CHANNEL)


async def test_registering_is_for_admins_only_and_the_attempt_is_recorded(desk: Desk) -> None:
    before = len(desk.connector.sent)
    await desk.channel_says("registrer SSP", sender=AHMAD, team=VINK_TEAM, channel=VINK_CHANNEL)
    [answer] = desk.connector.sent[before:]
    assert answer["text"] == TEXT("da", "consultant.admin.refused")
    stored = await desk.side.channels.get("ssp")
    assert stored is not None and stored.channel_id == SSP_CHANNEL  # unchanged
    [entry] = await desk.side.audit.recent(actor="aad-ahmad")
    assert (entry.action, entry.outcome, entry.detail) == ("register", "refused", "not_admin")


async def test_an_unknown_unit_name_gets_a_clear_answer(desk: Desk) -> None:
    text = await desk.register("Ungdomsskolen", VINK_TEAM, VINK_CHANNEL)
    assert text == TEXT(
        "da",
        "consultant.register.unknown_unit",
        name="Ungdomsskolen",
        units="VINK, SSP-sekretariatet",
    )


async def test_registering_in_a_personal_chat_explains_where_to_do_it(desk: Desk) -> None:
    [answer] = await desk.personal("registrer VINK", sender=ADMIN)
    assert answer["text"] == TEXT("da", "consultant.register.channel_only")


async def test_re_registering_moves_the_unit_and_its_open_referrals(desk: Desk) -> None:
    filed = await desk.file()
    await desk.deliver()
    [old] = desk.new_threads(VINK_CHANNEL)

    text = await desk.register("vink", VINK_TEAM, "19:vink-new@thread.tacv2")
    assert text.startswith(TEXT("da", "consultant.register.moved", unit="VINK", count=1)[:20])
    await desk.deliver()

    [moved] = desk.new_threads("19:vink-new@thread.tacv2")
    assert filed.reference in moved["summary"]
    [update] = desk.updates()
    assert TEXT("da", "consultant.card.moved", reference=filed.reference, unit="VINK") in texts(
        update.body or {}
    )
    assert old["summary"] == moved["summary"]


# --- delivery -----------------------------------------------------------------------------------


async def test_a_new_referral_is_posted_as_a_card_in_its_units_channel(desk: Desk) -> None:
    filed = await desk.file(signs=("violence", "isolation"), crime_status="suspected_past")
    assert await desk.deliver() == 1

    [post] = desk.new_threads(VINK_CHANNEL)
    assert desk.new_threads(SSP_CHANNEL) == []
    card = card_of(post)
    shown = texts(card)
    assert filed.reference in shown
    for key in (
        "options.age_band.15_17",
        "options.sign.isolation",
        "options.crime_status.suspected_past",
        "consultant.rule.polarisation",
        "options.mode.named",
    ):
        assert TEXT("da", key) in shown, key
    assert "⚠ " + TEXT("da", "options.sign.violence") in shown
    assert TEXT("da", "consultant.card.waiting") in shown
    # Never the free text or who it is about, neither in the card nor in the preview.
    assert DESCRIPTION not in shown and "Mette" not in shown
    assert post["summary"] == TEXT(
        "da", "consultant.card.summary", reference=filed.reference, unit="VINK"
    )
    assert DESCRIPTION not in card["fallbackText"]
    assert verbs(card) == ["referral.claim", "referral.details"]
    # The consultants' Teams clients fetch the full card by themselves (refresh).
    assert card["refresh"]["action"]["verb"] == "referral.refresh"
    assert set(card["refresh"]["userIds"]) == {AHMAD["id"], SOFIE["id"], ADMIN["id"]}
    [stored] = await desk.side.outbox.posts_of(filed.id)
    assert stored.channel_id == VINK_CHANNEL and stored.activity_id


async def test_the_roster_is_read_in_pages(desk: Desk) -> None:
    desk.connector.rosters[VINK_TEAM] += [
        {"id": f"29:extra-{n}", "name": f"Extra {n}", "aadObjectId": f"aad-extra-{n}"}
        for n in range(5)
    ]
    desk.side.roster.forget()
    await desk.file()
    await desk.deliver()
    [post] = desk.new_threads(VINK_CHANNEL)
    assert len(card_of(post)["refresh"]["userIds"]) == 8
    pages = [c for c in desk.connector.calls if c.path.endswith("/pagedmembers")]
    assert len([c for c in pages if VINK_TEAM in c.path]) >= 4  # 8 members, 2 a page


async def test_a_referral_waits_for_a_channel_and_admins_are_told_once(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    clock = Clock(NOW)
    bot = await start_bot(clock=clock, workers_enabled=False, admin_aad_object_ids="aad-line")
    desk = Desk(bot, connector, clock)
    await desk.personal("hjælp", sender=ADMIN)  # the admin's chat with the bot
    filed = await desk.file()
    await desk.deliver()
    clock.advance(minutes=20)
    await desk.deliver()  # tried again: still no channel, and no second notice

    notices = [m for m in desk.to_conversation(f"a:{ADMIN['id']}") if m.get("text")]
    assert [m["text"] for m in notices] == [TEXT("da", "consultant.admin.no_channel", unit="VINK")]
    assert desk.new_threads() == []

    await desk.register("VINK", VINK_TEAM, VINK_CHANNEL)
    await desk.deliver()
    [post] = desk.new_threads(VINK_CHANNEL)
    assert filed.reference in post["summary"]


async def test_throttling_and_outages_are_retried_with_backoff(desk: Desk) -> None:
    filed = await desk.file()
    await desk.side.roles.refresh_ids("vink")  # the roster is cached: the faults hit the post
    # Every connector-level retry of the post fails (up to the ceiling of attempts; the time
    # budget is not reached with `Retry-After: 0`): the outbox takes over.
    attempts = desk.bot.app[SETTINGS].send_max_attempts
    desk.connector.fail_next(*[Fault(503, retry_after="0")] * attempts)
    await desk.deliver()
    assert desk.new_threads() == []
    [item] = [i for i in await desk.side.outbox.pending() if i.kind == "deliver_referral"]
    assert item.attempts == 1
    assert await desk.deliver() == 0  # not yet due

    desk.clock.advance(seconds=31)
    desk.connector.fail_next(Fault(429, retry_after="0"))  # absorbed by the connector retry
    await desk.deliver()
    [post] = desk.new_threads(VINK_CHANNEL)
    assert filed.reference in post["summary"]


async def test_restart_in_the_middle_of_delivery_loses_nothing_and_duplicates_nothing(
    start_bot: StartBot, desk: Desk
) -> None:
    first = await desk.file()
    second = await desk.file(unit="ssp", rule_id="crime_preventive")
    third = await desk.file()
    await desk.side.delivery.run(desk.clock())  # all three delivered…
    assert len(desk.new_threads()) == 3

    # …then a crash: a fourth is claimed by the worker (leased), and the process dies before
    # posting; a fifth was never touched.
    fourth = await desk.file()
    [leased] = await desk.side.outbox.claim_due(desk.clock(), limit=1)
    assert leased.referral_id == fourth.id
    fifth = await desk.file(unit="ssp", rule_id="crime_preventive")
    await desk.bot.stop()

    restarted = await start_bot(
        clock=desk.clock, workers_enabled=False, admin_aad_object_ids=ADMIN["aadObjectId"]
    )
    workers = restarted.app[WORKERS]
    assert await workers.run_once(DELIVERY_JOB) == 1  # the fifth; the fourth is leased
    desk.clock.advance(minutes=11)  # the dead worker's lease runs out
    assert await workers.run_once(DELIVERY_JOB) == 1
    assert await workers.run_once(DELIVERY_JOB) == 0

    summaries = sorted(post["summary"] for post in desk.new_threads())
    references = [first, second, third, fourth, fifth]
    assert len(summaries) == 5
    assert {r.reference for r in references} == {s.split()[2] for s in summaries}
    assert await restarted.app[CONSULTANT_SIDE].outbox.count_pending() == 0


async def test_a_post_recorded_before_a_crash_is_not_posted_again(desk: Desk) -> None:
    filed = await desk.file()
    [item] = await desk.side.outbox.claim_due(desk.clock())
    await desk.side.delivery.run(desk.clock() + timedelta(minutes=11))  # posted and recorded
    assert len(desk.new_threads()) == 1
    # The same outbox row comes back (e.g. its lease ran out on a slow instance): no repost.
    await desk.side.outbox.retry(item.id, at=desk.clock(), error="lease", count_attempt=False)
    await desk.deliver()
    assert len(desk.new_threads()) == 1
    [post] = await desk.side.outbox.posts_of(filed.id)
    assert post.idempotency_key == item.idempotency_key


async def test_filing_through_the_dialog_reaches_the_channel(desk: Desk) -> None:
    await desk.personal("ny bekymring", sender=EMPLOYEE)
    for value in (
        {"step": "acute", "answer": "no"},
        {"step": "mode", "answer": "named"},
        {"step": "role", "role": "teacher", "administration": "buf"},
        {"step": "age_band", "answer": "15_17"},
        {"step": "residence", "answer": "yes"},
        {"step": "signs", "serious": "", "other": "us_vs_them,isolation"},
        {"step": "crime_status", "answer": "none_known"},
    ):
        await desk.personal(None, sender=EMPLOYEE, value=value)
    await desk.personal(DESCRIPTION, sender=EMPLOYEE)
    await desk.personal(
        None,
        sender=EMPLOYEE,
        value={
            "step": "context",
            "leader": "yes",
            "parents": "no",
            "aware": "no",
            "agencies": "no",
        },
    )
    await desk.personal(None, sender=EMPLOYEE, value={"step": "notify_duty", "ack": True})
    receipt = await desk.personal(
        None, sender=EMPLOYEE, value={"step": "summary", "action": "send"}
    )
    assert "BEK-2026-0001" in str(receipt)
    await desk.deliver()
    [post] = desk.new_threads(VINK_CHANNEL)
    assert "BEK-2026-0001" in post["summary"]
    assert DESCRIPTION not in texts(card_of(post))
