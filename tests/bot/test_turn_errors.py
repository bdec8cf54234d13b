"""A failing turn: logged with a correlation id and no content, an apology in the user's
language, and the activity can be redelivered and succeed."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bench.fake_connector import FakeConnector
from bot.logging_setup import JsonFormatter
from dialogs.i18n import default_catalogue
from dialogs.main_dialog import MainDialog
from tests.bot.conftest import RunningBot
from tests.support import activities as a

TEXT = default_catalogue().text
SECRET = "Ahmed fra 7.b sagde noget om våben"


@pytest.fixture
def captured_logs() -> Any:
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(JsonFormatter().format(record))

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_a_failing_turn_apologises_logs_an_id_and_can_be_redelivered(
    running_bot: RunningBot,
    connector: FakeConnector,
    monkeypatch: pytest.MonkeyPatch,
    captured_logs: list[str],
) -> None:
    real_handle = MainDialog.handle

    async def broken(self: MainDialog, incoming: Any, state: Any) -> Any:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(MainDialog, "handle", broken)
    incoming = a.message(SECRET, service_url=connector.url, locale="en-US")
    await running_bot.post(incoming)
    [apology] = await connector.wait_for_sent(1)

    failures = [json.loads(line) for line in captured_logs if '"turn.failed"' in line]
    assert len(failures) == 1
    code = failures[0]["correlation_id"]
    assert apology["text"] == TEXT("en", "errors.apology", correlation_id=code)
    assert failures[0]["error_type"] == "RuntimeError"
    assert all(SECRET not in line and "Ahmed" not in line for line in captured_logs)

    # Teams redelivers; this time the turn succeeds (the failed claim was released).
    monkeypatch.setattr(MainDialog, "handle", real_handle)
    await running_bot.post(incoming)
    sent = await connector.wait_for_sent(3)
    assert sent[1]["text"] == TEXT("en", "unknown.text")


async def test_after_a_failed_turn_the_dialog_continues_where_it_was(
    running_bot: RunningBot, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    await running_bot.post(a.message("ny bekymring", service_url=connector.url))
    await connector.wait_for_sent(1)
    real_handle = MainDialog.handle

    async def broken(self: MainDialog, incoming: Any, state: Any) -> Any:
        state["answers"]["acute"] = "garbage"  # a half-done change must not be saved
        raise RuntimeError("boom")

    monkeypatch.setattr(MainDialog, "handle", broken)
    await running_bot.post(a.message("nej", service_url=connector.url))
    await connector.wait_for_sent(2)  # the apology
    monkeypatch.setattr(MainDialog, "handle", real_handle)
    await running_bot.post(a.message("nej", service_url=connector.url))
    sent = await connector.wait_for_sent(3)
    card = sent[-1]["attachments"][0]["content"]
    assert TEXT("da", "referral.step.mode.prompt") in card["fallbackText"]
