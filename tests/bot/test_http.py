"""The real aiohttp app over HTTP: the channel endpoint, health, and polite refusals."""

from __future__ import annotations

import json

import pytest

from bench.fake_connector import FakeConnector
from dialogs.i18n import default_catalogue
from tests.bot.conftest import RunningBot, StartBot
from tests.support import activities as a
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

TEXT = default_catalogue().text


def card_title(activity: dict) -> str:
    return activity["attachments"][0]["content"]["body"][0]["text"]


async def test_healthz_reports_a_reachable_database(running_bot: RunningBot) -> None:
    response = await running_bot.session.get(f"{running_bot.url}/healthz")
    assert response.status == 200
    assert (await response.json())["database"] == "ok"


async def test_healthz_is_503_when_the_database_is_unreachable(start_bot: StartBot) -> None:
    bot = await start_bot(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", migrate_on_start=False
    )
    response = await bot.session.get(f"{bot.url}/healthz")
    assert response.status == 503


async def test_install_in_personal_chat_sends_the_welcome_card(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    response = await running_bot.post(a.bot_added(service_url=connector.url))
    assert response.status == 201
    [welcome] = await connector.wait_for_sent(1)
    assert card_title(welcome) == TEXT("da", "welcome.title")
    assert welcome["conversation"]["id"] == a.personal()["id"]


async def test_added_to_a_team_sends_the_team_welcome(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    await running_bot.post(a.bot_added(service_url=connector.url, team=True))
    [welcome] = await connector.wait_for_sent(1)
    body = welcome["attachments"][0]["content"]["body"]
    assert body[1]["text"] == TEXT("da", "welcome.team_body")


@pytest.mark.parametrize(
    ("said", "locale", "language"), [("hjælp", "da-DK", "da"), ("help", "en-US", "en")]
)
async def test_help_answers_with_the_help_card_in_the_users_language(
    running_bot: RunningBot, connector: FakeConnector, said: str, locale: str, language: str
) -> None:
    incoming = a.message(said, service_url=connector.url, locale=locale)
    await running_bot.post(incoming)
    [reply] = await connector.wait_for_sent(1)
    assert card_title(reply) == TEXT(language, "help.title")
    # The reply goes to the activity's serviceUrl, threaded under the user's message.
    assert connector.calls[-1].path == (
        f"/v3/conversations/{incoming['conversation']['id']}/activities/{incoming['id']}"
    )


async def test_unknown_input_gets_a_polite_answer_and_the_menu(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    await running_bot.post(a.message("blå bananer", service_url=connector.url))
    sorry, menu = await connector.wait_for_sent(2)
    assert sorry["text"] == TEXT("da", "unknown.text")
    assert card_title(menu) == TEXT("da", "help.title")


async def test_cancel_with_nothing_running_says_so(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    await running_bot.post(a.message("annuller", service_url=connector.url))
    [reply] = await connector.wait_for_sent(1)
    assert reply["text"] == TEXT("da", "cancel.nothing")


async def test_action_submit_from_the_welcome_card_runs_the_command(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    await running_bot.post(a.submit({"cmd": "help"}, service_url=connector.url))
    [reply] = await connector.wait_for_sent(1)
    assert card_title(reply) == TEXT("da", "help.title")


async def test_action_execute_answers_200_with_the_card_that_replaces_the_clicked_one(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    # botbuilder 4.17.1's CloudAdapter.process answers this with HTTP 500 (bot.compat fix 1).
    response = await running_bot.post(
        a.execute("menu.help", service_url=connector.url, locale="en-GB")
    )
    assert response.status == 200
    body = json.loads(await response.text())
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["body"][0]["text"] == TEXT("en", "help.title")


async def test_a_redelivered_activity_does_nothing_twice(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    incoming = a.message("hjælp", service_url=connector.url)
    await running_bot.post(incoming)
    await running_bot.post(incoming)
    await running_bot.post(a.message("annuller", service_url=connector.url))
    sent = await connector.wait_for_sent(2)
    assert [bool(item.get("attachments")) for item in sent] == [True, False]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": "no type"}', "application/json", 400),
        (b"hello", "text/plain", 415),
    ],
)
async def test_malformed_requests_are_refused_without_a_stack_trace(
    running_bot: RunningBot, body: bytes, content_type: str, status: int
) -> None:
    response = await running_bot.session.post(
        f"{running_bot.url}/api/messages", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == status
    text = await response.text()
    assert "Traceback" not in text and 'File "' not in text
    assert (await response.json())["status"] == status


async def test_an_oversized_body_is_refused(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    huge = a.message("x" * 400_000, service_url=connector.url)
    response = await running_bot.post(huge)
    assert response.status == 413
    assert connector.calls == []


async def test_unknown_activity_types_are_accepted_and_ignored(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    activity = a.message("", service_url=connector.url)
    activity["type"] = "somethingNew"
    response = await running_bot.post(activity)
    assert response.status == 201
    assert connector.calls == []


async def test_responses_carry_security_headers(running_bot: RunningBot) -> None:
    response = await running_bot.session.get(f"{running_bot.url}/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    missing = await running_bot.session.get(f"{running_bot.url}/nothing-here")
    assert missing.status == 404
    assert missing.headers["X-Frame-Options"] == "DENY"


async def test_with_an_app_id_an_unauthenticated_request_gets_401_and_runs_no_turn(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot(
        app_id="11111111-2222-3333-4444-555555555555",
        app_password="a-real-looking-secret-value",
        app_tenant_id="tenant-kk",
        data_encryption_keys=TEST_KEYS,
        pseudonym_key=TEST_PSEUDONYM_KEY,
    )
    response = await bot.post(a.message("hjælp", service_url=connector.url))
    assert response.status == 401
    forged = await bot.post(
        a.message("hjælp", service_url=connector.url), Authorization="Bearer not.a.token"
    )
    assert forged.status == 401
    assert connector.calls == []


async def test_added_to_a_group_chat_sends_the_group_welcome(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    activity = a.bot_added(service_url=connector.url)
    activity["conversation"] = {"id": "19:group@thread.v2", "conversationType": "groupChat"}
    await running_bot.post(activity)
    [welcome] = await connector.wait_for_sent(1)
    assert welcome["attachments"][0]["content"]["body"][1]["text"] == TEXT(
        "da", "welcome.group_body"
    )


async def test_a_referral_is_never_started_outside_the_personal_chat(
    running_bot: RunningBot, connector: FakeConnector
) -> None:
    group = {"id": "19:group@thread.v2", "conversationType": "groupChat"}
    await running_bot.post(a.message("ny bekymring", service_url=connector.url, conversation=group))
    [reply] = await connector.wait_for_sent(1)
    assert reply["text"] == TEXT("da", "referral.personal_only")
