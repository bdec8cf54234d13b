"""The consultant side's storage on SQLite and PostgreSQL (the `engine` fixture): unit channels
and member lists, atomic case actions, the outbox's claim/lease/retry and post records, the
audit log, resource persons, reminder marks and the employee's chat by pseudonym."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.casework import ReminderStage
from storage.audit import AuditEntry, AuditLog
from storage.casework import Actor, AnswerOutcome, Casework
from storage.conversations import ConversationReferences
from storage.migrate import alembic_config, upgrade
from storage.models import Base
from storage.outbox import NewPost, Outbox
from storage.referrals import Referrals
from storage.resource_persons import ResourcePersonInput, ResourcePersons
from storage.units import CONSULTANT, LEAD, UnitChannels, UnitMembers
from tests.consultant.support import (
    AHMAD,
    DESCRIPTION,
    EMPLOYEE,
    JONAS,
    NOW,
    SOFIE,
    cipher,
    new_referral,
)

MESSAGES = Base.metadata.tables["referral_messages"]


@pytest.fixture
def referrals(engine: AsyncEngine) -> Referrals:
    return Referrals(engine, cipher())


@pytest.fixture
def casework(engine: AsyncEngine) -> Casework:
    return Casework(engine, cipher())


@pytest.fixture
def outbox(engine: AsyncEngine) -> Outbox:
    return Outbox(engine)


async def file(referrals: Referrals, **changes: object) -> int:
    return (await referrals.file(new_referral(**changes), now=NOW)).id


# --- unit channels and member lists -----------------------------------------------------------


async def test_registering_again_elsewhere_moves_the_unit(engine: AsyncEngine) -> None:
    channels = UnitChannels(engine)
    first = await channels.register(
        unit="vink",
        team_id="19:team",
        channel_id="19:vink-a",
        service_url="https://smba.example/",
        tenant_id="t",
        reference={"conversation": {"id": "19:vink-a;messageid=1"}},
        language="da",
        registered_by="aad-admin",
        now=NOW,
    )
    assert first.previous is None and first.channel.generation == 1

    same = await channels.register(
        unit="vink",
        team_id="19:team",
        channel_id="19:vink-a",
        service_url="https://smba2.example/",
        tenant_id="t",
        reference={"conversation": {"id": "19:vink-a;messageid=2"}},
        language="da",
        registered_by="aad-admin",
        now=NOW + timedelta(hours=1),
    )
    assert same.unchanged and not same.moved
    assert same.channel.generation == 1
    assert same.channel.service_url == "https://smba2.example/"

    moved = await channels.register(
        unit="vink",
        team_id="19:team",
        channel_id="19:vink-b",
        service_url="https://smba2.example/",
        tenant_id="t",
        reference={"conversation": {"id": "19:vink-b;messageid=3"}},
        language="en",
        registered_by="aad-admin",
        now=NOW + timedelta(hours=2),
    )
    assert moved.moved and moved.channel.generation == 2
    stored = await channels.get("vink")
    assert stored is not None and stored.channel_id == "19:vink-b" and stored.language == "en"
    assert await channels.get("ssp") is None
    assert [c.unit for c in await channels.all()] == ["vink"]


async def test_member_lists_add_once_and_remove(engine: AsyncEngine) -> None:
    members = UnitMembers(engine)
    assert await members.add(
        unit="vink", identifier="AAD-Ahmad", role=CONSULTANT, added_by="a", now=NOW
    )
    assert not await members.add(
        unit="vink", identifier="aad-ahmad", role=CONSULTANT, added_by="a", now=NOW
    )
    await members.add(unit="vink", identifier="line@ssp.example", role=LEAD, added_by="a", now=NOW)
    await members.add(unit="ssp", identifier="aad-jonas", role=CONSULTANT, added_by="a", now=NOW)

    assert [m.identifier for m in await members.of_unit("vink")] == [
        "aad-ahmad",
        "line@ssp.example",
    ]
    assert [m.identifier for m in await members.of_unit("vink", role=LEAD)] == ["line@ssp.example"]
    assert await members.remove(unit="vink", identifier="AAD-AHMAD") == 1
    assert await members.remove(unit="vink", identifier="nobody") == 0
    assert [(m.unit, m.identifier) for m in await members.all()] == [
        ("ssp", "aad-jonas"),
        ("vink", "line@ssp.example"),
    ]


# --- case actions -----------------------------------------------------------------------------


async def test_two_simultaneous_claims_have_exactly_one_winner(
    referrals: Referrals, casework: Casework, engine: AsyncEngine
) -> None:
    referral_id = await file(referrals)
    claimers = [Actor(id=f"aad-consultant-{n}", name=f"Konsulent {n}") for n in range(8)]

    results = await asyncio.gather(
        *(casework.claim(referral_id, unit="vink", actor=a, now=NOW) for a in claimers)
    )

    winners = [result for result in results if result.done]
    assert len(winners) == 1
    case = await casework.get(referral_id)
    assert case is not None and case.status == "claimed"
    assert case.claimed_by == winners[0].case.claimed_by  # type: ignore[union-attr]
    losers = [result for result in results if not result.done]
    assert all(r.case is not None and r.case.status == "claimed" for r in losers)
    audit = await AuditLog(engine).for_referral(referral_id)
    assert sorted(entry.outcome for entry in audit) == ["allowed"] + ["stale"] * 7
    assert [kind for kind, *_ in await referrals.history(case.reference)] == ["filed", "claimed"]


async def test_an_action_for_the_wrong_unit_or_status_is_stale(
    referrals: Referrals, casework: Casework
) -> None:
    referral_id = await file(referrals)
    stale = await casework.claim(referral_id, unit="ssp", actor=JONAS, now=NOW)
    assert not stale.done and stale.case is not None and stale.case.unit == "vink"

    closed = await casework.close(
        referral_id, unit="vink", actor=AHMAD, outcome="advice_given", note="Råd givet", now=NOW
    )
    assert closed.done and closed.case is not None and closed.case.status == "closed"
    again = await casework.ask(referral_id, unit="vink", actor=SOFIE, text="Hvordan?", now=NOW)
    assert not again.done and again.message_id is None
    assert (await casework.claim(999, unit="vink", actor=AHMAD, now=NOW)).case is None


async def test_ask_and_answer_are_encrypted_and_reach_only_the_filer(
    referrals: Referrals, casework: Casework, engine: AsyncEngine
) -> None:
    referral_id = await file(referrals, mode="anonymous")
    asked = await casework.ask(
        referral_id, unit="vink", actor=AHMAD, text="Hvor gammel er eleven?", now=NOW
    )
    assert asked.done and asked.message_id is not None

    stranger = await casework.answer(
        asked.message_id, employee_id="aad-someone-else", text="15", now=NOW
    )
    assert stranger.outcome is AnswerOutcome.NOT_YOURS
    answered = await casework.answer(asked.message_id, employee_id=EMPLOYEE, text="15 år", now=NOW)
    assert answered.outcome is AnswerOutcome.SENT
    twice = await casework.answer(asked.message_id, employee_id=EMPLOYEE, text="16", now=NOW)
    assert twice.outcome is AnswerOutcome.ALREADY

    messages = await casework.messages(referral_id)
    assert [(m.kind, m.text, m.author) for m in messages] == [
        ("question", "Hvor gammel er eleven?", "aad-ahmad"),
        ("answer", "15 år", None),
    ]
    async with engine.connect() as connection:
        stored = (await connection.execute(select(MESSAGES.c.text_enc))).scalars().all()
    # Sealed: a random token may contain "15" by chance, so look for the whole plain texts.
    assert all(token.startswith("v1.") for token in stored)
    assert not any("15 år" in token or "gammel" in token for token in stored)
    audit = await AuditLog(engine).for_referral(referral_id)
    assert [(e.action, e.outcome, e.actor_role) for e in audit] == [
        ("ask", "allowed", "consultant"),
        ("answer", "refused", "employee"),
        ("answer", "allowed", "employee"),
        ("answer", "stale", "employee"),
    ]
    assert EMPLOYEE not in {entry.actor for entry in audit}  # the employee only as pseudonym


async def test_transfer_moves_the_unit_and_supersedes_the_old_post(
    referrals: Referrals, casework: Casework, outbox: Outbox
) -> None:
    referral_id = await file(referrals)
    [deliver] = await outbox.claim_due(NOW)
    await outbox.record_post(deliver, NewPost("19:vink", "19:vink;messageid=1", "1", {}), now=NOW)
    await casework.claim(referral_id, unit="vink", actor=AHMAD, now=NOW)

    later = NOW + timedelta(hours=2)
    moved = await casework.transfer(
        referral_id, unit="vink", to_unit="ssp", actor=AHMAD, reason="Kriminalitet", now=later
    )

    assert moved.done and moved.case is not None
    assert (moved.case.unit, moved.case.status, moved.case.claimed_by) == ("ssp", "new", None)
    assert moved.case.unit_since == later
    [post] = await outbox.posts_of(referral_id)
    assert post.superseded_by == "transfer" and not post.active
    kinds = [(item.kind, item.unit) for item in await outbox.pending()]
    assert ("deliver_referral", "ssp") in kinds and ("notify_employee", "ssp") in kinds
    # The old unit's consultant can no longer act; the new unit can.
    assert not (await casework.claim(referral_id, unit="vink", actor=SOFIE, now=later)).done
    assert (await casework.claim(referral_id, unit="ssp", actor=JONAS, now=later)).done


async def test_an_anonymous_referral_is_never_transferred_to_ssp(
    referrals: Referrals, casework: Casework
) -> None:
    referral_id = await file(referrals, mode="anonymous")
    result = await casework.transfer(
        referral_id, unit="vink", to_unit="ssp", actor=AHMAD, reason="x", now=NOW
    )
    assert not result.done
    case = await casework.get(referral_id)
    assert case is not None and case.unit == "vink"


async def test_content_is_decrypted_only_on_request(
    referrals: Referrals, casework: Casework
) -> None:
    referral_id = await file(referrals)
    await referrals.add_information(
        reference="BEK-2026-0001", employee_id=EMPLOYEE, text="Mere info", now=NOW
    )
    content = await casework.content(referral_id)
    assert content is not None
    assert content.description == DESCRIPTION
    assert content.employee_name == "Mette Hansen"
    assert [text for _, text in content.additions] == ["Mere info"]
    [addition] = [i for i in await Outbox(referrals.engine).pending() if i.kind == "relay_addition"]
    found = await casework.addition(addition.payload["addition_id"])
    assert found is not None and found[2] == "Mere info"


async def test_the_queue_is_open_referrals_of_my_units_oldest_first(
    referrals: Referrals, casework: Casework
) -> None:
    first = (await referrals.file(new_referral(), now=NOW)).id
    second = (await referrals.file(new_referral(unit="ssp"), now=NOW + timedelta(hours=1))).id
    third = (await referrals.file(new_referral(), now=NOW + timedelta(hours=2))).id
    await casework.close(third, unit="vink", actor=AHMAD, outcome="unfounded", note=None, now=NOW)

    assert [c.id for c in await casework.queue(["vink", "ssp"])] == [first, second]
    assert [c.id for c in await casework.queue(["ssp"])] == [second]


async def test_each_reminder_stage_is_marked_once(
    referrals: Referrals, casework: Casework, outbox: Outbox
) -> None:
    referral_id = await file(referrals)
    stage = ReminderStage.REMIND_UNIT
    marks = await asyncio.gather(
        *(casework.mark_reminder(referral_id, stage, unit="vink", now=NOW) for _ in range(4))
    )
    assert marks.count(True) == 1
    assert not await casework.mark_reminder(referral_id, stage, unit="ssp", now=NOW)
    assert await casework.mark_reminder(
        referral_id, ReminderStage.ESCALATE_LEAD, unit="vink", now=NOW
    )
    kinds = [item.kind for item in await outbox.pending()]
    assert kinds.count("remind_unit") == 1 and kinds.count("escalate_lead") == 1
    assert await casework.unclaimed() == []


# --- the outbox -------------------------------------------------------------------------------


async def test_claimed_rows_are_leased_and_come_back_when_the_lease_ends(
    referrals: Referrals, outbox: Outbox
) -> None:
    await file(referrals)
    [item] = await outbox.claim_due(NOW)
    assert await outbox.claim_due(NOW) == []  # leased
    assert [again.id for again in await outbox.claim_due(NOW + timedelta(minutes=11))] == [item.id]


async def test_concurrent_workers_never_claim_the_same_row(
    referrals: Referrals, outbox: Outbox
) -> None:
    for _ in range(12):
        await file(referrals)
    batches = await asyncio.gather(*(outbox.claim_due(NOW, limit=5) for _ in range(4)))
    claimed = [item.id for batch in batches for item in batch]
    assert len(claimed) == len(set(claimed)) == 12


async def test_retry_counts_attempts_and_recording_a_post_is_idempotent(
    referrals: Referrals, outbox: Outbox
) -> None:
    await file(referrals)
    [item] = await outbox.claim_due(NOW)
    await outbox.retry(item.id, at=NOW + timedelta(seconds=30), error="503")
    assert await outbox.claim_due(NOW + timedelta(seconds=29)) == []
    [again] = await outbox.claim_due(NOW + timedelta(seconds=30))
    assert again.attempts == 1

    post = NewPost("19:vink", "19:vink;messageid=7", "7", {"conversation": {"id": "x"}})
    await outbox.record_post(again, post, now=NOW)
    await outbox.record_post(again, post, now=NOW)  # a second record changes nothing
    stored = await outbox.post_for_key(again.idempotency_key)
    assert stored is not None and stored.activity_id == "7"
    assert len(await outbox.posts_of(again.referral_id or 0)) == 1
    assert await outbox.pending() == []


async def test_release_unit_makes_waiting_deliveries_due(
    referrals: Referrals, outbox: Outbox
) -> None:
    await file(referrals)
    [item] = await outbox.claim_due(NOW)
    await outbox.retry(
        item.id, at=NOW + timedelta(hours=1), error="no_channel", count_attempt=False
    )
    assert await outbox.release_unit("vink", NOW) == 1
    [again] = await outbox.claim_due(NOW)
    assert again.attempts == 0


# --- audit, resource persons, chats by pseudonym ------------------------------------------------


async def test_the_audit_log_lists_a_referrals_entries_in_order(engine: AsyncEngine) -> None:
    audit = AuditLog(engine)
    for minutes, action in ((2, "claim"), (1, "view"), (3, "close")):
        await audit.record(
            AuditEntry(
                actor="aad-ahmad",
                actor_role="consultant",
                action=action,
                outcome="allowed",
                at=NOW + timedelta(minutes=minutes),
                referral_id=7,
                unit="vink",
            )
        )
    await audit.record(
        AuditEntry(actor="x", actor_role="other", action="view", outcome="refused", at=NOW)
    )
    assert [e.action for e in await audit.for_referral(7)] == ["view", "claim", "close"]
    assert [e.action for e in await audit.recent(limit=2)] == ["close", "claim"]
    assert [e.outcome for e in await audit.recent(actor="x")] == ["refused"]


async def test_resource_persons_upsert_import_and_deactivate(engine: AsyncEngine) -> None:
    persons = ResourcePersons(engine)
    one = await persons.upsert(
        ResourcePersonInput("Aisha Khan", ("online_radicalisation",), "Sociale medier"), now=NOW
    )
    updated = await persons.upsert(
        ResourcePersonInput("Aisha Khan", ("polarisation",), "Dialog", "aisha@kk.example"),
        now=NOW,
    )
    assert updated.id == one.id and updated.topics == ("polarisation",)
    await persons.import_all(
        [
            ResourcePersonInput("Bo Berg", ("exit_work",), "Exit"),
            ResourcePersonInput("Carla Dam", ("family",), "Familie"),
        ],
        now=NOW,
    )
    assert [p.name for p in await persons.active()] == ["Bo Berg", "Carla Dam"]
    assert await persons.deactivate("Bo Berg", now=NOW)
    assert not await persons.deactivate("Bo Berg", now=NOW)
    assert [p.name for p in await persons.active()] == ["Carla Dam"]
    kept = await persons.get(one.id)
    assert kept is not None and not kept.active


async def test_the_employees_chat_is_found_by_pseudonym(engine: AsyncEngine) -> None:
    references = ConversationReferences(engine)
    pseudonym = cipher().pseudonym(EMPLOYEE)
    await references.remember(
        conversation_id="a:employee",
        conversation_type="personal",
        service_url="https://smba.example/",
        reference={"conversation": {"id": "a:employee"}},
        user_aad_object_id=EMPLOYEE,
        user_pseudonym=pseudonym,
    )
    found = await references.personal_chat_of_pseudonym(pseudonym)
    assert found is not None and found.conversation_id == "a:employee"
    assert await references.personal_chat_of_pseudonym(cipher().pseudonym("other")) is None


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_migration_0003_downgrades_and_upgrades_again(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, "0002")
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert "unit_channels" not in tables and "referrals" in tables
    await upgrade(engine, "head")
    await UnitChannels(engine).all()  # the tables are back


async def test_a_job_claims_only_the_kinds_it_handles(referrals: Referrals, outbox: Outbox) -> None:
    await file(referrals)
    async with referrals.engine.begin() as connection:
        from storage.outbox import enqueue

        await enqueue(connection, kind="someone_elses", key="other:1", now=NOW)
    claimed = await outbox.claim_due(NOW, kinds={"deliver_referral"})
    assert [item.kind for item in claimed] == ["deliver_referral"]
    assert [item.kind for item in await outbox.claim_due(NOW)] == ["someone_elses"]
