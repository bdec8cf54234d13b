"""The consultant side logs ids, never content: a referral delivered, claimed, asked about,
answered and closed, at DEBUG level (ours and the libraries'), leaves no marker in any line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import JsonFormatter
from tests.consultant.conftest import (
    AHMAD,
    EMPLOYEE,
    JONAS,
    SSP_CHANNEL,
    Desk,
    card_of,
    execute_data,
)

MARKERS = {
    "description": "Zorblax-Beskrivelse-77",
    "question": "Quibbleton-Spørgsmål-12",
    "answer": "Fnordsen-Svar-90",
    "note": "Wibblestad-Notat-33",
    "reason": "Grommet-Begrundelse-55",
    "employee": "Mette Sørensen-Plantet",
}
NOISY = ("msrest", "botbuilder", "botframework", "aiohttp", "sqlalchemy.engine")


@pytest.fixture
def debug_logs() -> Iterator[list[str]]:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(JsonFormatter().format(record))

    root = logging.getLogger()
    handler = Collect(level=logging.DEBUG)
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    root.setLevel(old)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.NOTSET)


async def test_the_whole_case_work_logs_no_content(desk: Desk, debug_logs: list[str]) -> None:
    filed = await desk.file(description=MARKERS["description"], employee_name=MARKERS["employee"])
    await desk.deliver()
    data = execute_data(card_of(desk.new_threads()[-1]), "referral.details")
    await desk.click("referral.details", data, sender=AHMAD)
    await desk.click("referral.claim", data, sender=AHMAD)
    await desk.click("referral.ask", {**data, "question": MARKERS["question"]}, sender=AHMAD)
    await desk.deliver()
    [question] = [m for m in desk.to_employee() if m.get("attachments")][-1:]
    answer = execute_data(card_of(question), "referral.answer")
    await desk.click(
        "referral.answer",
        {**answer, "answer": MARKERS["answer"]},
        sender=EMPLOYEE,
        where="personal",
    )
    await desk.click(
        "referral.transfer", {**data, "transfer_reason": MARKERS["reason"]}, sender=AHMAD
    )
    await desk.deliver()
    ssp = execute_data(card_of(desk.new_threads(SSP_CHANNEL)[-1]), "referral.details")
    await desk.click(
        "referral.close",
        {**ssp, "close_outcome": "advice_given", "close_note": MARKERS["note"]},
        sender=JONAS,
        where="ssp",
    )
    await desk.deliver()

    case = await desk.side.casework.get(filed.id)
    assert case is not None and (case.unit, case.status) == ("ssp", "closed")  # it all happened
    assert any('"delivery.posted"' in line for line in debug_logs)  # logging did happen
    leaks = [line for line in debug_logs for marker in MARKERS.values() if marker in line]
    assert leaks == []
