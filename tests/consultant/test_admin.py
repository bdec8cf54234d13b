"""Admin commands over HTTP: the consultant and lead lists, a team shared by both units, the
resource panel, the audit of a referral; and refusals for everyone else."""

from __future__ import annotations

from bench.fake_connector import FakeConnector
from tests.bot.conftest import StartBot
from tests.consultant.conftest import (
    ADMIN,
    AHMAD,
    OUTSIDER,
    SSP_CHANNEL,
    TEXT,
    VINK_CHANNEL,
    VINK_TEAM,
    Desk,
    card_of,
    execute_data,
    roster_member,
    texts,
)
from tests.consultant.support import NOW
from tests.support.transcript import Clock


async def test_an_admin_listed_consultant_can_act_until_removed(desk: Desk) -> None:
    filed = await desk.file()
    await desk.deliver()
    data = execute_data(card_of(desk.new_threads()[-1]), "referral.details")
    refused = await desk.click("referral.details", data, sender=OUTSIDER)
    assert TEXT("da", "consultant.refused.not_consultant", unit="VINK") in texts(refused)

    [added] = await desk.personal("konsulent tilføj VINK aad-BO", sender=ADMIN)
    assert added["text"] == TEXT(
        "da", "consultant.members.added", who="aad-bo", unit="VINK", role="konsulent"
    )
    allowed = await desk.click("referral.details", data, sender=OUTSIDER)
    assert "Eleven viser videoer" in texts(allowed)

    [removed] = await desk.personal("konsulent fjern vink aad-bo", sender=ADMIN)
    assert removed["text"].startswith("aad-bo")
    again = await desk.click("referral.details", data, sender=OUTSIDER)
    assert TEXT("da", "consultant.refused.not_consultant", unit="VINK") in texts(again)
    assert filed


async def test_list_commands_are_for_admins_and_explain_their_use(desk: Desk) -> None:
    [refused] = await desk.personal("konsulent tilføj vink aad-bo", sender=AHMAD)
    assert refused["text"] == TEXT("da", "consultant.admin.refused")
    [usage] = await desk.personal("konsulent tilføj ungdomsskolen aad-bo", sender=ADMIN)
    assert usage["text"] == TEXT("da", "consultant.members.usage", units="VINK, SSP-sekretariatet")
    [overview] = await desk.personal("konsulenter", sender=ADMIN)
    assert TEXT("da", "consultant.members.unit_registered_roster", unit="VINK") in overview["text"]
    assert "fatima.ali@ssp.example" in overview["text"]
    audit = await desk.side.audit.recent(action="consultant_add")
    assert [(e.actor, e.outcome) for e in audit] == [("aad-ahmad", "refused")]


async def test_in_a_team_shared_by_both_units_only_the_lists_count(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    connector.rosters = {VINK_TEAM: [roster_member(p) for p in (AHMAD, ADMIN)]}
    clock = Clock(NOW)
    bot = await start_bot(clock=clock, workers_enabled=False, admin_aad_object_ids="aad-line")
    desk = Desk(bot, connector, clock)
    await desk.register("VINK", VINK_TEAM, VINK_CHANNEL)
    text = await desk.register("SSP", VINK_TEAM, SSP_CHANNEL)
    assert TEXT("da", "consultant.register.shared_team") in text

    await desk.file()
    await desk.deliver()
    data = execute_data(card_of(desk.new_threads()[-1]), "referral.details")
    refused = await desk.click("referral.details", data, sender=AHMAD)
    assert TEXT("da", "consultant.refused.not_consultant", unit="VINK") in texts(refused)
    await desk.personal("konsulent tilføj vink ahmad@kk.example", sender=ADMIN)  # by e-mail
    allowed = await desk.click("referral.details", data, sender=AHMAD)
    assert "Eleven viser videoer" in texts(allowed)


async def test_the_resource_panel_is_kept_by_admins(desk: Desk) -> None:
    [usage] = await desk.personal("ressourceperson tilføj Aisha Khan", sender=ADMIN)
    assert usage["text"].startswith(TEXT("da", "consultant.resources.usage", topics="x")[:30])
    [unknown] = await desk.personal(
        "ressourceperson tilføj Aisha Khan; tiktok; Sociale medier", sender=ADMIN
    )
    expected = TEXT("da", "consultant.resources.unknown_topics", wrong="tiktok", topics="x")
    assert unknown["text"].startswith(expected.removesuffix("x."))
    await desk.personal(
        "ressourceperson tilføj Aisha Khan; online_radicalisation; Sociale medier", sender=ADMIN
    )
    [listed] = await desk.personal("ressourcepersoner", sender=ADMIN)
    assert "Aisha Khan: Sociale medier (Sociale medier og online radikalisering)" in listed["text"]
    [removed] = await desk.personal("ressourceperson fjern Aisha Khan", sender=ADMIN)
    assert removed["text"] == TEXT("da", "consultant.resources.removed", name="Aisha Khan")
    [empty] = await desk.personal("ressourcepersoner", sender=ADMIN)
    assert empty["text"] == TEXT("da", "consultant.resources.empty")


async def test_an_admin_reads_a_referrals_audit_which_holds_no_content(desk: Desk) -> None:
    filed = await desk.file()
    await desk.deliver()
    data = execute_data(card_of(desk.new_threads()[-1]), "referral.claim")
    await desk.click("referral.claim", data, sender=OUTSIDER)
    await desk.click("referral.claim", data, sender=AHMAD)

    [refused] = await desk.personal(f"revision {filed.reference}", sender=AHMAD)
    assert refused["text"] == TEXT("da", "consultant.admin.refused")
    [answer] = await desk.personal(f"revision {filed.reference}", sender=ADMIN)
    shown = texts(card_of(answer))
    assert "aad-bo (other): claim, refused [not_consultant]" in shown
    assert "aad-ahmad (consultant): claim, allowed [-]" in shown
    assert "Eleven" not in shown
    viewed = await desk.side.audit.for_referral(filed.id)
    assert viewed[-1].action == "audit_view" and viewed[-1].actor == "aad-line"


async def test_help_for_consultants(desk: Desk) -> None:
    [answer] = await desk.personal("konsulenthjælp", sender=AHMAD)
    assert answer["text"] == TEXT("da", "consultant.help")
