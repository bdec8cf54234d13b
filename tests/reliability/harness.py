"""What the reliability tests share: the real bot as a process (`python -m bot`, as App Service
runs it), the fake Bot Framework connector on loopback playing Teams, Teams-shaped activities,
a private PostgreSQL cluster that a test may stop and start, and invariant checks on the
database the processes wrote.

Everything talks to 127.0.0.1 only. Every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench import botproc
from bench.activities import card_actions, visible
from bench.fake_connector import FakeConnector
from bench.scenarios.referral_dialog import WALK
from dialogs.i18n import default_catalogue
from tests.support import activities as a
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

TEXT = default_catalogue().text
WALK_TEXTS = [step.text for step in WALK]  # 19 messages; the 19th files the referral
REFERENCE = re.compile(r"BEK-\d{4}-\d{4,}")
ADMIN = {"id": "29:admin", "name": "Line Pedersen", "aadObjectId": "aad-admin"}
UNITS = {  # unit -> (team, channel)
    "VINK": ("19:vink-team@thread.tacv2", "19:vink@thread.tacv2"),
    "SSP": ("19:ssp-team@thread.tacv2", "19:ssp@thread.tacv2"),
}
_message_ids = itertools.count(1)


# --- waiting ------------------------------------------------------------------------------------


async def wait_until(
    predicate: Callable[[], bool], seconds: float, what: str, *, every: float = 0.05
) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for: {what}")
        await asyncio.sleep(every)


# --- what Teams received ------------------------------------------------------------------------


def messages_to(connector: FakeConnector, conversation_id: str) -> list[dict[str, Any]]:
    """Messages the bot posted into one conversation (replies and proactive), in order."""
    return [
        call.body
        for call in list(connector.calls)
        if call.method == "POST"
        and call.conversation_id == conversation_id
        and "/activities" in call.path
        and call.body
        and call.body.get("type") == "message"
    ]


def channel_posts(connector: FakeConnector) -> list[dict[str, Any]]:
    """New channel threads (POST /v3/conversations with a channel): the referral cards."""
    return [
        call.body["activity"]
        for call in list(connector.calls)
        if call.method == "POST"
        and call.path == "/v3/conversations"
        and call.body
        and (call.body.get("channelData") or {}).get("channel")
    ]


def cards_by_reference(connector: FakeConnector) -> Counter[str]:
    """How many channel cards each case reference got."""
    posted: Counter[str] = Counter()
    for activity in channel_posts(connector):
        found = REFERENCE.search(str(activity.get("summary") or visible(activity)))
        assert found, f"a channel post without a case reference: {activity.get('summary')}"
        posted[found.group(0)] += 1
    return posted


def receipts_in(bodies: list[dict[str, Any]]) -> list[str]:
    return [found.group(0) for body in bodies if (found := REFERENCE.search(visible(body)))]


# --- the bot as a process -----------------------------------------------------------------------


def bot_env(database_url: str, workdir: Path, **overrides: str) -> dict[str, str]:
    """Development mode (no app id: auth off, loopback only), shared keys so that every process
    reads what the others wrote, and compressed retry times."""
    env = {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(workdir / "data"),
        "LOG_LEVEL": "INFO",
        "DATA_ENCRYPTION_KEYS": TEST_KEYS,
        "PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
        "ADMIN_AAD_OBJECT_IDS": ADMIN["aadObjectId"],
        "WORKERS_ENABLED": "true",
        "SEND_MAX_ATTEMPTS": "3",
        "SEND_MAX_BACKOFF_SECONDS": "0.2",
        "OUTBOX_RETRY_BASE_SECONDS": "0.5",
        "OUTBOX_RETRY_MAX_SECONDS": "2",
        "ANNOUNCE_RATE_PER_SECOND": "50",
    }
    env.update(overrides)
    return env


@dataclass
class Bot:
    process: botproc.BotProcess
    session: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.process.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    async def post(self, activity: dict[str, Any], *, seconds: float = 20.0) -> int:
        async with self.session.post(
            f"{self.base}/api/messages",
            json=activity,
            timeout=aiohttp.ClientTimeout(total=seconds),
        ) as response:
            await response.read()
            return response.status

    async def healthz(self) -> int:
        async with self.session.get(
            f"{self.base}/healthz", timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            await response.read()
            return response.status

    async def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed, in-flight work is cut off."""
        if self.process.process.returncode is None:
            os.kill(self.pid, signal.SIGKILL)
        await self.process.process.wait()

    def alive(self) -> bool:
        return self.process.process.returncode is None


class Bots:
    """Starts `python -m bot` processes for one test and makes sure none outlives it."""

    def __init__(self, workdir: Path, session: aiohttp.ClientSession) -> None:
        self.workdir = workdir
        self.session = session
        self.started: list[Bot] = []
        self._names = itertools.count(1)

    async def start(self, database_url: str, **env: str) -> Bot:
        name = f"bot-{next(self._names)}"  # its log: logs/<name>.log
        process = await botproc.start(
            name,
            "bot",
            env=bot_env(database_url, self.workdir, **env),
            logs=self.workdir / "logs",
            ready_path="/healthz",
            python=sys.executable,
            start_within=60,
        )
        bot = Bot(process, self.session)
        self.started.append(bot)
        return bot

    async def stop_all(self) -> None:
        for bot in self.started:
            if bot.alive():
                await bot.process.stop(grace=5)

    def logs(self) -> str:
        return "\n".join(
            f"--- {bot.process.name} (pid {bot.pid}) ---\n{bot.process.log_tail(60)}"
            for bot in self.started
        )


# --- people in Teams ----------------------------------------------------------------------------


@dataclass
class Person:
    """Someone with a 1:1 chat with the bot. Each message gets a new activity id, as Teams
    gives; `redeliver` sends the last one again (same id), as Teams does after a failure."""

    number: int
    connector: FakeConnector
    locale: str = "da-DK"
    last: dict[str, Any] | None = None
    sender: dict[str, Any] = field(init=False)
    conversation: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.sender = a.user(self.number)
        if self.number == 0:
            self.sender = dict(ADMIN)
        self.conversation = a.personal(self.number)

    @property
    def conversation_id(self) -> str:
        return str(self.conversation["id"])

    @property
    def aad(self) -> str:
        return str(self.sender["aadObjectId"])

    def message(self, text_: str) -> dict[str, Any]:
        return self._from_me(a.message, text_)

    def submit(self, value: dict[str, Any]) -> dict[str, Any]:
        return self._from_me(a.submit, value)

    def _from_me(self, build: Callable[..., dict[str, Any]], payload: Any) -> dict[str, Any]:
        self.last = build(
            payload,
            service_url=self.connector.url,
            sender=self.sender,
            conversation=self.conversation,
            locale=self.locale,
        )
        return self.last

    def received(self) -> list[dict[str, Any]]:
        return messages_to(self.connector, self.conversation_id)

    async def turn(
        self, bot: Bot, activity: dict[str, Any], *, replies: int = 1, seconds: float = 10.0
    ) -> list[dict[str, Any]]:
        """Post and wait for the turn's replies at the connector; returns them."""
        before = len(self.received())
        status = await bot.post(activity)
        assert status in (200, 201), f"HTTP {status} for user {self.number}"
        await wait_until(
            lambda: len(self.received()) >= before + replies,
            seconds,
            f"{replies} replies to user {self.number}",
        )
        return self.received()[before:]

    async def say(self, bot: Bot, text_: str, **kwargs: Any) -> list[dict[str, Any]]:
        return await self.turn(bot, self.message(text_), **kwargs)


def channel_message(connector: FakeConnector, unit: str, words: str) -> dict[str, Any]:
    """The admin @mentions the bot in the unit's channel (a new thread)."""
    team, channel = UNITS[unit]
    activity = a.message(
        f"<at>{a.BOT['name']}</at> {words}",
        service_url=connector.url,
        sender=dict(ADMIN),
        conversation={
            "id": f"{channel};messageid={next(_message_ids)}",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": a.TENANT,
        },
    )
    activity["channelData"] = {
        "tenant": {"id": a.TENANT},
        "team": {"id": team},
        "channel": {"id": channel},
    }
    return activity


async def register_channels(bot: Bot, connector: FakeConnector) -> None:
    for unit in UNITS:
        before = len(connector.sent)
        assert await bot.post(channel_message(connector, unit, f"registrer {unit}")) == 201
        await wait_until(lambda b=before: len(connector.sent) > b, 10, f"{unit} registered")


# --- the database the processes wrote ------------------------------------------------------------


@contextlib.asynccontextmanager
async def database(url: str) -> Any:
    engine = create_async_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as connection:
        return list((await connection.execute(text(sql), params)).all())


async def assert_referral_invariants(engine: AsyncEngine) -> list[str]:
    """What the schema implies for every filed referral; returns the references.

    - filed in one transaction: each referral has its `filed` history entry and its
      `deliver_referral` outbox row (no half-written referral);
    - references are gapless per year and the counter row agrees with them;
    - a referral has at most one active channel post, and each outbox key at most one post.
    """
    referrals = await rows(engine, "SELECT id, reference, year, sequence FROM referrals")
    filed = Counter(
        r.referral_id
        for r in await rows(engine, "SELECT referral_id FROM referral_events WHERE kind='filed'")
    )
    delivery = Counter(
        r.referral_id
        for r in await rows(
            engine, "SELECT referral_id FROM outbox WHERE kind = 'deliver_referral'"
        )
    )
    for referral in referrals:
        assert filed[referral.id] == 1, f"{referral.reference}: {filed[referral.id]} filed events"
        assert delivery[referral.id] == 1, f"{referral.reference}: no outbox row"
    by_year: dict[int, list[int]] = {}
    for referral in referrals:
        by_year.setdefault(referral.year, []).append(referral.sequence)
    counters = {
        r.year: r.last_sequence for r in await rows(engine, "SELECT * FROM reference_counters")
    }
    for year, sequences in by_year.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1)), f"gaps in {year}"
        assert counters[year] == len(sequences), f"counter of {year} disagrees"
    active = Counter(
        r.referral_id
        for r in await rows(
            engine, "SELECT referral_id FROM referral_posts WHERE superseded_at IS NULL"
        )
    )
    assert all(count == 1 for count in active.values()), f"several active posts: {active}"
    keys = Counter(
        r.idempotency_key for r in await rows(engine, "SELECT idempotency_key FROM referral_posts")
    )
    assert all(count == 1 for count in keys.values()), f"one key, several posts: {keys}"
    return [r.reference for r in referrals]


# --- a private PostgreSQL cluster ---------------------------------------------------------------


def _as_postgres(argv: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/local/bin")
    assert found, f"{name} is not on PATH: the private PostgreSQL cluster needs it"
    return found


class PrivatePostgres:
    """A PostgreSQL cluster of one test's own, in a temporary folder, on a free loopback port,
    that the test may stop (`pg_ctl stop -m fast`, as a failover or restart does) and start
    again. The shared server on 5432 is never touched."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="reliability-pg-"))
        self.data = self.folder / "data"
        self.port = botproc.free_port()
        self.log = self.folder / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, argv: list[str], timeout: float = 60) -> None:
        result = subprocess.run(
            _as_postgres(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
        assert result.returncode == 0, f"{argv[0]} failed: {result.stdout}\n{result.stderr}"

    def init(self) -> None:
        self._run(
            [
                _tool("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
            ]
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off -c max_connections=60"
        )
        self._run(
            [_tool("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
             "-t", "30", "start"]
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run([_tool("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop"])

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.running():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


# --- training -----------------------------------------------------------------------------------

ANNOUNCEMENT_LEAD = TEXT("da", "training.announcement.lead", kind="\x00").split("\x00")[0]


async def create_event(bot: Bot, organiser: Person, title: str, *, capacity: int = 50) -> int:
    """The organiser fills in the event form in Teams; returns the new event's id."""
    from datetime import UTC, datetime, timedelta

    day = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
    form = {
        "training": "save",
        "kind": "temadag",
        "title": title,
        "date": day,
        "start_time": "09:00",
        "end_time": "15:00",
        "place": "Københavns Rådhus",
        "capacity": str(capacity),
    }
    replies = await organiser.turn(bot, organiser.submit(form), replies=2)
    ids = {
        action["data"]["event"]
        for reply in replies
        for action in card_actions(reply)
        if isinstance(action.get("data"), dict) and action["data"].get("training") == "announce"
    }
    assert len(ids) == 1, [visible(reply) for reply in replies]
    return int(ids.pop())


async def subscribe(bot: Bot, people: list[Person], *, at_once: int = 12) -> None:
    """Each says "abonnér på kurser" in their 1:1 chat, as they would."""
    gate = asyncio.Semaphore(at_once)

    async def one(person: Person) -> None:
        async with gate:
            [reply] = await person.say(bot, "abonnér på kurser", seconds=20)
            assert visible(reply) == TEXT("da", "training.subscribe.done"), visible(reply)

    await asyncio.gather(*(one(person) for person in people))


async def announce(bot: Bot, organiser: Person, event_id: int) -> str:
    await organiser.turn(bot, organiser.submit({"training": "announce", "event": event_id}))
    [started] = await organiser.turn(
        bot, organiser.submit({"training": "announce_confirmed", "event": event_id})
    )
    return visible(started)


def announcements(person: Person) -> int:
    return sum(1 for body in person.received() if visible(body).startswith(ANNOUNCEMENT_LEAD))


def final_reports(organiser: Person, title: str) -> list[str]:
    """The organiser's final counts of the announcement of `title`."""
    lead = TEXT("da", "training.announce.finished", title=title, sent="\x00", blocked=0,
                failed=0).split("\x00")[0]  # fmt: skip
    return [visible(body) for body in organiser.received() if visible(body).startswith(lead)]


def says(key: str, language: str, shown: str, **values: Any) -> bool:
    """Whether `shown` is the catalogue text `key` in `language`, whatever its placeholders
    not given in `values` (an error code, a position) hold."""
    template = default_catalogue().text(language, key, **{**values, **_MARKERS})
    pattern = re.escape(template)
    for marker in _MARKERS.values():
        pattern = pattern.replace(re.escape(marker), ".+?")
    return re.fullmatch(pattern, shown, flags=re.DOTALL) is not None


_MARKERS = {"correlation_id": "\x01code\x01", "position": "\x01position\x01"}


async def signup_invariants(engine: AsyncEngine, event_id: int) -> dict[str, str]:
    """Sign-ups of one event: arrival numbers unique and handed out by the event row, no more
    confirmed than seats. Returns participant -> status."""
    [event] = await rows(
        engine, "SELECT capacity, last_sequence FROM training_events WHERE id = :id", id=event_id
    )
    signups = await rows(
        engine,
        "SELECT participant_id, status, sequence FROM training_signups WHERE event_id = :id",
        id=event_id,
    )
    sequences = [signup.sequence for signup in signups]
    assert len(sequences) == len(set(sequences)), "two sign-ups share an arrival number"
    assert not sequences or max(sequences) <= event.last_sequence
    confirmed = sum(1 for signup in signups if signup.status == "confirmed")
    assert confirmed <= event.capacity, f"{confirmed} confirmed for {event.capacity} seats"
    return {signup.participant_id: signup.status for signup in signups}
