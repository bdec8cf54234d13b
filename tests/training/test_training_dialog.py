"""Transcripts of the training side: questions, sign-ups by card and by typing, "mine
tilmeldinger", subscriptions, standing questions, and the organisers' cards. Expected words come
from the catalogue; every card shown is checked by the Adaptive Card validators at the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dialogs.turn import Person
from domain.training.signups import Verdict
from storage.training import Participant, Training
from tests.support.transcript import Transcript
from tests.tools.card_validation import validate_cards
from tests.training.catalogue import CATALOGUE, NOW, event_data
from tests.training.conftest import CIPHER, ORGANISER

Start = Callable[..., Transcript]
SEED = ("C", "A", "B", "J", "E", "H", "I")  # H is over, I is cancelled below


@pytest.fixture
async def ids(sqlite_engine: Any) -> dict[str, int]:
    training = Training(sqlite_engine, CIPHER)
    found: dict[str, int] = {}
    for listed in CATALOGUE:
        if listed.key in SEED:
            capacity = 1 if listed.key == "B" else 30
            record = await training.create_event(event_data(listed, capacity=capacity), now=NOW)
            found[listed.key] = record.id
    await training.cancel_event(found["I"], now=NOW)
    return found


@pytest.fixture
def seen_cards() -> list[dict[str, Any]]:
    return []


def cards_of(bot: Transcript, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen.extend(bot.cards)
    return bot.cards


def title_of(key: str) -> str:
    return next(event.title for event in CATALOGUE if event.key == key)


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


async def test_asking_for_the_next_theme_day_and_signing_up_from_the_card(
    transcript: Start, ids: dict[str, int], seen_cards: list[dict[str, Any]]
) -> None:
    bot = transcript()
    [answer] = await bot.say("hvornår er næste temadag?")

    assert answer.startswith(bot.t("training.answer.next", what=bot.t("training.kind.theme_day")))
    assert title_of("A") in answer
    [card] = cards_of(bot, seen_cards)
    signup = next(a for a in actions_of(card) if a.get("data", {}).get("training") == "signup")
    assert signup["data"] == {"training": "signup", "event": ids["A"]}

    [confirmation] = await bot.click(**signup["data"])

    assert confirmation.startswith(bot.t("training.signup.confirmed", title=title_of("A")))
    [card] = cards_of(bot, seen_cards)
    calendar = next(a for a in actions_of(card) if a["type"] == "Action.OpenUrl")
    assert calendar["title"] == bot.t("training.button.calendar")
    assert calendar["url"] == f"https://files.test/ics/{ids['A']}/aad-mette"

    [again] = await bot.click(**signup["data"])
    assert again.startswith(bot.t("training.signup.already_confirmed", title=title_of("A")))


async def test_a_list_then_typing_tilmeld_2(
    transcript: Start, ids: dict[str, int], seen_cards: list[dict[str, Any]]
) -> None:
    bot = transcript()
    [answer] = await bot.say("er der noget om sociale medier i marts?")
    cards_of(bot, seen_cards)

    assert f"1. {title_of('J')}" in answer
    assert f"2. {title_of('A')}" in answer
    assert title_of("I") not in answer  # cancelled
    assert bot.t("training.answer.signup_hint") in answer

    [confirmation] = await bot.say("tilmeld 2")
    assert confirmation.startswith(bot.t("training.signup.confirmed", title=title_of("A")))
    [which] = await bot.say("tilmeld 7")
    assert which == bot.t("training.signup.which")


async def test_nothing_matches_says_so_and_shows_what_is_coming(
    transcript: Start, ids: dict[str, int], seen_cards: list[dict[str, Any]]
) -> None:
    bot = transcript()
    none, coming = await bot.say("kurser om våben")
    cards_of(bot, seen_cards)

    about = bot.t("training.summary.about", topics="våben")
    what = f"{bot.t('training.kind_plural.further_education')} {about}"
    assert none == bot.t("training.answer.none", what=what)
    assert coming.startswith(bot.t("training.answer.coming"))
    assert title_of("C") in coming  # the soonest three
    assert title_of("H") not in coming  # over


async def test_where_is_the_theme_day_on_the_12th(transcript: Start, ids: dict[str, int]) -> None:
    bot = transcript()
    [answer] = await bot.say("hvor foregår temadagen den 12.?")
    assert answer.splitlines()[0].startswith(f"{title_of('A')} (fredag den 12. marts 2027)")
    assert "Københavns Rådhus" in answer.splitlines()[0]


async def test_english_questions_get_english_answers(
    transcript: Start, ids: dict[str, int], seen_cards: list[dict[str, Any]]
) -> None:
    bot = transcript(language="en")
    [answer] = await bot.say("what's on next week?")
    cards_of(bot, seen_cards)

    week = bot.t("training.summary.range", start="1 Mar 2027", end="7 Mar 2027")
    assert answer.startswith(
        bot.t(
            "training.answer.list",
            what=f"{bot.t('training.summary.anything')} {week}",
            count=2,
        )
    )
    assert "Monday 1 March 2027, 10:00–11:30" in answer


async def test_the_standing_questions(transcript: Start, ids: dict[str, int]) -> None:
    bot = transcript()
    [extremism] = await bot.say("Hvad mener I med ekstremisme?")
    assert extremism == bot.t("training.faq.extremism")
    assert "totalitære ideologier, intolerance over for andres synspunkter" in extremism
    [radical] = await bot.say("hvad betyder radikalisering")
    assert "i stigende grad accepterer anvendelsen af udemokratiske" in radical
    [vink] = await bot.say("hvad er VINK?")
    assert vink == bot.t("training.faq.vink")
    english = transcript(language="en")
    [advice] = await english.say("how can I get advice?")
    assert advice == english.t("training.faq.advice")


async def test_a_full_event_puts_you_on_the_waitlist(
    transcript: Start, ids: dict[str, int], sqlite_engine: Any
) -> None:
    training = Training(sqlite_engine, CIPHER)
    await training.sign_up(ids["B"], Participant("aad-other", "Anden", "da"), now=NOW)
    bot = transcript()

    [answer] = await bot.click(training="signup", event=ids["B"])

    assert answer.startswith(bot.t("training.signup.waitlisted", title=title_of("B"), position=1))
    assert not any(a["type"] == "Action.OpenUrl" for a in actions_of(bot.cards[0]))


async def test_a_cancelled_event_says_why(transcript: Start, ids: dict[str, int]) -> None:
    bot = transcript()
    [answer] = await bot.click(training="signup", event=ids["I"])
    assert answer == bot.t("training.signup.event_cancelled", title=title_of("I"))


async def test_my_sign_ups_and_cancelling_one(
    transcript: Start, ids: dict[str, int], seen_cards: list[dict[str, Any]]
) -> None:
    bot = transcript()
    [empty] = await bot.say("mine tilmeldinger")
    assert empty == bot.t("training.mine.empty")
    await bot.click(training="signup", event=ids["A"])
    await bot.click(training="signup", event=ids["C"])

    [mine] = await bot.say("mine tilmeldinger")
    [card] = cards_of(bot, seen_cards)
    assert mine.splitlines()[0] == bot.t("training.mine.title")
    assert f"1. {title_of('C')}" in mine and bot.t("training.status.confirmed") in mine
    cancel = [a for a in actions_of(card) if a.get("data", {}).get("training") == "cancel_signup"]
    assert [a["data"]["event"] for a in cancel] == [ids["C"], ids["A"]]

    [done] = await bot.click(**cancel[0]["data"])
    cards_of(bot, seen_cards)
    assert done.startswith(bot.t("training.cancel.done", title=title_of("C")))
    [again] = await bot.click(**cancel[0]["data"])
    assert again == bot.t("training.cancel.not_signed_up", title=title_of("C"))


async def test_subscribing_to_news(transcript: Start, ids: dict[str, int]) -> None:
    bot = transcript()
    assert await bot.say("abonnér på kurser") == [bot.t("training.subscribe.done")]
    assert await bot.say("abonner") == [bot.t("training.subscribe.already")]
    [upcoming] = await bot.say("kurser og temadage")
    assert bot.t("training.upcoming.subscribed") in upcoming
    assert await bot.click(cmd="unsubscribe") == [bot.t("training.unsubscribe.done")]
    assert await bot.say("unsubscribe") == [bot.t("training.unsubscribe.not_subscribed")]


async def test_questions_do_not_start_a_referral_and_worries_still_do(
    transcript: Start, ids: dict[str, int]
) -> None:
    bot = transcript()
    [answer, *_] = await bot.say("kurser om bekymringshenvendelser")
    assert answer.startswith(bot.t("training.answer.none", what="").split(" ")[0])
    assert bot.state.get("flow") is None

    [card] = await bot.say("jeg er bekymret for en elev")
    assert bot.t("referral.step.acute.prompt") in card
    # A sign-up button clicked mid-referral works and leaves the draft alone.
    [confirmation] = await bot.click(training="signup", event=ids["C"])
    assert confirmation.startswith(bot.t("training.signup.confirmed", title=title_of("C")))
    assert bot.state["flow"] == "referral"

    other = transcript(person=Person(id="29:x", aad_object_id="aad-x"))
    sorry, _menu = await other.say("blå bananer")
    assert sorry == other.t("unknown.text")


async def test_only_organisers_get_the_organiser_cards(
    transcript: Start, ids: dict[str, int]
) -> None:
    bot = transcript()
    assert await bot.say("nyt arrangement") == [bot.t("training.organiser.only")]
    assert await bot.click(training="participants", event=ids["A"]) == [
        bot.t("training.organiser.only")
    ]


async def test_participant_names_stay_out_of_shared_chats(dialog: Any, ids: dict[str, int]) -> None:
    from dialogs.turn import Incoming

    boss = Person(id="29:org", aad_object_id=ORGANISER, name="Olga")
    for action in ("participants", "attendance"):
        outcome = await dialog.handle(
            Incoming(
                language="da",
                person=boss,
                conversation_id="19:channel",
                conversation_type="channel",
                value={"training": action, "event": ids["A"]},
            ),
            {},
        )
        [reply] = outcome.replies
        assert reply.text == Transcript(dialog).t("training.organiser.personal_only")


def organiser(start: Start, **kwargs: Any) -> Transcript:
    return start(
        person=Person(id="29:org", aad_object_id=ORGANISER, name="Olga Organiser"), **kwargs
    )


FORM = {
    "training": "save",
    "kind": "theme_day",
    "title": "Temadag om polarisering",
    "topics": "polarisation,democracy",
    "description": "Om os og dem.",
    "date": "2027-03-29",
    "start_time": "09:00",
    "end_time": "15:00",
    "place": "Valby Kulturhus",
    "capacity": "2",
    "deadline": "2027-03-22",
}


async def test_an_organiser_creates_edits_and_cancels_an_event(
    transcript: Start,
    ids: dict[str, int],
    sqlite_engine: Any,
    woken: list[int],
    seen_cards: list[dict[str, Any]],
) -> None:
    bot = organiser(transcript)
    [form] = await bot.say("nyt arrangement")
    cards_of(bot, seen_cards)
    assert form.startswith(bot.t("training.form.title_new"))

    [with_problems] = await bot.click(**{**FORM, "title": "", "end_time": "08:00"})
    cards_of(bot, seen_cards)
    assert bot.t("training.problem.field", field=bot.t("training.field.title"),
                 message=bot.t("training.problem.required")) in with_problems  # fmt: skip
    assert bot.t("training.problem.field", field=bot.t("training.field.end"),
                 message=bot.t("training.problem.end_before_start")) in with_problems  # fmt: skip
    inputs = {e["id"]: e.get("value") for e in bot.cards[0]["body"] if "id" in e}
    assert inputs["place"] == "Valby Kulturhus"  # what was typed is kept

    created, manage = await bot.click(**FORM)
    cards_of(bot, seen_cards)
    assert created == bot.t("training.manage.created")
    assert "Temadag om polarisering" in manage
    training = Training(sqlite_engine, CIPHER)
    [event] = [e for e in await training.events(after=NOW) if e.title == FORM["title"]]
    assert event.topics == ("polarisation", "democracy")
    assert event.starts_at.isoformat() == "2027-03-29T07:00:00+00:00"  # summer time

    for n in (1, 2, 3):
        await training.sign_up(event.id, Participant(f"aad-{n}", f"Deltager {n}", "da"), now=NOW)
    [_edit_form] = await bot.click(training="edit", event=event.id)
    values = {e["id"]: e.get("value") for e in bot.cards[0]["body"] if "id" in e}
    assert values["date"] == "2027-03-29" and values["start_time"] == "09:00"
    moved, _ = await bot.click(
        **{**values, "training": "save", "event": event.id, "place": "Rådhuset"}
    )
    assert moved == bot.t("training.manage.updated_moved", count=3)
    assert woken

    [participants] = await bot.click(training="participants", event=event.id)
    [card] = cards_of(bot, seen_cards)
    assert "1. Deltager 1" in participants and "1. Deltager 3" in participants
    csv = next(a for a in actions_of(card) if a["type"] == "Action.OpenUrl")
    assert csv["url"] == f"https://files.test/csv/{event.id}/{ORGANISER}"

    [_attendance] = await bot.click(training="attendance", event=event.id)
    cards_of(bot, seen_cards)
    choices = bot.cards[0]["body"][1]["choices"]
    [saved] = await bot.click(
        training="save_attendance", event=event.id, attended=choices[0]["value"]
    )
    assert saved == bot.t("training.attendance.saved", attended=1, confirmed=2)

    [question] = await bot.click(training="cancel_event", event=event.id)
    cards_of(bot, seen_cards)
    assert question == bot.t("training.manage.cancel_confirm", title=FORM["title"], count=3)
    [done] = await bot.click(training="cancel_event_confirmed", event=event.id)
    assert done == bot.t("training.manage.cancelled", title=FORM["title"], count=3)
    assert await bot.click(training="edit", event=event.id) == [
        bot.t("training.manage.not_editable")
    ]


async def test_an_organiser_announces_an_event(
    transcript: Start, ids: dict[str, int], sqlite_engine: Any, woken: list[int],
    seen_cards: list[dict[str, Any]],
) -> None:  # fmt: skip
    bot = organiser(transcript)
    assert await bot.click(training="announce", event=ids["A"]) == [
        bot.t("training.announce.no_subscribers")
    ]
    training = Training(sqlite_engine, CIPHER)
    for n in range(3):
        await training.subscribe(f"aad-{n}", language="da", now=NOW)

    [menu] = await bot.say("arrangør")
    cards_of(bot, seen_cards)
    assert menu.startswith(bot.t("training.organiser.title"))
    [manage] = await bot.click(training="manage", event=ids["A"])
    cards_of(bot, seen_cards)
    assert bot.t("training.manage.subscribers", count=3) in manage
    [confirm] = await bot.click(training="announce", event=ids["A"])
    assert confirm == bot.t("training.announce.confirm", title=title_of("A"), count=3)
    [started] = await bot.click(training="announce_confirmed", event=ids["A"])
    assert started == bot.t("training.announce.started", title=title_of("A"), count=3)
    assert woken
    assert await bot.click(training="announce_confirmed", event=ids["A"]) == [
        bot.t("training.announce.running")
    ]
    [figures] = await bot.click(training="figures")
    cards_of(bot, seen_cards)
    assert figures.startswith(bot.t("training.figures.title", year=2027))


async def test_every_training_card_is_a_valid_adaptive_card(
    transcript: Start, ids: dict[str, int], sqlite_engine: Any
) -> None:
    shown: list[dict[str, Any]] = []
    for language in ("da", "en"):
        bot = transcript(language=language)
        for said in ("hvornår er næste temadag?", "what's on next week?", "kurser og temadage"):
            await bot.say(said)
            shown.extend(bot.cards)
        await bot.click(training="signup", event=ids["A"])
        shown.extend(bot.cards)
        await bot.say("mine tilmeldinger")
        shown.extend(bot.cards)
        await bot.click(training="cancel_signup", event=ids["A"])
        shown.extend(bot.cards)
        boss = organiser(transcript, language=language)
        for value in (
            {"training": "new_event"},
            {**FORM, "title": ""},
            {"training": "manage", "event": ids["C"]},
            {"training": "participants", "event": ids["C"]},
            {"training": "attendance", "event": ids["C"]},
            {"training": "cancel_event", "event": ids["C"]},
            {"training": "figures"},
            {"training": "organiser_menu"},
        ):
            await boss.click(**value)
            shown.extend(boss.cards)
    training = Training(sqlite_engine, CIPHER)
    outcome = await training.sign_up(ids["C"], Participant("aad-p", "P", "da"), now=NOW)
    assert outcome.verdict is Verdict.CONFIRMED
    boss = organiser(transcript)
    await boss.click(training="attendance", event=ids["C"])
    shown.extend(boss.cards)

    assert len(shown) > 20
    problems = validate_cards(shown)
    assert [
        (card.get("fallbackText", "")[:40], p) for card, p in zip(shown, problems, strict=True) if p
    ] == []
