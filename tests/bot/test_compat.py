"""Each botbuilder 4.17.1 fix in `bot.compat` has a test here that fails without the fix.
(Fix 1, invoke responses over HTTP, is proven in test_http.py's Action.Execute test.)"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import requests
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from bench.fake_connector import FakeConnector, Fault
from bot import compat
from bot.app import PROACTIVE
from bot.http import ADAPTER
from dialogs.i18n import default_catalogue
from dialogs.turn import Reply
from tests.bot.conftest import RunningBot, StartBot
from tests.support import activities as a

TEXT = default_catalogue().text


# --- 2. Action.Execute value as dict or object -------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"action": {"verb": "claim", "data": {"id": 7}}},
        SimpleNamespace(action={"verb": "claim", "data": {"id": 7}}),
        SimpleNamespace(action=SimpleNamespace(verb="claim", data={"id": 7})),
    ],
)
def test_card_action_reads_verb_and_data_from_any_shape(value: Any) -> None:
    assert compat.card_action(value) == ("claim", {"id": 7})


def test_card_action_of_garbage_is_empty() -> None:
    assert compat.card_action(None) == (None, {})
    assert compat.card_action({"action": {"verb": 3, "data": "x"}}) == (None, {})


# --- 3. channel posts need bot_app_id -------------------------------------------------------


async def test_send_to_channel_starts_a_thread_in_development_mode(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    adapter = running_bot.app[ADAPTER]
    reference = ConversationReference().deserialize(
        {
            "channelId": "msteams",
            "serviceUrl": connector.url,
            "bot": {"id": "28:bot"},
            "conversation": {"id": "19:general@thread.tacv2", "conversationType": "channel"},
        }
    )
    created: list[Any] = []

    async def logic(turn_context: TurnContext) -> None:
        created.append(
            await compat.send_to_channel(
                turn_context, Activity(type="message", text="ny sag"), "19:vink@thread.tacv2", ""
            )
        )

    await adapter.continue_conversation(reference, logic, None)
    [(new_reference, activity_id)] = created
    assert activity_id and new_reference.conversation.id
    [call] = [c for c in connector.calls if c.path == "/v3/conversations"]
    assert call.body["channelData"]["channel"]["id"] == "19:vink@thread.tacv2"


# --- 4. throttled and failing sends are retried ------------------------------------------


async def test_a_throttled_reply_is_retried_until_it_gets_through(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    connector.fail_next(Fault(429, retry_after="0"), Fault(503, retry_after="0"), Fault(502, "0"))
    await running_bot.post(a.message("hjælp", service_url=connector.url))
    [reply] = await connector.wait_for_sent(1)
    assert reply["attachments"]
    assert len(connector.calls) == 4


async def test_retries_are_bounded(start_bot: StartBot, connector: FakeConnector) -> None:
    bot = await start_bot(send_max_attempts=3)
    connector.fail_next(*[Fault(429, retry_after="0")] * 3)
    await bot.post(a.message("hjælp", service_url=connector.url))
    # The reply was given up after 3 attempts; the apology that followed got through.
    [apology] = await connector.wait_for_sent(1)
    assert apology["text"].startswith(TEXT("da", "errors.apology", correlation_id="")[:20])
    assert len(connector.calls) == 4


async def test_client_errors_are_not_retried(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    connector.fail_next(Fault(403), Fault(403))
    await running_bot.post(a.message("hjælp", service_url=connector.url))
    assert len(connector.calls) == 2  # the reply once, the apology once


def test_retry_after_is_honoured_and_capped() -> None:
    policy = compat.RetryPolicy(compat.RetrySettings(max_delay=10.0), jitter=lambda: 1.0)
    assert policy.delay(1, compat.retry_after_seconds("3")) == 3.0
    assert policy.delay(1, compat.retry_after_seconds("120")) == 10.0
    assert policy.delay(3, None) == 2.0  # 0.5 * 2**2, full jitter at its ceiling
    assert compat.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert compat.retry_after_seconds("soon") is None


def test_backoff_has_jitter() -> None:
    policy = compat.RetryPolicy(compat.RetrySettings(), jitter=lambda: 0.25)
    assert policy.delay(2, None) == 0.25


# --- 5. CPU: the msrest retry-policy scan, per-turn clients, the requests thread pool -------


def test_msrest_retry_policy_no_longer_scans_its_status_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from msrest.universal_http.requests import ClientRetryPolicy

    compat.patch_msrest_retry_policy()

    class CountingList(list):
        lookups = 0

        def __contains__(self, item: object) -> bool:
            CountingList.lookups += 1
            return super().__contains__(item)

    monkeypatch.setattr(ClientRetryPolicy, "safe_codes", CountingList(ClientRetryPolicy.safe_codes))
    policy = ClientRetryPolicy()
    assert CountingList.lookups == 0
    original = [code for code in range(999) if code not in ClientRetryPolicy.safe_codes]
    assert policy.policy.status_forcelist == original


async def test_one_connector_client_serves_every_turn_and_requests_is_not_used(
    running_bot: RunningBot, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_requests(*_: Any, **__: Any) -> None:
        raise AssertionError("outbound calls must go through the shared aiohttp session")

    monkeypatch.setattr(requests.Session, "send", no_requests)
    for said in ("hjælp", "annuller", "help"):
        await running_bot.post(a.message(said, service_url=connector.url))
    await connector.wait_for_sent(3)
    authentication = running_bot.app[ADAPTER].bot_framework_authentication
    clients = list(authentication._clients.values())
    assert len(clients) == 1


# --- proactive sends use the same path -----------------------------------------------------


async def test_proactive_message_reaches_a_stored_conversation(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    await running_bot.post(a.bot_added(service_url=connector.url))
    await connector.wait_for_sent(1)
    await running_bot.app[PROACTIVE].send(a.personal()["id"], [Reply(text="Din sag er modtaget")])
    sent = await connector.wait_for_sent(2)
    assert sent[-1]["text"] == "Din sag er modtaget"
