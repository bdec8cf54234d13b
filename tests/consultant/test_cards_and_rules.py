"""The consultant side's cards are valid Adaptive Cards 1.5 for Teams in both languages and
keep content off their public face; the pure rules (deadlines, transfers, resource matching,
the topic file) and command parsing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dialogs.consultant.cards import CaseCards, CaseDetails, ThreadNote
from dialogs.consultant.commands import ConsultantCommands
from dialogs.i18n import default_catalogue
from domain.casework import (
    Candidate,
    Deadlines,
    ReminderStage,
    TopicMapError,
    default_topic_map,
    may_transfer,
    other_unit,
    parse_topic_map,
    rank_resource_persons,
)
from domain.working_days import COPENHAGEN
from storage.audit import AuditEntry
from storage.casework import Case, CaseContent, CaseEvent, CaseMessage
from storage.resource_persons import ResourcePerson
from tests.tools.card_validation import validate_cards

CATALOGUE = default_catalogue()
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SECRET = 'Eleven sagde "vi skal ramme dem" & viste **billeder**.'

CASE = Case(
    id=7,
    reference="BEK-2026-0042",
    mode="named",
    status="new",
    unit="ssp",
    rule_id="crime_preventive",
    tags=("SSP+",),
    age_band="18_25",
    residence="yes",
    crime_status="concrete_plan",
    signs=("threats", "us_vs_them"),
    has_serious_sign=True,
    employee_role="teacher",
    employee_administration="buf",
    employee_pseudonym="p",
    created_at=NOW - timedelta(days=1),
    unit_since=NOW - timedelta(days=1),
    respond_by=NOW,
    claimed_by=None,
    claimed_by_name=None,
    claimed_at=None,
    closed_at=None,
    outcome=None,
    reminded_at=None,
    escalated_at=None,
)
PERSON = ResourcePerson(
    7, "Aisha Khan", ("polarisation",), "Dialog & sociale medier", None, True, NOW
)
DETAILS = CaseDetails(
    content=CaseContent(
        description=SECRET,
        context={"leader": "yes", "parents": "unknown", "protective": "Spiller fodbold"},
        youth={"name": "Ali Hansen", "birth_year": 2007, "school": "Nørre Gymnasium"},
        employee_name="Mette Hansen",
        additions=((NOW, "Mere information"),),
    ),
    messages=(CaseMessage(1, 7, "question", None, "aad-x", "ssp", "Hvornår?", NOW),),
    suggested=(PERSON,),
    candidates=((PERSON, 1),),
    events=(CaseEvent(NOW, "filed", "new", "ssp"), CaseEvent(NOW, "claimed", "claimed", "ssp")),
)


def cards() -> CaseCards:
    return CaseCards(CATALOGUE, deadlines=Deadlines(), topics=default_topic_map())


def samples(language: str) -> list[tuple[str, dict[str, Any]]]:
    c = cards()
    claimed = replace(CASE, status="claimed", claimed_by_name="Jonas Mikkelsen")
    closed = replace(CASE, status="closed", outcome="infohus_police")
    anonymous = replace(CASE, mode="anonymous", unit="vink", rule_id="anonymous")
    note = ThreadNote("answer", message_id=3)
    entry = AuditEntry("aad-x", "consultant", "view", "allowed", NOW, 7, "ssp")
    return [
        ("public", c.public(language, CASE, now=NOW, refresh_ids=["29:a", "29:b"])),
        ("public claimed", c.public(language, claimed, now=NOW)),
        ("public closed", c.public(language, closed, now=NOW)),
        ("superseded", c.public(language, CASE, now=NOW, superseded="transfer", to_unit="vink")),
        (
            "full",
            c.full(language, CASE, DETAILS, now=NOW, refresh_ids=["29:a"], note="OK", history=True),
        ),
        ("full anonymous", c.full(language, anonymous, DETAILS, now=NOW)),
        ("full closed", c.full(language, closed, DETAILS, now=NOW)),
        ("note public", c.note_public(language, CASE, note, refresh_ids=["29:a"])),
        ("note reminder", c.note_public(language, CASE, ThreadNote("reminder", extra={"days": 1}))),
        ("note full", c.note_full(language, CASE, note, SECRET)),
        ("question", c.question(language, anonymous, 3, SECRET)),
        ("queue", c.queue(language, [CASE, claimed], NOW)),
        ("audit", c.audit(language, CASE, [entry])),
        ("notice", c.notice("Tak")),
    ]


def test_every_card_passes_every_validator_in_both_languages() -> None:
    labelled = [(f"{name} ({lang})", card) for lang in ("da", "en") for name, card in samples(lang)]
    results = validate_cards([card for _, card in labelled])
    assert [
        (label, found) for (label, _), found in zip(labelled, results, strict=True) if found
    ] == []


def test_the_public_faces_carry_no_content() -> None:
    c = cards()
    for card in (
        c.public("da", CASE, now=NOW, refresh_ids=["29:a"]),
        c.note_public("da", CASE, ThreadNote("answer", message_id=3), refresh_ids=["29:a"]),
    ):
        shown = str(card)
        for secret in (SECRET, "Mette", "Ali Hansen", "Hvornår?"):
            assert secret not in shown
    full = str(c.full("da", CASE, DETAILS, now=NOW))
    for secret in (SECRET, "Mette Hansen", "Ali Hansen", "Hvornår?", "Aisha Khan"):
        assert secret in full


def test_refresh_is_limited_to_60_users_by_the_caller() -> None:
    card = cards().public("da", CASE, now=NOW, refresh_ids=[f"29:{n}" for n in range(60)])
    assert len(card["refresh"]["userIds"]) == 60
    assert "refresh" not in cards().public("da", CASE, now=NOW, refresh_ids=[])


# --- pure rules ----------------------------------------------------------------------------------


def cph(*args: int) -> datetime:
    return datetime(*args, tzinfo=COPENHAGEN)  # type: ignore[misc]


def test_deadlines_count_working_days_and_each_stage_once() -> None:
    deadlines = Deadlines()
    friday = cph(2026, 11, 27, 14, 30)
    assert deadlines.remind_at(friday) == cph(2026, 11, 30, 14, 30)
    assert deadlines.escalate_at(friday) == cph(2026, 12, 2, 14, 30)
    due = deadlines.due(since=friday, now=cph(2026, 12, 3, 9), reminded=False, escalated=False)
    assert due == [ReminderStage.REMIND_UNIT, ReminderStage.ESCALATE_LEAD]
    assert deadlines.due(since=friday, now=cph(2026, 12, 3, 9), reminded=True, escalated=True) == []
    # Christmas: 24 December is closed, 25-26 are holidays, then a weekend.
    assert deadlines.remind_at(cph(2026, 12, 23, 10)) == cph(2026, 12, 28, 10)
    assert deadlines.waiting(friday, cph(2026, 11, 30, 14, 30)) == 1.0
    with pytest.raises(ValueError):
        Deadlines(remind_after=3, escalate_after=1)


def test_transfers_go_to_the_other_unit_and_anonymous_advice_stays_with_vink() -> None:
    assert other_unit("vink") == "ssp" and other_unit("ssp") == "vink"
    assert may_transfer("named", "ssp") and may_transfer("anonymous", "vink")
    assert not may_transfer("anonymous", "ssp")


def test_resource_persons_are_ranked_by_topic_overlap() -> None:
    topics = default_topic_map()
    wanted = topics.of_referral(["us_vs_them", "isolation"], "none_known")
    assert wanted == {"polarisation", "identity", "mentoring", "family"}
    people = [
        Candidate(1, "Carl", frozenset({"conflict_areas"})),
        Candidate(2, "Bo", frozenset({"family", "mentoring"})),
        Candidate(3, "aisha", frozenset({"polarisation"})),
        Candidate(4, "Anna", frozenset({"identity"})),
    ]
    ranked = rank_resource_persons(people, wanted)
    assert [(c.name, score) for c, score in ranked] == [("Bo", 2), ("aisha", 1), ("Anna", 1)]
    nobody = rank_resource_persons(people[:1], frozenset({"family"}))
    assert [(c.name, score) for c, score in nobody] == [("Carl", 0)]


def test_the_topic_file_is_checked() -> None:
    topics = default_topic_map()
    for topic in topics.topics:
        assert CATALOGUE.has(f"consultant.topic.{topic}")
    with pytest.raises(TopicMapError, match="unknown id 'violense'"):
        parse_topic_map("topics: [a]\nsigns: {violense: [a]}")
    with pytest.raises(TopicMapError, match="unknown topic"):
        parse_topic_map("topics: [a]\nsigns: {violence: [b]}")


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("min kø", "queue", ""),
        ("My Queue", "queue", ""),
        ("sag BEK-2026-0042", "case", "BEK-2026-0042"),
        ("<at>VINK og SSP</at> registrer VINK", "register", "VINK"),
        ("Konsulent tilføj vink Ahmad@KK.dk", "consultant_add", "vink Ahmad@KK.dk"),
        (
            "ressourceperson tilføj Aisha Khan; polarisation; Dialog",
            "resource_add",
            "Aisha Khan; polarisation; Dialog",
        ),
        ("konsulenter", "members", ""),
        ("revision BEK-2026-0042", "audit", "BEK-2026-0042"),
    ],
)
def test_commands_are_recognised_with_their_arguments(text: str, name: str, args: str) -> None:
    command = ConsultantCommands(CATALOGUE).parse(text)
    assert command is not None and (command.name, command.args) == (name, args)


@pytest.mark.parametrize("text", ["ny bekymring", "sagen er alvorlig?", "kørekort", "hjælp"])
def test_ordinary_sentences_are_not_consultant_commands(text: str) -> None:
    command = ConsultantCommands(CATALOGUE).parse(text)
    assert command is None or command.name == "case"  # "sag…" needs a reference (the dialog)
