"""Logs carry ids, never message text, names or case content: a whole referral and a training
sign-up by a person with planted markers, at DEBUG level, leave none of them in any log line
(ours or the libraries'). The consultant side's relay has its own such test
(tests/consultant/test_no_content_in_logs.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bench.fake_connector import FakeConnector
from bot.logging_setup import JsonFormatter
from bot.training_setup import TRAINING
from domain.training.events import EventData, EventKind
from tests.bot.conftest import StartBot
from tests.support import activities as a

MARKERS = ("Qwertyson", "Zorblax-Description-41", "Ulvskov-Gymnasium", "Protective-Pingvin")


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
    # configure_logging would quiet these; here they talk too, and must still not leak.
    for name in ("msrest", "botbuilder", "botframework", "aiohttp", "sqlalchemy.engine"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    root.setLevel(old)
    for name in ("msrest", "botbuilder", "botframework", "aiohttp", "sqlalchemy.engine"):
        logging.getLogger(name).setLevel(logging.NOTSET)


async def test_a_full_referral_at_debug_level_logs_no_content(
    start_bot: StartBot, connector: FakeConnector, debug_logs: list[str], database_url: str
) -> None:
    bot = await start_bot(log_level="DEBUG", database_url=database_url)
    sender = a.user(3, name=f"Mette {MARKERS[0]}")
    answers = [
        "ny bekymring",
        "nej",
        "2",
        "1",
        "1",
        "4",
        "ja",
        "1, 9",
        "1",
        f"Eleven sagde {MARKERS[1]} i frikvarteret og truede en lærer.",
        "ja",
        "nej",
        "ved ikke",
        "nej",
        MARKERS[3],
        "Ali Hassan",
        "2006",
        MARKERS[2],
        "send",
        "mine henvendelser",
    ]
    for number, said in enumerate(answers, 1):
        await bot.post(a.message(said, service_url=connector.url, sender=sender))
        await connector.wait_for_sent(number)
    receipt = connector.sent[-2]["attachments"][0]["content"]["fallbackText"]

    # Training, by the same person: a question, a sign-up from the card, "my sign-ups".
    training = bot.app[TRAINING]
    starts = datetime.now(UTC) + timedelta(days=20)
    theme_day = await training.create_event(
        EventData(
            kind=EventKind.THEME_DAY,
            title="Temadag om polarisering",
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            capacity=30,
            signup_deadline=starts - timedelta(days=2),
        ),
        now=datetime.now(UTC),
    )
    sent = len(answers)
    for incoming in (
        a.message("hvornår er næste temadag?", service_url=connector.url, sender=sender),
        a.submit(
            {"training": "signup", "event": theme_day.id}, service_url=connector.url, sender=sender
        ),
        a.message("mine tilmeldinger", service_url=connector.url, sender=sender),
    ):
        await bot.post(incoming)
        sent += 1
        await connector.wait_for_sent(sent)
    assert (await training.signup_status(theme_day.id, sender["aadObjectId"]))[0] == "confirmed"
    assert re.search(r"BEK-\d{4}-\d{4}", receipt)
    assert any('"referral.filed"' in line for line in debug_logs)  # logging did happen
    leaks = [line for line in debug_logs for marker in (*MARKERS, "Ali Hassan") if marker in line]
    assert leaks == []
