"""Transcripts of the concern-referral dialog: every route, every interruption, the validation
retries, both languages, cards and typed answers. Expected words come from the catalogue."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from storage.referrals import OUTBOX, REFERRALS, Referrals
from tests.support.transcript import Clock, Transcript
from tests.tools.card_validation import validate_cards

Start = Callable[..., Transcript]
DESCRIPTION = "Eleven har truet en lærer og viser voldelige videoer i frikvarteret."


async def answer_until_description(
    bot: Transcript, *, mode: str, age: str, signs: str, crime: str = "1"
) -> None:
    """acute no → mode → role (typed, field by field) → age → residence yes → signs → crime."""
    await bot.say("ny bekymring")
    await bot.say("nej")
    await bot.say(mode)
    await bot.say("1")
    await bot.say("1")
    await bot.say(age)
    await bot.say("ja")
    await bot.say(signs)
    await bot.say(crime)


async def answer_context(bot: Transcript) -> list[str]:
    await bot.say("ja")
    await bot.say("nej")
    await bot.say("ved ikke")
    await bot.say("nej")
    return await bot.say("spring over")


async def test_named_crime_preventive_referral_for_an_18_year_old_goes_to_ssp_with_ssp_plus(
    transcript: Start, referrals: Referrals
) -> None:
    bot = transcript()
    assert bot.t("referral.step.acute.prompt") in (await bot.say("jeg er bekymret for en elev"))[0]
    await answer_until_description(bot, mode="2", age="4", signs="1, 9")
    help_text, description_prompt = await bot.say("hjælp")
    assert help_text == bot.t("referral.step.description.help")
    assert bot.t("referral.step.description.privacy") in description_prompt
    await bot.say(DESCRIPTION)
    youth_prompt = (await answer_context(bot))[0]
    assert bot.t("referral.step.youth.name.prompt") in youth_prompt
    await bot.say("Ali Hassan")
    await bot.say("2007")
    summary = (await bot.say("Nørre Gymnasium"))[0]
    assert bot.t("referral.step.summary.prompt") in summary
    assert "Ali Hassan" in summary and bot.t("options.sign.violence") in summary
    [receipt] = await bot.say("send")
    assert (
        bot.t(
            "referral.receipt.text",
            reference="BEK-2026-0001",
            unit=bot.t("options.unit.ssp"),
            deadline="onsdag den 25. november 2026 kl. 10:30",
        )
        == receipt
    )
    assert bot.state == {}

    async with referrals.engine.connect() as connection:
        row = (await connection.execute(select(REFERRALS))).one()
        outbox = (await connection.execute(select(OUTBOX))).one()
    assert (row.reference, row.unit, row.rule_id, row.tags) == (
        "BEK-2026-0001",
        "ssp",
        "crime_preventive",
        "SSP+",
    )
    assert row.signs == "violence,intolerance" and row.has_serious_sign
    assert "Ali" not in (row.youth_enc or "") and row.youth_enc
    assert (
        referrals.cipher.decrypt(row.description_enc, field="referral.description") == DESCRIPTION
    )
    assert (outbox.kind, outbox.unit, outbox.referral_id) == ("deliver_referral", "ssp", row.id)


async def test_anonymous_referral_with_a_serious_sign_stays_with_vink_and_stores_no_names(
    transcript: Start, referrals: Referrals
) -> None:
    bot = transcript()
    await answer_until_description(bot, mode="1", age="3", signs="2")
    warning = await bot.say("Ahmed fra 8.b har vist mig billeder af våben. Ring 12 34 56 78.")
    expected_what = (
        bot.t("referral.step.description.pii_phone")
        + bot.t("referral.step.description.pii_and")
        + bot.t("referral.step.description.pii_name")
    )
    assert bot.t("referral.step.description.pii_warning", what=expected_what) in warning[0]
    assert bot.t("referral.step.description.prompt") in (await bot.say("1"))[0]
    await bot.say("En elev har vist mig billeder af våben på sin telefon.")
    await answer_context(bot)
    notify = await bot.say("")  # an empty message is not an acknowledgement
    assert bot.t("referral.step.notify_duty.retry") in notify[0]
    summary = (await bot.click(step="notify_duty", ack=True))[0]
    youth_line = re.compile(rf"^\d+\. {bot.t('referral.step.summary.youth')}:", re.MULTILINE)
    assert youth_line.search(summary) is None
    [receipt] = await bot.click(step="summary", action="send")
    assert "BEK-2026-0001" in receipt and bot.t("options.unit.vink") in receipt

    async with referrals.engine.connect() as connection:
        row = (await connection.execute(select(REFERRALS))).one()
    assert (row.mode, row.unit, row.rule_id) == ("anonymous", "vink", "anonymous_crime_preventive")
    assert row.employee_name_enc is None and row.employee_contact_enc is None
    assert row.youth_enc is None


async def test_keeping_a_flagged_text_in_anonymous_mode_is_allowed(transcript: Start) -> None:
    bot = transcript()
    await answer_until_description(bot, mode="1", age="3", signs="9")
    await bot.say("Eleven ser videoer fra Generation Identitær hver dag i frikvarteret.")
    kept = await bot.say("behold teksten")
    assert kept[0] == bot.t("referral.step.description.pii_kept")
    assert bot.state["answers"]["description"].startswith("Eleven ser")


async def test_polarisation_goes_to_vink_without_asking_who_the_young_person_is(
    transcript: Start, referrals: Referrals
) -> None:
    bot = transcript()
    await answer_until_description(bot, mode="2", age="5", signs="10 11")
    await bot.say(DESCRIPTION)
    summary = (await answer_context(bot))[0]
    assert bot.t("routing.reason.polarisation") in str(bot.cards[0])
    assert bot.t("referral.step.summary.prompt") in summary
    await bot.say("send")
    async with referrals.engine.connect() as connection:
        row = (await connection.execute(select(REFERRALS))).one()
    assert (row.unit, row.rule_id, row.youth_enc) == ("vink", "polarisation", None)
    assert row.employee_name_enc is not None  # named: the employee's name from Teams


async def test_no_signs_and_no_crime_is_unclear_and_vink_triages(transcript: Start) -> None:
    bot = transcript()
    await answer_until_description(bot, mode="2", age="6", signs="ingen")
    await bot.say(DESCRIPTION)
    await answer_context(bot)  # unknown age: the duty reminder is shown to be safe
    await bot.say("ok")
    assert bot.t("routing.reason.unclear") in str(bot.cards[0])


async def test_acute_danger_says_112_stores_nothing_and_can_stop(
    transcript: Start, referrals: Referrals
) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    acute, follow_up = await bot.say("ja")
    assert acute == bot.t("referral.acute_message")
    assert bot.t("referral.step.acute_followup.prompt") in follow_up
    assert await bot.say("nej") == [bot.t("referral.acute_stop")]
    assert bot.state == {}
    assert await referrals.gate_counts() == {"acute": 1}


async def test_after_the_acute_message_the_employee_can_continue(transcript: Start) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    await bot.say("ja")
    assert bot.t("referral.step.mode.prompt") in (await bot.say("ja"))[0]
    assert bot.state["answers"]["acute"] == "handled"


async def test_not_copenhagen_gives_the_national_hotline_and_forwards_nothing(
    transcript: Start, referrals: Referrals
) -> None:
    bot = transcript()
    for said in ("ny bekymring", "nej", "2", "1", "1", "3"):
        await bot.say(said)
    [answer] = await bot.say("nej")
    assert answer == bot.t("referral.not_copenhagen") and "41 74 90 90" in answer
    assert bot.state == {}
    assert await referrals.gate_counts() == {"not_copenhagen": 1}


async def test_just_a_question_gets_the_faq_answer(transcript: Start, referrals: Referrals) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    await bot.say("nej")
    assert await bot.say("3") == [bot.t("referral.question")]
    assert await referrals.gate_counts() == {"question": 1}


async def test_help_why_and_back_work_at_any_step(transcript: Start) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    await bot.say("nej")
    helped = await bot.say("hjælp")
    assert helped[0] == bot.t("referral.step.mode.help")
    assert bot.t("referral.step.mode.prompt") in helped[1]
    why = await bot.say("hvorfor spørger du?")
    assert why[0] == bot.t("referral.step.mode.why")
    back = await bot.say("tilbage")
    assert bot.t("referral.step.acute.prompt") in back[0]
    first = await bot.say("tilbage")
    assert first[0] == bot.t("referral.back_first")


async def test_back_inside_a_typed_form_goes_to_the_previous_field(transcript: Start) -> None:
    bot = transcript()
    for said in ("ny bekymring", "nej", "2", "3"):
        await bot.say(said)
    back = await bot.say("tilbage")
    assert bot.t("referral.step.role.role.prompt") in back[0]


async def test_cancel_asks_first_and_keeps_going_on_no(transcript: Start) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    await bot.say("nej")
    assert bot.t("referral.cancel_confirm") in (await bot.say("annuller"))[0]
    kept = await bot.say("nej")
    assert kept[0] == bot.t("referral.cancel_kept")
    assert bot.t("referral.step.mode.prompt") in kept[1]
    await bot.say("annuller")
    assert await bot.say("ja") == [bot.t("cancel.done")]
    assert bot.state == {}


async def test_invalid_answers_get_a_specific_retry(transcript: Start) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    assert (await bot.say("kartoffel"))[0] == bot.t("referral.step.acute.retry")
    await bot.say("nej")
    assert (await bot.say("7"))[0] == bot.t("referral.step.mode.retry")
    for said in ("2", "1", "1", "3", "ja"):
        await bot.say(said)
    assert (await bot.say("1, 99"))[0] == bot.t("referral.step.signs.retry")
    await bot.say("1")
    assert (await bot.say("9"))[0] == bot.t("referral.step.crime_status.retry")
    await bot.say("2")
    assert (await bot.say("kort"))[0] == bot.t("referral.step.description.retry")
    too_long = await bot.say("x" * 4001)
    assert too_long[0] == bot.t("referral.step.description.too_long", length=4001, limit=4000)


async def test_a_cpr_number_is_refused_and_never_kept(transcript: Start) -> None:
    bot = transcript()
    await answer_until_description(bot, mode="2", age="3", signs="1")
    refused = await bot.say("Drengen med CPR 010210-1234 har slået en anden elev.")
    assert refused[0] == bot.t("referral.step.description.cpr")
    assert "010210" not in str(bot.state)
    assert bot.state["step"] == "description"


async def test_birth_year_and_name_are_validated(transcript: Start) -> None:
    bot = transcript()
    await answer_until_description(bot, mode="2", age="4", signs="1")
    await bot.say(DESCRIPTION)
    await answer_context(bot)
    assert (await bot.say("R2D2"))[0] == bot.t("referral.step.youth.name.retry")
    await bot.say("Ali Hassan")
    assert (await bot.say("sidste år"))[0] == bot.t("referral.step.youth.birth_year.retry")


async def test_the_dialog_in_english_with_cards(transcript: Start, referrals: Referrals) -> None:
    bot = transcript(language="en")
    assert bot.t("referral.step.acute.prompt") in (await bot.say("I am worried about a pupil"))[0]
    await bot.click(step="acute", answer="no")
    role_card = (await bot.click(step="mode", answer="named"))[0]
    assert bot.t("referral.step.role.prompt") in role_card
    await bot.click(step="role", role="teacher", administration="buf")
    await bot.click(step="age_band", answer="15_17")
    await bot.click(step="residence", answer="unknown")
    await bot.click(step="signs", serious="", other="isolation,sudden_change")
    await bot.click(step="crime_status", answer="none_known")
    await bot.say("The pupil has withdrawn from friends and talks about 'us and them'.")
    notify = (
        await bot.click(
            step="context",
            leader="yes",
            parents="unknown",
            aware="no",
            agencies="no",
            protective="Plays football",
        )
    )[0]
    assert bot.t("referral.step.notify_duty.prompt") in notify
    summary = (await bot.click(step="notify_duty", ack=True))[0]
    assert bot.t("referral.step.summary.prompt") in summary
    assert "Plays football" in summary
    [receipt] = await bot.click(step="summary", action="send")
    assert receipt.startswith("Your referral BEK-2026-0001 has been sent to VINK")


async def test_summary_edit_changes_an_answer_and_returns_to_the_summary(
    transcript: Start,
) -> None:
    bot = transcript()
    await answer_until_description(bot, mode="2", age="4", signs="1")
    await bot.say(DESCRIPTION)
    await answer_context(bot)
    for said in ("Ali Hassan", "2007", "Nørre Gymnasium"):
        await bot.say(said)
    age_prompt = await bot.say("ret 3")
    assert bot.t("referral.step.age_band.prompt") in age_prompt[0]
    assert bot.t("referral.step.notify_duty.prompt") in (await bot.say("3"))[0]
    summary = (await bot.say("ok"))[0]
    assert bot.t("options.age_band.15_17") in summary
    # Switching to anonymous forgets the young person's identity at once.
    await bot.click(step="summary", action="edit", target="mode")
    await bot.say("1")
    assert "youth" not in bot.state["answers"]
    assert "Ali Hassan" not in str(bot.state)


async def test_an_old_card_click_reasks_the_current_step(transcript: Start) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    await bot.say("nej")
    again = await bot.click(step="acute", answer="yes")
    assert bot.t("referral.step.mode.prompt") in again[0]
    assert bot.state["answers"]["acute"] == "no"


async def test_a_draft_untouched_for_30_days_is_deleted(transcript: Start, clock: Clock) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    clock.advance(days=31)
    assert await bot.say("nej") == [bot.t("referral.draft_expired", days=30)]
    assert bot.state == {}


async def test_coming_back_after_a_while_resumes_where_it_stopped(
    transcript: Start, clock: Clock
) -> None:
    bot = transcript()
    await bot.say("ny bekymring")
    await bot.say("nej")
    clock.advance(hours=5)
    resumed = await bot.say("hej igen")
    assert resumed[0] == bot.t("referral.resumed")
    assert bot.t("referral.step.mode.prompt") in resumed[1]


async def test_my_referrals_lists_status_and_takes_additions(
    transcript: Start, referrals: Referrals
) -> None:
    bot = transcript()
    assert await bot.say("mine henvendelser") == [bot.t("referral.list.empty")]
    await answer_until_description(bot, mode="2", age="5", signs="10")
    await bot.say(DESCRIPTION)
    await answer_context(bot)
    await bot.say("send")
    [listing] = await bot.say("mine henvendelser")
    assert "BEK-2026-0001" in listing and bot.t("referral.status.new") in listing
    assert await bot.click(cmd="add_information", reference="BEK-2026-0001") == [
        bot.t("referral.add.prompt", reference="BEK-2026-0001")
    ]
    assert await bot.say("Han er nu også begyndt at pjække.") == [
        bot.t("referral.add.done", reference="BEK-2026-0001")
    ]
    assert [kind for kind, _, _ in await referrals.history("BEK-2026-0001")] == [
        "filed",
        "information_added",
    ]

    stranger = transcript(person=bot.person.__class__(id="29:other", aad_object_id="aad-other"))
    await stranger.say("tilføj oplysninger")
    await stranger.say("BEK-2026-0001")
    assert await stranger.say("Noget nyt") == [bot.t("referral.add.not_found")]
    assert await stranger.say("mine henvendelser") == [bot.t("referral.list.empty")]


async def test_every_card_of_the_dialog_is_a_valid_adaptive_card(transcript: Start) -> None:
    cards = []
    for language in ("da", "en"):
        bot = transcript(language=language)
        for said in (
            "ny bekymring",
            "ja",
            "ja",
            "2",
            "1",
            "1",
            "3",
            "ja",
            "1",
            "2",
            DESCRIPTION,
            "ja",
            "nej",
            "ved ikke",
            "nej",
            "spring over",
            "ok",
            "Ali Hassan",
            "2011",
            "Nørre Gymnasium",
            "annuller",
        ):
            await bot.say(said)
            cards.extend(bot.cards)
    assert len(cards) > 20
    problems = validate_cards(cards)
    found = [p for p in problems if p]
    assert found == [], "\n".join(str(p) for p in found)
