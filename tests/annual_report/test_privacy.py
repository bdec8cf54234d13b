"""No personal data in any output: every free-text and identifying field of the synthetic
year holds a marker (names, descriptions, the young person, contact details, Entra ids,
consultants, transfer reasons, closing notes, participants, event titles and places, case
references), and no output file, no card and no log line may contain one."""

from __future__ import annotations

import json
import logging

import pytest

from dialogs.statistics_dialog import VERB
from storage.report_queries import referral_query, training_query
from tests.annual_report.conftest import YEAR, Built
from tests.annual_report.synthetic import MARKERS, cipher
from tests.annual_report.test_statistics_card import ADMIN, dialog, incoming


def needles() -> list[bytes]:
    pseudonyms = [cipher().pseudonym(f"aad-MARKER-EMPLOYEE-{n}") for n in range(50)]
    return [marker.encode() for marker in (*MARKERS, *pseudonyms)] + [
        marker.lower().encode() for marker in MARKERS
    ]


async def test_no_marker_in_any_output_file_card_or_log(
    built: Built, caplog: pytest.LogCaptureFixture
) -> None:
    files = sorted(built.written.html.parent.iterdir())
    assert len(files) == 1 + 20 + 7  # HTML, 20 CSV, 7 PNG
    for path in files:
        content = path.read_bytes()
        for needle in needles():
            assert needle not in content, (path.name, needle)
    caplog.set_level(logging.DEBUG)
    outcome = await dialog(built).execute(incoming(ADMIN, verb=VERB, value={"period": "last_year"}))
    card = json.dumps(outcome.refreshed_card, ensure_ascii=False).encode()
    logged = "\n".join(record.getMessage() + str(record.__dict__) for record in caplog.records)
    for needle in needles():
        assert needle not in card
        assert needle.decode() not in logged


def test_the_queries_read_no_identifying_column() -> None:
    forbidden = {
        "reference", "employee_pseudonym", "employee_name_enc", "employee_contact_enc",
        "description_enc", "context_enc", "youth_enc", "claimed_by", "claimed_by_name",
        "participant_id", "participant_name_enc", "title", "description", "place",
        "online_url", "organiser", "audience", "text_enc", "author",
    }  # fmt: skip
    for query in (referral_query(YEAR.start, YEAR.end), training_query(YEAR.start, YEAR.end)):
        selected = {column.name for column in query.selected_columns}
        assert selected & forbidden == set()
        compiled = str(query.compile())
        # Participants are counted inside the database, never read out.
        compiled = compiled.replace("count(distinct(training_notices.participant_id))", "")
        for name in forbidden - {"title", "description", "place", "author", "reference"}:
            assert f".{name}" not in compiled, name
