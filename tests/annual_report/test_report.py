"""The annual report on a year with known counts (tests/annual_report/synthetic.py): every
figure of every CSV file, the same figures in the HTML report, on SQLite and PostgreSQL.

The expected tables were worked out by hand from the synthetic year (the module docstring and
the comments below say how); "<5" marks a count of 1-4, "x" a count hidden so that a "<5"
cannot be worked out from the totals, "–" a change from 0 or a statistic of nothing.
"""

from __future__ import annotations

import csv
from html.parser import HTMLParser
from pathlib import Path

from annual_report.cli import generate
from storage.retention import reduce_closed_referrals
from tests.annual_report.conftest import YEAR, Built
from tests.annual_report.synthetic import NOW

C = "Kategori;2026;2025;Ændring;Ændring i %"
EXPECTED: dict[str, list[str]] = {
    "00-noegletal": [
        "Nøgletal;2026;2025",
        "Henvendelser i alt;29;17",
        "Anonym sparring;7;x",  # 2025: 5 anonymous, hidden to protect the 2 crime-preventive
        "Henvendelser med navn;22;12",
        "Spørgsmål;8;5",
        "Hos VINK;24;x",
        "Hos SSP-sekretariatet med VINK;5;<5",
        "Tid til en konsulent tog den, median;0,25;0,50",
        "Tid til en konsulent tog den, 90 %-fraktil;0,50;1,00",
        "Taget inden for 1 arbejdsdag;x;100 %",  # 2026: 25 of 29, and 4 is a small count
        "Tid til afslutning, median;1,00;–",
        "Påmindelser;<5;0",
        "Eskaleringer;<5;0",
        "Akut fare (112/114);<5;<5",
        "Bor ikke i København;6;0",
        "Arrangementer afholdt;3;1",
        "Tilmeldinger;18;5",
        "Deltog;14;5",
    ],
    "01-henvendelser-efter-type": [
        C,
        "Anonym sparring;7;x;x;x",
        "Henvendelse med navn;22;12;+10;+83 %",
        "I alt;29;17;+12;+71 %",
        "Spørgsmål;8;5;+3;+60 %",
    ],
    # Feb 2026: 1 (A) + 4 (SSP+) = 5; every other month 1-4. May 2025: 1 (A) + 5 (B) = 6.
    "02-henvendelser-pr-maaned": [
        "Måned;Henvendelser 2026;Henvendelser 2025;Spørgsmål 2026;Spørgsmål 2025",
        "januar 2026;<5;<5;<5;<5",
        "februar 2026;5;<5;<5;<5",
        "marts 2026;<5;<5;<5;<5",
        "april 2026;<5;<5;0;<5",
        "maj 2026;<5;6;<5;<5",
        "juni 2026;<5;<5;0;0",
        "juli 2026;<5;<5;0;0",
        "august 2026;<5;<5;<5;0",
        "september 2026;<5;<5;<5;0",
        "oktober 2026;<5;<5;0;0",
        "november 2026;<5;0;<5;0",
        "december 2026;<5;0;0;0",
        "I alt;29;17;8;5",
    ],
    # Routed in 2026: VINK 22 (A 12, B 6, D 3, E 1), SSP 3 (October), SSP+ 4 (February).
    "03-henvendelser-efter-rute-ved-modtagelsen": [
        C,
        "VINK;x;x;x;x",
        "SSP-sekretariatet med VINK;<5;<5;x;x",
        "SSP+ (18-25 år);<5;0;x;x",
        "I alt;29;17;+12;+71 %",
    ],
    "04-henvendelser-efter-routingregel": [
        C,
        "Anonym, kriminalpræventiv;<5;0;x;x",
        "Anonym sparring;x;x;x;x",
        "Kriminalpræventiv;x;<5;x;x",
        "Modstandsidentitet og polarisering;12;x;x;x",
        "Uafklaret (VINK vurderer);<5;0;x;x",
        "I alt;29;17;+12;+71 %",
    ],
    # Two October referrals moved from SSP to VINK: VINK 22 + 2, SSP 7 - 2.
    "05-henvendelser-efter-enhed-efter-eventuel-overflytning": [
        C,
        "VINK;24;x;x;x",
        "SSP-sekretariatet med VINK;5;<5;x;x",
        "I alt;29;17;+12;+71 %",
    ],
    "06-enhed-ved-modtagelsen-og-enhed-nu-overflytninger": [
        "Kategori;VINK;SSP-sekretariatet med VINK;I alt",
        "VINK;x;0;x",
        "SSP-sekretariatet med VINK;<5;<5;<5",
        "SSP+ (18-25 år);0;<5;<5",
        "I alt;24;5;29",
    ],
    "07-henvendelser-efter-medarbejderens-forvaltning": [
        C,
        "Børne- og Ungdomsforvaltningen;12;10;+2;+20 %",
        "Socialforvaltningen;6;x;x;x",
        "Beskæftigelses- og Integrationsforvaltningen;7;<5;x;x",
        "Kultur- og Fritidsforvaltningen;<5;0;x;x",
        "Sundheds- og Omsorgsforvaltningen;<5;0;x;x",
        "Anden arbejdsplads;0;0;0;–",
        "I alt;29;17;+12;+71 %",
    ],
    "08-henvendelser-efter-medarbejderens-faggruppe": [
        C,
        "Lærer eller pædagog;12;10;+2;+20 %",
        "Klub- eller fritidsmedarbejder;6;x;x;x",
        "Gadeplansmedarbejder;7;<5;x;x",
        "Sagsbehandler eller socialrådgiver;<5;0;x;x",
        "Jobcenter eller uddannelsesvejleder;<5;0;x;x",
        "Sundhedsplejerske eller psykolog;0;0;0;–",
        "SSP-medarbejder;0;0;0;–",
        "Anden faggruppe;0;0;0;–",
        "I alt;29;17;+12;+71 %",
    ],
    # 18-25: 4 SSP+ and 1 anonymous = 5, hidden to protect the 3 of unknown age.
    "09-henvendelser-efter-den-unges-alder": [
        C,
        "Under 10 år;0;0;0;–",
        "10-14 år;6;5;+1;+20 %",
        "15-17 år;15;12;+3;+25 %",
        "18-25 år;x;0;x;x",
        "Over 25 år;0;0;0;–",
        "Alder ukendt;<5;0;x;x",
        "I alt;29;17;+12;+71 %",
    ],
    "10-henvendelser-efter-tegn": [
        C,
        "Alvorlige tegn;8;<5;x;x",
        "Kun andre tegn;12;10;+2;+20 %",
        "Ingen tegn angivet;9;x;x;x",
        "I alt;29;17;+12;+71 %",
    ],
    "11-henvendelser-der-naevner-hvert-tegn": [
        C,
        "Vold eller parathed til vold;7;<5;x;x",
        "Adgang til våben;<5;0;x;x",
        "Trusler eller chikane;0;0;0;–",
        "Brandstiftelse eller hærværk af had;0;0;0;–",
        "Spreder voldslegitimerende budskaber;0;0;0;–",
        "Kontakt til kendte voldelige ekstremister;0;0;0;–",
        "Planer om rejse til konflikt- eller træningsområde;0;0;0;–",
        "Opsøger ekstremistisk indhold eller arrangementer;0;0;0;–",
        "Intolerance;0;0;0;–",
        "Os-og-dem-tænkning;19;12;+7;+58 %",
        "Ekstremistiske symboler;0;0;0;–",
        "Isolation;12;10;+2;+20 %",
        "Pludselig ændring af venner eller adfærd;0;0;0;–",
    ],
    # Open: December's A, the October referral claimed after its transfer, two of D.
    "12-henvendelser-efter-afslutning": [
        C,
        "Rådgivning givet;17;0;+17;–",
        "Henvist til SSP-lokaludvalg;<5;0;x;x",
        "Henvist til socialforvaltningen;<5;0;x;x",
        "Henvist til Infohus/politiet;<5;0;x;x",
        "Ubegrundet;<5;0;x;x",
        "Åben;<5;17;x;x",
        "I alt;29;17;+12;+71 %",
    ],
    # Claims 2026 (27, in working days): 0.0625, 0.125 x4 (Saturday, evening, October),
    # 0.25 x18 (A, Maundy Thursday, Friday 15:00, ...), 0.5 x2, 1.25, 3.25 → median 0.25,
    # 90th percentile 0.5. Closes (25): ... 1.0 x13, 2.0 x2, 5, 10, 11, 15, 20 → 1.0 and 10.6.
    "13-svartider-i-arbejdsdage": [
        "Nøgletal;2026;2025",
        "Tid til en konsulent tog henvendelsen, median;0,25;0,50",
        "Tid til en konsulent tog henvendelsen, 90 %-fraktil;0,50;1,00",
        "Andel taget inden for 1 arbejdsdag;x;100 %",
        "Tid til afslutning, median;1,00;–",
        "Tid til afslutning, 90 %-fraktil;10,60;–",
        "Endnu ikke taget ved opgørelsen;<5;0",
        "Påmindelser sendt til kanalen;<5;0",
        "Eskaleringer sendt til enhedens leder;<5;0",
    ],
    "14-samtaler-der-sluttede-uden-henvendelse": [
        C,
        "Akut fare: henvist til 112/114;<5;<5;x;x",
        "Bor ikke i København: henvist til hotline eller bopælskommune;6;0;+6;–",
    ],
    "15-arrangementer-efter-type": [
        "Kategori;Afholdt 2026;Aflyst 2026;Afholdt 2025;Aflyst 2025",
        "Oplæg;1;0;1;0",
        "Temadag;2;0;0;0",
        "Efteruddannelse;0;1;0;0",
        "Dialogmøde;0;0;0;0",
        "Netværksmøde;0;0;0;0",
        "I alt;3;1;1;0",
    ],
    "16-arrangementer-efter-emne": [
        "Kategori;Arrangementer 2026;Arrangementer 2025",
        "Radikalisering;1;0",
        "Ekstremisme;1;1",
        "Konkrete ekstreme grupper;0;0",
        "Højreekstremisme;0;0",
        "Venstreekstremisme;0;0",
        "Militant islamisme;0;0",
        "Religiøse aktører i København;0;0",
        "Interkulturel dialog;0;0",
        "Sociale medier;2;0",
        "Rekruttering;0;0",
        "Polarisering og modstandsidentitet;0;0",
        "Konspirationsteorier og misinformation;0;0",
        "Bekymringshenvendelser og tegn;0;0",
        "Hadforbrydelser;0;0",
        "Bander og kriminelle fællesskaber;0;0",
        "Den svære samtale med unge;0;0",
        "Demokrati og medborgerskab;0;0",
    ],
    # Theme days: 6 + 7 confirmed, 1 waitlisted, 1 cancelled; the talk: 2 confirmed, 1
    # cancelled; the cancelled course's sign-ups are not counted.
    "17-tilmeldinger-efter-type-status-ved-opgoerelsen": [
        "Kategori;Fik plads;På venteliste;Afmeldt;Tilmeldinger i alt",
        "Oplæg;<5;0;<5;<5",
        "Temadag;x;<5;<5;x",
        "Efteruddannelse;0;0;0;0",
        "Dialogmøde;0;0;0;0",
        "Netværksmøde;0;0;0;0",
        "I alt;15;<5;<5;18",
    ],
    "18-fremmoede-og-ventelisten": [
        "Kategori;Deltog 2026;Deltog 2025;Rykket op fra venteliste 2026;"
        "Rykket op fra venteliste 2025",
        "Oplæg;<5;5;0;0",
        "Temadag;x;0;<5;0",
        "Efteruddannelse;0;0;0;0",
        "Dialogmøde;0;0;0;0",
        "Netværksmøde;0;0;0;0",
        "I alt;14;5;<5;0",
    ],
    "19-tilmeldinger-sammenlignet-med-aaret-foer": [
        C,
        "Fik plads;15;5;+10;+200 %",
        "På venteliste;<5;0;x;x",
        "Afmeldt;<5;0;x;x",
        "Tilmeldinger i alt;18;5;+13;+260 %",
    ],
}


def read_csv(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [";".join(row) for row in csv.reader(handle, delimiter=";")]


async def test_every_csv_figure(built: Built) -> None:
    found = {path.stem: read_csv(path) for path in built.written.csv}
    assert set(found) == set(EXPECTED)
    for name, rows in EXPECTED.items():
        assert found[name] == rows, name


async def test_csv_files_are_for_danish_excel(built: Built) -> None:
    raw = built.written.csv[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert b";" in raw and b"\r\n" in raw


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[str]] = []
        self.images: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(";".join(self._row))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


async def test_the_html_report_has_every_table_chart_and_the_method_note(built: Built) -> None:
    page = built.written.html.read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(page)
    assert parser.tables == [EXPECTED[name] for name in sorted(EXPECTED)]
    assert len(parser.images) == len(built.written.png) == 7
    assert all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert "<script" not in page and "http" not in page.replace(
        "http://www.w3.org", ""
    )  # self-contained: nothing is fetched
    assert "Metode" in page and "Faggruppe og forvaltning registreres ikke" in page
    assert "FRAKTIL.MEDTAG" in page and "gemmes ikke" in page


async def test_referrals_reduced_by_retention_still_count(built: Built, tmp_path: Path) -> None:
    """Retention reduces old closed referrals to their statistical fields; the figures stay."""
    while await reduce_closed_referrals(built.engine, closed_before=NOW, now=NOW, batch=10):
        pass
    written = await generate(built.engine, YEAR, tmp_path / "again", now=NOW)
    assert {path.stem: read_csv(path) for path in written.csv} == EXPECTED
