"""Card actions through the real app (Action.Execute invokes over HTTP): claim, ask the
employee and the answer back, transfer, suggest a resource person, close; refusals for
anyone who is not a consultant of the referral's current unit, and stale cards."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.fake_connector import FakeConnector
from tests.bot.conftest import StartBot
from tests.consultant.conftest import (
    ADMIN,
    AHMAD,
    EMPLOYEE,
    JONAS,
    OUTSIDER,
    SOFIE,
    SSP_CHANNEL,
    TEXT,
    VINK_CHANNEL,
    Desk,
    card_of,
    execute_data,
    open_desk,
    texts,
    verbs,
)
from tests.consultant.support import DESCRIPTION, NOW
from tests.support.transcript import Clock

VINK = "VINK"
SSP = "SSP-sekretariatet"


async def posted(desk: Desk, **changes: Any) -> tuple[Any, dict[str, Any]]:
    """File a referral, deliver it, and return it with the data its channel card carries."""
    filed = await desk.file(**changes)
    await desk.deliver()
    post = desk.new_threads()[-1]
    return filed, execute_data(card_of(post), "referral.details")


async def thread(desk: Desk, referral_id: int) -> list[dict[str, Any]]:
    post = await desk.side.outbox.active_post(referral_id)
    assert post is not None
    return desk.to_conversation(post.conversation_id)


def card(response: dict[str, Any]) -> dict[str, Any]:
    assert response["type"] == "application/vnd.microsoft.card.adaptive", response
    value: dict[str, Any] = response["value"]
    return value


# --- claim ----------------------------------------------------------------------------------


async def test_two_simultaneous_claims_one_wins_and_everyone_sees_who(desk: Desk) -> None:
    filed, data = await posted(desk)
    ahmad, sofie = await asyncio.gather(
        desk.click("referral.claim", data, sender=AHMAD),
        desk.click("referral.claim", data, sender=SOFIE),
    )
    notes = {texts(card(ahmad)), texts(card(sofie))}
    won = [n for n in notes if TEXT("da", "consultant.done.claimed") in n]
    assert len(won) == 1
    winner = "Ahmad Khalil" if won[0] == texts(card(ahmad)) else "Sofie Nørgaard"
    lost = (notes - set(won)).pop()
    assert TEXT("da", "consultant.stale.claimed", name=winner) in lost

    await desk.deliver()
    [update] = desk.updates()
    assert TEXT("da", "consultant.card.status.claimed", name=winner) in texts(update.body or {})
    assert "referral.claim" not in verbs(update.body["attachments"][0]["content"])  # type: ignore[index]
    # The employee hears that a consultant took it (by role, not by name), once.
    told = [m["text"] for m in desk.to_employee() if m.get("text")]
    assert told == [TEXT("da", "consultant.notify.claimed", reference=filed.reference, unit=VINK)]
    case = await desk.side.casework.get(filed.id)
    assert case is not None and case.claimed_by_name == winner


async def test_simultaneous_claims_over_http_on_each_database(
    start_bot: StartBot, connector: FakeConnector, database_url: str
) -> None:
    desk = await open_desk(start_bot, connector, Clock(NOW), database_url=database_url)
    filed, data = await posted(desk)
    clicks = [(AHMAD, "vink"), (SOFIE, "vink"), (ADMIN, "vink")] * 2
    responses = await asyncio.gather(
        *(desk.click("referral.claim", data, sender=who, where=where) for who, where in clicks)
    )
    won = [r for r in responses if TEXT("da", "consultant.done.claimed") in texts(card(r))]
    assert len(won) == 1
    await desk.deliver()
    told = [m["text"] for m in desk.to_employee() if m.get("text")]
    assert told == [TEXT("da", "consultant.notify.claimed", reference=filed.reference, unit=VINK)]


async def test_a_unit_can_decide_to_tell_employees_the_consultants_name(
    start_bot: StartBot, connector: FakeConnector, desk: Desk
) -> None:
    await desk.bot.stop()
    bot = await start_bot(
        clock=desk.clock,
        workers_enabled=False,
        admin_aad_object_ids=ADMIN["aadObjectId"],
        consultant_names_visible_to_employees="vink",
    )
    named = Desk(bot, connector, desk.clock)
    filed, data = await posted(named)
    await named.click("referral.claim", data, sender=AHMAD)
    await named.deliver()
    told = [m["text"] for m in named.to_employee() if m.get("text")]
    assert told == [
        TEXT(
            "da",
            "consultant.notify.claimed_named",
            reference=filed.reference,
            unit=VINK,
            name="Ahmad Khalil",
        )
    ]


# --- who may act ---------------------------------------------------------------------------

ACTIONS = [
    ("referral.claim", {}),
    ("referral.details", {}),
    ("referral.ask", {"question": "Hvor gammel er eleven?"}),
    ("referral.transfer", {"transfer_reason": "Kriminalitet", "to_unit": "ssp"}),
    ("referral.suggest", {"resource_person": "1"}),
    ("referral.close", {"close_outcome": "unfounded"}),
]


@pytest.mark.parametrize(("verb", "extra"), ACTIONS, ids=[verb for verb, _ in ACTIONS])
@pytest.mark.parametrize("who", [OUTSIDER, JONAS], ids=["outsider", "other-unit"])
async def test_every_action_by_a_non_consultant_is_refused_and_recorded(
    desk: Desk, verb: str, extra: dict[str, Any], who: dict[str, Any]
) -> None:
    filed, data = await posted(desk)
    response = card(await desk.click(verb, {**data, **extra}, sender=who))

    shown = texts(response)
    assert TEXT("da", "consultant.refused.not_consultant", unit=VINK) in shown
    assert DESCRIPTION not in shown and "Mette" not in shown
    case = await desk.side.casework.get(filed.id)
    assert case is not None and (case.status, case.unit) == ("new", "vink")
    assert await desk.side.casework.messages(filed.id) == []
    [entry] = await desk.side.audit.for_referral(filed.id)
    assert (entry.actor, entry.action, entry.outcome) == (
        who["aadObjectId"],
        verb.removeprefix("referral."),
        "refused",
    )
    assert entry.correlation_id != "-"


async def test_a_refresh_by_a_non_consultant_gets_the_public_card_and_no_audit(
    desk: Desk,
) -> None:
    filed, data = await posted(desk)
    response = card(await desk.click("referral.refresh", data, sender=OUTSIDER))
    assert DESCRIPTION not in texts(response)
    assert TEXT("da", "consultant.refused.not_consultant", unit=VINK) not in texts(response)
    assert await desk.side.audit.for_referral(filed.id) == []


async def test_consultants_see_the_content_and_every_view_is_audited(desk: Desk) -> None:
    filed, data = await posted(desk)
    refreshed = card(await desk.click("referral.refresh", data, sender=AHMAD))
    details = card(await desk.click("referral.details", data, sender=SOFIE))
    for shown in (texts(refreshed), texts(details)):
        assert DESCRIPTION in shown
        assert "Mette Hansen" in shown  # a named referral: the unit's consultants see who
    assert set(verbs(details)) == {
        "referral.claim",
        "referral.ask",
        "referral.transfer",
        "referral.close",
    }
    audit = await desk.side.audit.for_referral(filed.id)
    assert [(e.actor, e.action, e.outcome, e.detail) for e in audit] == [
        ("aad-ahmad", "view", "allowed", "refresh"),
        ("aad-sofie", "view", "allowed", None),
    ]


# --- stale cards ---------------------------------------------------------------------------


async def test_a_stale_card_answers_with_the_current_state(desk: Desk) -> None:
    filed, data = await posted(desk)
    await desk.click("referral.claim", data, sender=AHMAD)

    again = card(await desk.click("referral.claim", data, sender=SOFIE))
    assert TEXT("da", "consultant.stale.claimed", name="Ahmad Khalil") in texts(again)

    await desk.click("referral.close", {**data, "close_outcome": "advice_given"}, sender=AHMAD)
    late = card(await desk.click("referral.ask", {**data, "question": "Er der nyt?"}, sender=SOFIE))
    assert TEXT("da", "consultant.stale.closed") in texts(late)
    assert verbs(late) == []  # a closed case offers no actions
    assert await desk.side.casework.messages(filed.id) == []
    outcomes = [e.outcome for e in await desk.side.audit.for_referral(filed.id)]
    assert outcomes == ["allowed", "stale", "allowed", "stale"]


# --- ask the employee, and the answer back --------------------------------------------------


async def test_question_and_answer_are_relayed_and_an_anonymous_employee_stays_anonymous(
    desk: Desk,
) -> None:
    filed, data = await posted(desk, mode="anonymous", rule_id="anonymous")
    question = "Hvor længe har du set ændringen?"
    asked = card(await desk.click("referral.ask", {**data, "question": question}, sender=AHMAD))
    assert TEXT("da", "consultant.done.asked") in texts(asked)
    await desk.deliver()

    # To the employee, 1:1: the question with an answer field.
    [relayed] = [m for m in desk.to_employee() if m.get("attachments")][-1:]
    shown = texts(card_of(relayed))
    assert question in shown and TEXT("da", "consultant.employee.still_anonymous") in shown
    answer_data = execute_data(card_of(relayed), "referral.answer")
    # In the thread: that a question went out, without its text.
    [note] = await thread(desk, filed.id)
    assert question not in texts(card_of(note))

    # Someone else cannot answer it; the employee can, once.
    other = card(
        await desk.click(
            "referral.answer", {**answer_data, "answer": "x"}, sender=OUTSIDER, where="personal"
        )
    )
    assert TEXT("da", "consultant.employee.not_yours") in texts(other)
    answer = "Siden efterårsferien."
    sent = card(
        await desk.click(
            "referral.answer", {**answer_data, "answer": answer}, sender=EMPLOYEE, where="personal"
        )
    )
    assert TEXT(
        "da", "consultant.employee.answer_sent", reference=filed.reference, unit=VINK
    ) in texts(sent)
    await desk.deliver()

    [_, answered] = await thread(desk, filed.id)
    public = card_of(answered)
    assert answer not in texts(public)
    assert TEXT("da", "consultant.note.answer", reference=filed.reference) in texts(public)
    shown_to_consultant = card(
        await desk.click("referral.note", execute_data(public, "referral.note"), sender=SOFIE)
    )
    assert answer in texts(shown_to_consultant)
    outsider = card(
        await desk.click("referral.note", execute_data(public, "referral.note"), sender=OUTSIDER)
    )
    assert answer not in texts(outsider)

    # Nothing that reached the channel or a consultant names the employee.
    everything = (
        "\n".join(
            str(call.body)
            for call in desk.connector.calls
            if call.conversation_id != "a:mette-personal"
        )
        + texts(shown_to_consultant)
        + texts(card(await desk.click("referral.details", data, sender=AHMAD)))
    )
    for identity in ("Mette", "29:mette", "aad-employee-1"):
        assert identity not in everything
    assert (
        TEXT(
            "da",
            "consultant.card.employee_anonymous",
            role=TEXT("da", "options.role.teacher"),
            administration=TEXT("da", "options.administration.buf"),
        )
        in everything
    )


async def test_a_question_with_a_cpr_number_is_not_sent(desk: Desk) -> None:
    filed, data = await posted(desk)
    response = card(
        await desk.click("referral.ask", {**data, "question": "Er det 010203-1234?"}, sender=AHMAD)
    )
    assert TEXT("da", "consultant.text.cpr") in texts(response)
    assert await desk.side.casework.messages(filed.id) == []


async def test_an_unreachable_employee_is_reported_in_the_thread(desk: Desk) -> None:
    filed, data = await posted(desk, employee_id="aad-never-chatted")
    await desk.click("referral.ask", {**data, "question": "Kan du ringe?"}, sender=AHMAD)
    await desk.deliver()
    notes = [texts(card_of(m)) for m in await thread(desk, filed.id)]
    assert any(
        TEXT("da", "consultant.note.unreachable", reference=filed.reference) in n for n in notes
    )


async def test_the_employees_later_additions_reach_the_thread(desk: Desk) -> None:
    filed, _ = await posted(desk)
    await desk.personal("tilføj oplysninger", sender=EMPLOYEE)
    await desk.personal(filed.reference, sender=EMPLOYEE)
    await desk.personal("Eleven har nu også skiftet vennekreds.", sender=EMPLOYEE)
    await desk.deliver()
    [note] = await thread(desk, filed.id)
    public = card_of(note)
    assert TEXT("da", "consultant.note.addition", reference=filed.reference) in texts(public)
    assert "vennekreds" not in texts(public)
    full = card(
        await desk.click("referral.note", execute_data(public, "referral.note"), sender=AHMAD)
    )
    assert "skiftet vennekreds" in texts(full)


# --- transfer ------------------------------------------------------------------------------


async def test_transfer_posts_a_new_card_in_the_other_unit_and_marks_the_old_one(
    desk: Desk,
) -> None:
    filed, data = await posted(desk)
    await desk.click("referral.claim", data, sender=AHMAD)
    moved = card(
        await desk.click(
            "referral.transfer",
            {**data, "transfer_reason": "Der er en konkret trussel.", "to_unit": "ssp"},
            sender=AHMAD,
        )
    )
    assert TEXT("da", "consultant.card.transferred", reference=filed.reference, unit=SSP) in texts(
        moved
    )
    await desk.deliver()

    [new] = desk.new_threads(SSP_CHANNEL)
    assert filed.reference in new["summary"]
    assert len(desk.new_threads(VINK_CHANNEL)) == 1
    transferred = TEXT("da", "consultant.card.transferred", reference=filed.reference, unit=SSP)
    assert any(transferred in texts(update.body or {}) for update in desk.updates())
    told = [m["text"] for m in desk.to_employee() if m.get("text")]
    assert TEXT("da", "consultant.notify.transferred", reference=filed.reference, unit=SSP) in told

    # VINK's old card now says where it went; SSP can claim it.
    old = card(await desk.click("referral.claim", data, sender=SOFIE))
    assert transferred in texts(old)
    ssp_data = execute_data(card_of(new), "referral.claim")
    claimed = card(await desk.click("referral.claim", ssp_data, sender=JONAS, where="ssp"))
    assert TEXT("da", "consultant.done.claimed") in texts(claimed)
    [reason] = await desk.side.casework.messages(filed.id)
    assert (reason.kind, reason.text) == ("transfer", "Der er en konkret trussel.")


async def test_an_anonymous_referral_cannot_be_transferred_to_ssp(desk: Desk) -> None:
    filed, data = await posted(desk, mode="anonymous", rule_id="anonymous")
    details = card(await desk.click("referral.details", data, sender=AHMAD))
    assert "referral.transfer" not in verbs(details)
    refused = card(
        await desk.click(
            "referral.transfer",
            {**data, "transfer_reason": "SSP bør se den", "to_unit": "ssp"},
            sender=AHMAD,
        )
    )
    assert TEXT("da", "consultant.refused.anonymous_transfer") in texts(refused)
    case = await desk.side.casework.get(filed.id)
    assert case is not None and case.unit == "vink"


# --- resource persons ----------------------------------------------------------------------


async def test_suggesting_a_resource_person_from_the_matching_panel(desk: Desk) -> None:
    for line in (
        "ressourceperson tilføj Aisha Khan; online_radicalisation, polarisation; Sociale medier",
        "ressourceperson tilføj Bo Hansen; family, mentoring; Familiearbejde; bo@kk.example",
        "ressourceperson tilføj Carl Dam; conflict_areas; Udrejse",
    ):
        [answer] = await desk.personal(line, sender=ADMIN)
        assert answer["text"].endswith(TEXT("da", "consultant.resources.added", name="x")[1:])
    filed, data = await posted(desk, signs=("us_vs_them", "isolation"))

    details = card(await desk.click("referral.details", data, sender=AHMAD))
    [choices] = [
        element["choices"]
        for action in details["actions"]
        if action["type"] == "Action.ShowCard"
        for element in action["card"]["body"]
        if element.get("id") == "resource_person"
    ]
    # us_vs_them → polarisation, identity; isolation → mentoring, family, identity.
    assert [c["title"].split(":")[0] for c in choices] == ["Bo Hansen", "Aisha Khan"]

    bo = choices[0]["value"]
    done = card(await desk.click("referral.suggest", {**data, "resource_person": bo}, sender=AHMAD))
    assert TEXT("da", "consultant.done.suggested", name="Bo Hansen") in texts(done)
    await desk.deliver()
    told = [m["text"] for m in desk.to_employee() if m.get("text")]
    assert (
        TEXT(
            "da",
            "consultant.notify.resource",
            reference=filed.reference,
            unit=VINK,
            name="Bo Hansen",
            competences="Familiearbejde",
        )
        in told
    )


# --- close -------------------------------------------------------------------------------


async def test_close_with_an_outcome_and_a_note_tells_the_employee(desk: Desk) -> None:
    filed, data = await posted(desk)
    missing = card(await desk.click("referral.close", data, sender=AHMAD))
    assert TEXT("da", "consultant.close.required") in texts(missing)

    closed = card(
        await desk.click(
            "referral.close",
            {**data, "close_outcome": "social_services", "close_note": "Underretning sendt."},
            sender=AHMAD,
        )
    )
    assert TEXT("da", "consultant.done.closed") in texts(closed)
    assert TEXT("da", "consultant.outcome.social_services") in texts(closed)
    await desk.deliver()

    [update] = desk.updates()
    public = update.body["attachments"][0]["content"]  # type: ignore[index]
    assert TEXT("da", "consultant.card.status.closed") in texts(public)
    assert verbs(public) == ["referral.details"]
    assert "Underretning" not in texts(public)
    told = [m["text"] for m in desk.to_employee() if m.get("text")]
    assert told == [TEXT("da", "consultant.notify.closed", reference=filed.reference, unit=VINK)]
    case = await desk.side.casework.get(filed.id)
    assert case is not None and (case.status, case.outcome) == ("closed", "social_services")
    assert [m.text for m in await desk.side.casework.messages(filed.id)] == ["Underretning sendt."]


async def test_the_card_speaks_the_channels_language_and_the_clickers(desk: Desk) -> None:
    filed, data = await posted(desk)
    english = card(await desk.click("referral.details", data, sender=AHMAD, locale="en-US"))
    assert TEXT("en", "consultant.card.title", reference=filed.reference) in texts(english)
    assert TEXT("en", "consultant.action.claim") in texts(english)
    assert VINK_CHANNEL  # the post itself is in the channel's language (Danish)


async def test_a_note_refreshed_by_a_non_consultant_stays_public(desk: Desk) -> None:
    filed, data = await posted(desk)
    await desk.click("referral.ask", {**data, "question": "Hvem ellers?"}, sender=AHMAD)
    await desk.deliver()
    [note] = await thread(desk, filed.id)
    refresh = card_of(note)["refresh"]["action"]
    assert refresh["verb"] == "referral.note_refresh"
    outsider = card(await desk.click(refresh["verb"], refresh["data"], sender=OUTSIDER))
    assert texts(outsider) == texts(card_of(note))
    assert "Hvem ellers?" not in texts(outsider)
    consultant = card(await desk.click(refresh["verb"], refresh["data"], sender=SOFIE))
    assert "Hvem ellers?" in texts(consultant)
