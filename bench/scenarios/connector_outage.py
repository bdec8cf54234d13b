"""A Teams outage of a minute while referrals are filed, at production retry settings: the
units' channel cards wait in the outbox and are posted once Teams is back, each exactly once.

`python -m bot` on SQLite (workers on, `OUTBOX_RETRY_*` and `SEND_*` at their defaults: 30 s
doubling to an hour; 5 attempts within a send). Two fake connectors: the endpoint serving the
units' team goes down (first half of the outage: every call answered 503 with Retry-After;
second half: connections refused), the one serving the employees' personal chats stays up, so
they keep filing and get their receipts. Employees walk the referral to its summary before the
outage and send it one after another before, during and after it. Measured: whether every
card was posted exactly once, how long after Teams came back the last one was posted, and each
card's delay from filing to posting. The test suite runs the same with compressed times in a
few seconds (tests/reliability/test_connector_outage.py).

`BENCH_OUTAGE_SECONDS` (60) sets the outage, `BENCH_OUTAGE_CATCH_UP` (240) the time allowed
afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench import botproc
from bench.activities import BOT, TENANT, Activities
from bench.core import Bench, ScenarioResult, Target
from bench.fake_connector import Call, Chaos, FakeConnector
from bench.scenarios.referral_dialog import WALK

REFERENCE = re.compile(r"BEK-\d{4}-\d{4,}")
ADMIN = {"id": "29:bench-admin", "name": "Admin", "aadObjectId": "aad-bench-admin"}
UNITS = {
    "VINK": ("19:bench-vink-team@thread.tacv2", "19:bench-vink@thread.tacv2"),
    "SSP": ("19:bench-ssp-team@thread.tacv2", "19:bench-ssp@thread.tacv2"),
}
BEFORE, AFTER = 2, 2  # filings before and after the outage
DURING = 10  # filings spread over the outage


def _visible(body: dict[str, Any]) -> str:
    if body.get("text"):
        return str(body["text"])
    for attachment in body.get("attachments") or []:
        return str((attachment.get("content") or {}).get("fallbackText") or "")
    return ""


class ChannelCards:
    """Connector listener: when each case reference's card reached the channel, and how often."""

    def __init__(self) -> None:
        self.posted: dict[str, list[float]] = {}

    def __call__(self, call: Call, arrived: float) -> None:
        body = call.body or {}
        if call.method != "POST" or call.path != "/v3/conversations":
            return
        if not (body.get("channelData") or {}).get("channel"):
            return
        found = REFERENCE.search(str((body.get("activity") or {}).get("summary") or ""))
        if found:
            self.posted.setdefault(found.group(0), []).append(time.monotonic())


def _register(service_url: str, unit: str, number: int) -> bytes:
    team, channel = UNITS[unit]
    activity = {
        "id": f"bench-outage-register-{number}",
        "type": "message",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": ADMIN,
        "recipient": BOT,
        "conversation": {
            "id": f"{channel};messageid={number}",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}, "team": {"id": team}, "channel": {"id": channel}},
        "text": f"<at>{BOT['name']}</at> registrer {unit}",
        "textFormat": "plain",
        "locale": "da-DK",
    }
    return json.dumps(activity).encode("utf-8")


@dataclass(frozen=True)
class ConnectorOutage:
    name: str = "connector_outage"
    title: str = "A one-minute Teams outage while referrals are filed"

    async def run(self, bench: Bench) -> ScenarioResult:
        started = time.monotonic()
        outage = float(os.environ.get("BENCH_OUTAGE_SECONDS", "60"))
        allowed = float(os.environ.get("BENCH_OUTAGE_CATCH_UP", "240"))
        chat, teams = FakeConnector(), FakeConnector()
        cards = ChannelCards()
        teams.listeners.append(cards)
        await chat.start()
        teams_url = await teams.start()
        port = int(teams_url.rstrip("/").rsplit(":", 1)[1])
        filed: dict[str, float] = {}
        receipts_missing = 0
        back_at = time.monotonic()
        try:
            with tempfile.TemporaryDirectory(prefix=f"bench-{self.name}-") as scratch:
                workdir = Path(scratch)
                bot = await botproc.start(
                    self.name,
                    "bot",
                    env={
                        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}",
                        "DATA_DIR": str(workdir / "data"),
                        "LOG_LEVEL": "INFO",
                        "ADMIN_AAD_OBJECT_IDS": ADMIN["aadObjectId"],
                    },
                    logs=bench.logs,
                    ready_path="/healthz",
                    python=bench.config.python,
                    cwd=bench.config.bot_dir,
                )
                try:
                    async with aiohttp.ClientSession(
                        timeout=aiohttp.ClientTimeout(total=60)
                    ) as session:

                        async def post(body: bytes) -> None:
                            async with session.post(
                                bot.url, data=body, headers={"Content-Type": "application/json"}
                            ) as response:
                                await response.read()
                                assert response.status < 300, f"HTTP {response.status}"

                        for number, unit in enumerate(UNITS, 1):
                            await post(_register(teams_url, unit, number))
                        people = [
                            Activities(service_url=chat.url, run=self.name, user=n)
                            for n in range(BEFORE + DURING + AFTER)
                        ]
                        for person in people:  # each walks to the summary
                            for replies, step in enumerate(WALK[:-1], 1):
                                await post(person.message(step.text))
                                await _replies(chat, person.conversation_id, replies)

                        async def file(person: Activities) -> None:
                            nonlocal receipts_missing
                            before = len(_sent_to(chat, person.conversation_id))
                            await post(person.message(WALK[-1].text))
                            await _replies(chat, person.conversation_id, before + 1, exact=True)
                            shown = _visible(_sent_to(chat, person.conversation_id)[-1])
                            found = REFERENCE.search(shown)
                            if found is None:
                                receipts_missing += 1
                            else:
                                filed[found.group(0)] = time.monotonic()

                        for person in people[:BEFORE]:
                            await file(person)
                        bench.progress(f"{self.name}: Teams down for {outage:.0f} s")
                        down_at = time.monotonic()
                        teams.chaos = Chaos(error_rate=1.0, error_status=503)
                        during = people[BEFORE : BEFORE + DURING]
                        for index, person in enumerate(during):
                            if index == len(during) // 2:
                                await _sleep_until(down_at + outage / 2)
                                await teams.stop()  # refused connections from here
                            await _sleep_until(down_at + outage * (index + 0.5) / len(during))
                            await file(person)
                        await _sleep_until(down_at + outage)
                        teams.chaos = None
                        await teams.start(port)
                        back_at = time.monotonic()
                        bench.progress(f"{self.name}: Teams back; waiting for the outbox")
                        for person in people[BEFORE + DURING :]:
                            await file(person)
                        for _ in range(int(allowed * 2)):
                            if set(cards.posted) >= set(filed):
                                break
                            await asyncio.sleep(0.5)
                        await asyncio.sleep(2.0)  # a second post would show here
                finally:
                    await bot.stop()
        finally:
            await chat.stop()
            await teams.stop()
        return self._result(
            cards, filed, receipts_missing, teams, outage, allowed, back_at, started
        )

    def _result(
        self,
        cards: ChannelCards,
        filed: dict[str, float],
        receipts_missing: int,
        teams: FakeConnector,
        outage: float,
        allowed: float,
        back_at: float,
        started: float,
    ) -> ScenarioResult:
        result = ScenarioResult(self.name, self.title, description=__doc__ or "")
        posted = {reference: times for reference, times in cards.posted.items() if times}
        missing = sorted(set(filed) - set(posted))
        twice = sorted(reference for reference, times in posted.items() if len(times) > 1)
        last = max((times[0] for times in posted.values()), default=back_at)
        delays = sorted(posted[r][0] - filed[r] for r in filed if r in posted)
        answers = ", ".join(f"{code}: {count}" for code, count in sorted(teams.statuses.items()))
        rows = [
            ("outage (503, then refused connections)", f"{outage:.0f} s"),
            ("referrals filed (before / during / after)", f"{BEFORE} / {DURING} / {AFTER}"),
            ("receipts missing", str(receipts_missing)),
            (
                "cards posted / missing / posted more than once",
                f"{len(posted)} / {len(missing)} / {len(twice)}",
            ),
            ("last card after Teams was back", f"{max(0.0, last - back_at):.1f} s"),
            (
                "filing → card, median / max",
                f"{delays[len(delays) // 2]:.1f} / {delays[-1]:.1f} s" if delays else "-",
            ),
            ("team endpoint's answers", answers),
        ]
        table = "".join(f"| {what} | {value} |\n" for what, value in rows)
        result.sections.append(("Figures", "| what | value |\n|---|---|\n" + table))
        result.targets.append(
            Target(
                self.name,
                f"every channel card posted exactly once after a {outage:.0f} s outage",
                f"{len(posted)} posted, {len(missing)} missing, {len(twice)} twice",
                "",
                not missing and not twice and receipts_missing == 0,
            )
        )
        result.targets.append(
            Target(
                self.name,
                f"outbox caught up within {allowed:.0f} s of Teams coming back",
                f"{max(0.0, last - back_at):.1f} s",
                f"{max(0.0, last - back_at) / allowed:.2f}× of budget",
                not missing,
            )
        )
        result.elapsed = time.monotonic() - started
        return result


def _sent_to(connector: FakeConnector, conversation_id: str) -> list[dict[str, Any]]:
    return [
        call.body
        for call in connector.calls
        if call.method == "POST"
        and call.conversation_id == conversation_id
        and call.body
        and call.body.get("type") == "message"
    ]


async def _replies(
    connector: FakeConnector, conversation_id: str, count: int, *, exact: bool = False
) -> None:
    deadline = time.monotonic() + 10
    while len(_sent_to(connector, conversation_id)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no reply in {conversation_id}")
        await asyncio.sleep(0.01)
    if exact and len(_sent_to(connector, conversation_id)) != count:
        raise RuntimeError(f"more than one reply in {conversation_id}")


async def _sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


SCENARIO = ConnectorOutage()
