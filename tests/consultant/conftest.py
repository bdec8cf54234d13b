"""The real app over HTTP with the fake connector, set up as the units use it: an admin, two
unit channels in two teams with their rosters, consultants, a lead, and an employee who has a
personal chat with the bot. Workers are off; tests run the jobs with `desk.deliver()` and a
controllable clock, so every step is deterministic."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import aiohttp
import pytest

import tests.bot.conftest as bot_fixtures
from bench.fake_connector import Call, FakeConnector
from bot.app import REFERRALS, WORKERS
from bot.consultant_side import CONSULTANT_SIDE, DELIVERY_JOB, REMINDER_JOB, ConsultantSide
from dialogs.i18n import default_catalogue
from storage.referrals import FiledReferral
from tests.bot.conftest import RunningBot, StartBot
from tests.consultant.support import NOW, new_referral
from tests.support import activities as a
from tests.support.transcript import Clock

TEXT = default_catalogue().text
# The app over HTTP and the fake connector: the fixtures of tests/bot, shared.
connector = bot_fixtures.connector
start_bot = bot_fixtures.start_bot
_ids = itertools.count(1000)

VINK_TEAM, VINK_CHANNEL = "19:vink-team@thread.tacv2", "19:vink@thread.tacv2"
SSP_TEAM, SSP_CHANNEL = "19:ssp-team@thread.tacv2", "19:ssp@thread.tacv2"


def person(key: str, name: str) -> dict[str, Any]:
    return {"id": f"29:{key}", "name": name, "aadObjectId": f"aad-{key}"}


ADMIN = person("line", "Line Pedersen")
AHMAD = person("ahmad", "Ahmad Khalil")  # VINK consultant (roster)
SOFIE = person("sofie", "Sofie Nørgaard")  # VINK consultant (roster)
JONAS = person("jonas", "Jonas Mikkelsen")  # SSP consultant (roster)
FATIMA = person("fatima", "Fatima Ali")  # SSP lead (listed by e-mail)
OUTSIDER = person("bo", "Bo Berg")  # in the VINK team? no: nobody's consultant
EMPLOYEE = {"id": "29:mette", "name": "Mette Hansen", "aadObjectId": "aad-employee-1"}
EMPLOYEE_CHAT = {"id": "a:mette-personal", "conversationType": "personal", "tenantId": a.TENANT}


def roster_member(who: dict[str, Any], email: str | None = None) -> dict[str, Any]:
    return {
        "id": who["id"],
        "name": who["name"],
        "aadObjectId": who["aadObjectId"],
        "email": email or f"{who['aadObjectId'][4:]}@kk.example",
        "userPrincipalName": email or f"{who['aadObjectId'][4:]}@kk.example",
        "tenantId": a.TENANT,
    }


def channel_conversation(channel: str, message_id: str | None = None) -> dict[str, Any]:
    thread = f"{channel};messageid={message_id or next(_ids)}"
    return {"id": thread, "conversationType": "channel", "isGroup": True, "tenantId": a.TENANT}


def in_channel(activity: dict[str, Any], team: str, channel: str) -> dict[str, Any]:
    activity["channelData"] = {
        "tenant": {"id": a.TENANT},
        "team": {"id": team},
        "channel": {"id": channel},
    }
    return activity


def mention_text(text: str) -> str:
    return f"<at>{a.BOT['name']}</at> {text}"


class Desk:
    """Everything a test does to the consultant side, by HTTP where a user would act."""

    def __init__(self, bot: RunningBot, connector: FakeConnector, clock: Clock) -> None:
        self.bot = bot
        self.connector = connector
        self.clock = clock

    @property
    def side(self) -> ConsultantSide:
        return self.bot.app[CONSULTANT_SIDE]

    # --- people act --------------------------------------------------------------------------

    async def channel_says(
        self, text: str, *, sender: dict[str, Any], team: str, channel: str, locale: str = "da-DK"
    ) -> aiohttp.ClientResponse:
        activity = a.message(
            mention_text(text),
            service_url=self.connector.url,
            sender=sender,
            conversation=channel_conversation(channel),
            locale=locale,
        )
        return await self.bot.post(in_channel(activity, team, channel))

    async def register(self, unit: str, team: str, channel: str) -> str:
        before = len(self.connector.sent)
        await self.channel_says(f"registrer {unit}", sender=ADMIN, team=team, channel=channel)
        return str(self.connector.sent[before]["text"])

    async def personal(
        self, text: str | None, *, sender: dict[str, Any], value: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        before = len(self.connector.sent)
        conversation = (
            EMPLOYEE_CHAT
            if sender is EMPLOYEE
            else {"id": f"a:{sender['id']}", "conversationType": "personal", "tenantId": a.TENANT}
        )
        activity = (
            a.submit(
                value, service_url=self.connector.url, sender=sender, conversation=conversation
            )
            if value is not None
            else a.message(
                text or "", service_url=self.connector.url, sender=sender, conversation=conversation
            )
        )
        await self.bot.post(activity)
        return self.connector.sent[before:]

    async def click(
        self,
        verb: str,
        data: dict[str, Any],
        *,
        sender: dict[str, Any],
        where: str = "vink",
        locale: str = "da-DK",
    ) -> dict[str, Any]:
        """An Action.Execute click on a card; returns the invoke response body."""
        if where == "personal":
            conversation = (
                EMPLOYEE_CHAT
                if sender is EMPLOYEE
                else {"id": f"a:{sender['id']}", "conversationType": "personal"}
            )
            activity = a.execute(
                verb,
                data,
                service_url=self.connector.url,
                sender=sender,
                conversation=conversation,
                locale=locale,
            )
        else:
            team, channel = (
                (VINK_TEAM, VINK_CHANNEL) if where == "vink" else (SSP_TEAM, SSP_CHANNEL)
            )
            activity = in_channel(
                a.execute(
                    verb,
                    data,
                    service_url=self.connector.url,
                    sender=sender,
                    conversation=channel_conversation(channel),
                    locale=locale,
                ),
                team,
                channel,
            )
        response = await self.bot.post(activity)
        assert response.status == 200, response.status
        body: dict[str, Any] = await response.json()
        return body

    # --- the system acts ---------------------------------------------------------------------

    async def file(self, **changes: Any) -> FiledReferral:
        return await self.bot.app[REFERRALS].file(new_referral(**changes), now=self.clock())

    async def deliver(self) -> int:
        """Run the delivery job until nothing is due now."""
        total = 0
        while handled := await self.bot.app[WORKERS].run_once(DELIVERY_JOB):
            total += handled
        return total

    async def remind(self) -> int:
        return await self.bot.app[WORKERS].run_once(REMINDER_JOB)

    # --- what Teams received -----------------------------------------------------------------

    def new_threads(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Activities that started a new channel thread (POST /v3/conversations)."""
        return [
            call.body["activity"]
            for call in self.connector.calls
            if call.method == "POST"
            and call.path == "/v3/conversations"
            and call.body
            and call.body.get("channelData", {}).get("channel")
            and (channel is None or call.body["channelData"]["channel"]["id"] == channel)
        ]

    def updates(self) -> list[Call]:
        return [c for c in self.connector.calls if c.method == "PUT" and c.body]

    def to_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        return [
            call.body
            for call in self.connector.calls
            if call.method == "POST"
            and call.conversation_id == conversation_id
            and call.body
            and call.body.get("type") == "message"
        ]

    def in_channel(self, channel: str) -> list[dict[str, Any]]:
        """Messages the bot sent into threads of a channel (replies and notes, not new posts)."""
        return [
            call.body
            for call in self.connector.calls
            if call.method == "POST"
            and (call.conversation_id or "").startswith(channel + ";")
            and call.body
            and call.body.get("type") == "message"
        ]

    def to_employee(self) -> list[dict[str, Any]]:
        return self.to_conversation(EMPLOYEE_CHAT["id"])


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    [attachment] = activity["attachments"]
    content: dict[str, Any] = attachment["content"]
    return content


def texts(card: dict[str, Any]) -> str:
    """Every string in a card, for "is X shown anywhere" assertions."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return "\n".join(found)


def verbs(card: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and "verb" in node:
                found.append(node["verb"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card.get("actions", []))
    return found


def execute_data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb:
                found.append(dict(node["data"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    assert found, f"no {verb} action on the card"
    return found[0]


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


async def open_desk(
    start_bot: StartBot, connector: FakeConnector, clock: Clock, **settings: Any
) -> Desk:
    """The bot as the units use it (see the module docstring), on any database."""
    connector.rosters = {
        VINK_TEAM: [roster_member(p) for p in (AHMAD, SOFIE, ADMIN)],
        SSP_TEAM: [roster_member(p) for p in (JONAS, ADMIN)]
        + [roster_member(FATIMA, "fatima.ali@ssp.example")],
    }
    bot = await start_bot(
        clock=clock,
        workers_enabled=False,
        admin_aad_object_ids=ADMIN["aadObjectId"],
        outbox_retry_base_seconds=30,
        **settings,
    )
    desk = Desk(bot, connector, clock)
    await desk.register("VINK", VINK_TEAM, VINK_CHANNEL)
    await desk.register("SSP", SSP_TEAM, SSP_CHANNEL)
    # The SSP lead is listed by e-mail; the roster resolves who that is.
    await desk.personal("leder tilføj ssp fatima.ali@ssp.example", sender=ADMIN)
    # The employee has a personal chat with the bot (where relays and notices go).
    await desk.personal("hjælp", sender=EMPLOYEE)
    return desk


@pytest.fixture
async def desk(start_bot: StartBot, connector: FakeConnector, clock: Clock) -> Desk:
    return await open_desk(start_bot, connector, clock)


def now_plus(clock: Clock, **delta: float) -> datetime:
    clock.advance(**delta)
    return clock()
