"""The admins' statistics card ("statistik" / "statistics"): the report's headline figures for
a chosen period, protected the same way; a polite refusal for everyone else; both audited."""

from __future__ import annotations

from typing import Any

from annual_report.figures import headline_source
from dialogs.consultant.roles import Roles
from dialogs.i18n import default_catalogue
from dialogs.main_dialog import MainDialog
from dialogs.my_referrals_dialog import MyReferralsDialog
from dialogs.referral.referral_dialog import ReferralDialog
from dialogs.statistics_dialog import VERB, StatisticsDialog
from dialogs.turn import Incoming, Person
from domain.routing import default_rules
from storage.audit import AuditLog
from storage.referrals import Referrals
from storage.units import UnitChannels, UnitMembers
from tests.annual_report.conftest import Built
from tests.annual_report.synthetic import NOW, cipher
from tests.support.transcript import Clock
from tests.tools.card_validation import validate_cards

CATALOGUE = default_catalogue()
ADMIN = Person(id="29:line", aad_object_id="aad-line", name="Line Pedersen", tenant_id="t")
OTHER = Person(id="29:bo", aad_object_id="aad-bo", name="Bo Berg", tenant_id="t")

# The 2026 headline as the Danish card shows it (compare tests/annual_report/test_report.py).
DANISH_2026 = [
    ("Henvendelser i alt", "29", "17"),
    ("Anonym sparring", "7", "x"),
    ("Henvendelser med navn", "22", "12"),
    ("Spørgsmål", "8", "5"),
    ("Hos VINK", "24", "x"),
    ("Hos SSP-sekretariatet med VINK", "5", "<5"),
    ("Tid til en konsulent tog den (median)", "0,25 arbejdsdage", "0,50 arbejdsdage"),
    ("Tid til en konsulent tog den (90 %-fraktil)", "0,50 arbejdsdage", "1,00 arbejdsdage"),
    ("Taget inden for 1 arbejdsdag", "x", "100 %"),
    ("Tid til afslutning (median)", "1,00 arbejdsdage", "–"),
    ("Påmindelser", "<5", "0"),
    ("Eskaleringer", "<5", "0"),
    ("Akut fare (112/114)", "<5", "<5"),
    ("Bor ikke i København", "6", "0"),
    ("Arrangementer afholdt", "3", "1"),
    ("Tilmeldinger til arrangementer", "18", "5"),
    ("Deltog i arrangementer", "14", "5"),
]


def dialog(built: Built) -> StatisticsDialog:
    engine = built.engine
    roles = Roles(
        admins=frozenset({"aad-line"}), channels=UnitChannels(engine), members=UnitMembers(engine)
    )
    return StatisticsDialog(
        CATALOGUE,
        roles=roles,
        figures=headline_source(engine),
        clock=lambda: NOW,
        audit=AuditLog(engine),
    )


def incoming(person: Person, *, language: str = "da", **kwargs: Any) -> Incoming:
    return Incoming(language=language, person=person, conversation_id="a:1", **kwargs)


def table_rows(card: dict[str, Any]) -> list[tuple[str, ...]]:
    table = next(item for item in card["body"] if item["type"] == "Table")
    return [tuple(cell["items"][0]["text"] for cell in row["cells"]) for row in table["rows"][1:]]


async def test_an_admin_chooses_last_year_and_sees_every_headline_figure(built: Built) -> None:
    statistics = dialog(built)
    outcome = await statistics.execute(incoming(ADMIN, verb=VERB, value={"period": "last_year"}))
    card = outcome.refreshed_card
    assert card is not None
    assert table_rows(card) == DANISH_2026
    assert card["body"][0]["text"] == "Nøgletal for 1.1.2026–31.12.2026"
    assert "1.1.2025–31.12.2025" in card["body"][1]["text"]
    choice = next(item for item in card["body"] if item["type"] == "Input.ChoiceSet")
    assert choice["value"] == "last_year" and len(choice["choices"]) == 6
    assert card["actions"][0]["verb"] == VERB
    assert "Henvendelser i alt: 29 (17)" in card["fallbackText"]
    assert validate_cards([card]) == [[]]


async def test_the_card_in_english(built: Built) -> None:
    outcome = await dialog(built).execute(
        incoming(ADMIN, language="en", verb=VERB, value={"period": "last_year"})
    )
    assert outcome.refreshed_card is not None
    rows = table_rows(outcome.refreshed_card)
    assert rows[0] == ("Referrals in total", "29", "17")
    assert rows[6] == ("Time until a consultant claimed it (median)", "0.25 working days",
                       "0.50 working days")  # fmt: skip
    assert rows[8] == ("Claimed within 1 working day", "x", "100%")


async def test_typing_statistik_shows_this_year_and_non_admins_are_refused(built: Built) -> None:
    statistics = dialog(built)
    referrals, clock = Referrals(built.engine, cipher()), Clock()
    main = MainDialog(
        CATALOGUE,
        referral=ReferralDialog(CATALOGUE, default_rules(), referrals, clock=clock),
        my_referrals=MyReferralsDialog(CATALOGUE, referrals, clock=clock),
        statistics=statistics,
    )
    shown = await main.handle(incoming(ADMIN, text="statistik"), {})
    card = shown.replies[0].card
    assert card is not None
    assert card["body"][0]["text"] == "Nøgletal for 1.1.2027–15.1.2027"
    refused = await main.handle(incoming(OTHER, text="Statistik"), {})
    assert [reply.text for reply in refused.replies] == [CATALOGUE.text("da", "statistics.refused")]
    clicked = await main.handle(incoming(OTHER, verb=VERB, value={"period": "last_year"}), {})
    assert clicked.refreshed_card is not None
    assert "29" not in str(clicked.refreshed_card)
    audit = await AuditLog(built.engine).recent(action="statistics")
    assert sorted((entry.actor, entry.outcome, entry.detail) for entry in audit) == [
        ("aad-bo", "refused", "not_admin"),
        ("aad-bo", "refused", "not_admin"),
        ("aad-line", "allowed", "this_year"),
    ]
