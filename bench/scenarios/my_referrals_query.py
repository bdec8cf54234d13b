"""'Mine henvendelser', the consultant queue and training sign-ups at full size: the database
time of the queries behind them on PostgreSQL, and whether their plans use an index.

The schema comes from the real migrations (`python -m bot migrate` into a scratch database);
the rows are synthetic (COPY). 1,000,000 referrals: employees with ~50 referrals each over
five years, plus one very active employee with 0.2 % of all rows (the worst case for 'newest
20 of mine'); all closed but a few hundred open (new or claimed) per unit, claims spread over
20 consultants and one busy one. 100,000 training sign-ups over 2,000 events and 20,000
participants, with one popular event's long waitlist and one participant signed up for 250
events. The statements measured are the ones the bot's functions really send (caught on the
engine): `Referrals.of_employee`, `Casework.queue` and `.unclaimed`, `Training.signups_of`,
`.sign_up`, `.signup_status`, `.events` and `personal_data.signup_history`, each replayed
under `EXPLAIN (ANALYZE, BUFFERS)` (writes in a transaction that is rolled back); a call's
database time is the sum over the statements it sends.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import event

from bench import botproc, pg
from bench.core import Bench, ScenarioResult, Target

INDEX = "ix_referrals_employee"
TARGET_MS = 20.0
SAMPLES = 200
EXPLAINED = 60
BATCH = 50_000
PER_EMPLOYEE = 50
HEAVY_SHARE = 0.002
EVENTS = 2_000
PARTICIPANTS = 20_000
POPULAR = 1_000
HEAVY_SIGNUPS = 250  # the busiest participant's sign-ups,
HEAVY_UPCOMING = 25  # of which still to come
LARGE_TABLES = ("referrals", "training_signups")
PROBE_SAMPLES = 30
# Case work: open are ~40 % of the last RECENT filed (about three days' worth at 1,000,000
# over five years) plus 0.02 % stragglers: a few hundred open per unit.
RECENT = 1_500
OPEN_RECENT = 0.4
OPEN_OLD = 0.000_2
BUSY_CONSULTANT = "aad-bench-consultant-busy"
CONSULTANTS = [f"aad-bench-consultant-{n}" for n in range(20)]

COLUMNS = [
    "reference",
    "year",
    "sequence",
    "mode",
    "status",
    "unit",
    "rule_id",
    "tags",
    "age_band",
    "residence",
    "crime_status",
    "signs",
    "has_serious_sign",
    "employee_role",
    "employee_administration",
    "employee_pseudonym",
    "employee_name_enc",
    "employee_contact_enc",
    "description_enc",
    "context_enc",
    "youth_enc",
    "created_at",
    "updated_at",
    "respond_by",
    "unit_since",
    "claimed_by",
    "claimed_by_name",
    "claimed_at",
    "closed_at",
    "outcome",
    "reminded_at",
    "escalated_at",
]


def _token(rng: random.Random, size: int) -> str:
    """Looks like (and is as long as) an AES-GCM field token."""
    return "v1.bench." + base64.urlsafe_b64encode(rng.randbytes(size)).decode().rstrip("=")


def _rows(count: int, pseudonyms: list[str], heavy: str, seed: int = 7) -> Any:
    """Referrals in filing order (ids and created_at ascending), references gapless per year.

    Case work as it would stand: everything is closed except 40 % of the last `RECENT` filed
    (still being handled) and a few old stragglers; an open case is new (not yet claimed) or
    claimed, a claimed or closed one names its consultant (one of them busy: a third of all
    claims); a few were transferred (`unit_since` set)."""
    rng = random.Random(seed)
    start = datetime(2022, 1, 3, 8, tzinfo=UTC)
    span = timedelta(days=5 * 365).total_seconds()
    sequences: dict[int, int] = {}
    units = ("vink", "ssp")
    outcomes = ("advice_given", "ssp_local_committee", "social_services", "unfounded")
    description = _token(rng, 240)  # one value: row width matters, randomness does not
    context = _token(rng, 90)
    for number in range(count):
        created = start + timedelta(seconds=span * number / count + rng.random())
        sequences[created.year] = sequence = sequences.get(created.year, 0) + 1
        named = rng.random() < 0.7
        employee = heavy if rng.random() < HEAVY_SHARE else rng.choice(pseudonyms)
        recent = number >= count - RECENT
        if rng.random() < (OPEN_RECENT if recent else OPEN_OLD):
            status = "new" if rng.random() < 0.55 else "claimed"
        else:
            status = "closed"
        consultant = None
        if status != "new":
            consultant = BUSY_CONSULTANT if rng.random() < 0.3 else rng.choice(CONSULTANTS)
        claimed_at = created + timedelta(hours=2 + 40 * rng.random()) if consultant else None
        unit_since = created + timedelta(days=1) if rng.random() < 0.05 else None
        # A straggler still new has had its reminder and escalation; a recent one maybe not.
        reminded = created + timedelta(days=3) if status == "new" and not recent else None
        yield (
            f"BEK-{created.year}-{sequence:04d}",
            created.year,
            sequence,
            "named" if named else "anonymous",
            status,
            rng.choice(units),
            "crime_preventive",
            "SSP+",
            "18_plus",
            "yes",
            "none_known",
            "violence,intolerance",
            True,
            "teacher",
            "buf",
            employee,
            _token(rng, 24) if named else None,
            _token(rng, 60) if named else None,
            description,
            context,
            None,
            created,
            created,
            created + timedelta(days=14),
            unit_since,
            consultant,
            "Bench Consultant" if consultant else None,
            claimed_at,
            created + timedelta(days=1 + 30 * rng.random()) if status == "closed" else None,
            rng.choice(outcomes) if status == "closed" else None,
            reminded,
            reminded + timedelta(days=2) if reminded else None,
        )


EVENT_COLUMNS = [
    "id",
    "key",
    "kind",
    "title",
    "description",
    "topics",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "capacity",
    "signup_deadline",
    "audience",
    "organiser",
    "status",
    "version",
    "last_sequence",
    "created_at",
    "updated_at",
]
SIGNUP_COLUMNS = [
    "event_id",
    "participant_id",
    "participant_name_enc",
    "language",
    "status",
    "sequence",
    "attended",
    "created_at",
    "updated_at",
]
KINDS = ("talk", "theme_day", "further_education", "dialogue_meeting", "network_meeting")


@dataclass
class TrainingData:
    events: list[tuple[Any, ...]]
    signups: list[tuple[Any, ...]]
    participants: list[str]
    upcoming: list[int]  # ids of scheduled events whose sign-up deadline is still ahead
    popular: int  # the event with the longest waitlist
    heavy: str  # the participant with the most sign-ups
    last_waitlisted: tuple[int, str]  # the popular event's last in line


def _training(now: datetime, seed: int = 13) -> TrainingData:
    """EVENTS events from four years back to half a year ahead (~10 % still to come, 3 %
    cancelled), each with 5-94 sign-ups from PARTICIPANTS people in arrival order (confirmed
    up to capacity, then waitlisted, 8 % cancelled); one popular upcoming event with POPULAR
    sign-ups (the longest waitlist) and one participant signed up for HEAVY_SIGNUPS events,
    HEAVY_UPCOMING of them still to come."""
    rng = random.Random(seed)
    participants = [f"aad-bench-participant-{n}" for n in range(PARTICIPANTS)]
    heavy = "aad-bench-participant-heavy"
    first = now - timedelta(days=4 * 365)
    step = (now + timedelta(days=180) - first) / EVENTS
    ids = list(range(1, EVENTS + 1))
    starts = {i: first + step * i + timedelta(hours=rng.randrange(8, 16)) for i in ids}
    cancelled = set(rng.sample(ids, EVENTS * 3 // 100))
    upcoming = [i for i in ids if starts[i] - timedelta(days=1) > now and i not in cancelled]
    popular = upcoming[len(upcoming) // 4]
    heavy_events = set(rng.sample(upcoming, min(HEAVY_UPCOMING, len(upcoming))))
    past = [i for i in ids if starts[i] < now]
    heavy_events |= set(rng.sample(past, HEAVY_SIGNUPS - len(heavy_events)))
    name = _token(rng, 40)
    events: list[tuple[Any, ...]] = []
    signups: list[tuple[Any, ...]] = []
    last_waitlisted = (popular, heavy)
    for event_id in ids:
        start = starts[event_id]
        capacity = 100 if event_id == popular else rng.choice((20, 30, 40, 60))
        people = rng.sample(participants, POPULAR if event_id == popular else rng.randint(5, 94))
        if event_id in heavy_events:
            people.append(heavy)
        confirmed = 0
        for sequence, person in enumerate(people, 1):
            if rng.random() < 0.08:
                status = "cancelled"
            elif confirmed < capacity:
                status, confirmed = "confirmed", confirmed + 1
            else:
                status = "waitlisted"
                if event_id == popular:
                    last_waitlisted = (event_id, person)
            signed = start - timedelta(days=1 + 30 * rng.random())
            attended = (rng.random() < 0.8) if status == "confirmed" and start < now else None
            signups.append(
                (event_id, person, name, "da", status, sequence, attended, signed, signed)
            )
        events.append(
            (
                event_id,
                f"bench-{event_id}",
                rng.choice(KINDS),
                f"Bench event {event_id}",
                "A synthetic training event. " * 8,
                "radicalisation,gangs",
                start,
                start + timedelta(hours=3),
                "Rådhuset, lokale 1",
                "",
                capacity,
                start - timedelta(days=1),
                "Alle medarbejdere",
                "VINK",
                "cancelled" if event_id in cancelled else "scheduled",
                0,
                len(people),
                start - timedelta(days=60),
                start - timedelta(days=60),
            )
        )
    return TrainingData(events, signups, participants, upcoming, popular, heavy, last_waitlisted)


@dataclass(frozen=True)
class Probe:
    """One function the bot really calls, with the keys to call it with (the worst first)."""

    name: str
    what: str  # the user's words for it
    function: str
    calls: list[tuple[str, Callable[[], Awaitable[Any]]]]
    # SQL run (with the call's key) in the rolled-back transaction before the replay, so a
    # call that wrote something is replayed on the state it met (the sign-up itself).
    undo: tuple[str, Callable[[str], tuple[Any, ...]]] | None = None


def _parse_plan(text: str) -> dict[str, Any]:
    """Times, indexes and sequential scans of an `EXPLAIN (ANALYZE, BUFFERS)` text plan."""
    planning = re.search(r"Planning Time: ([\d.]+) ms", text)
    execution = re.search(r"Execution Time: ([\d.]+) ms", text)
    return {
        "total_ms": float(planning.group(1) if planning else 0)
        + float(execution.group(1) if execution else 0),
        "indexes": set(re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+)", text))
        | set(re.findall(r"Bitmap Index Scan on (\w+)", text)),
        "seq_scans": set(re.findall(r"Seq Scan on (\w+)", text)),
        "text": text,
    }


def _plan_nodes(plan: dict[str, Any]) -> Any:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


@dataclass(frozen=True)
class MyReferralsQuery:
    name: str = "my_referrals_query"
    title: str = (
        "'Mine henvendelser', consultant queue and training sign-ups over 1,000,000 referrals "
        "and 100,000 sign-ups (PostgreSQL)"
    )

    async def run(self, bench: Bench) -> ScenarioResult:
        started = time.monotonic()
        result = ScenarioResult(name=self.name, title=self.title, description=__doc__ or "")
        async with pg.scratch_database(bench.config.postgres_url, "query") as url:
            await self._migrate(bench, url)
            await self._measure(bench, url, result)
        result.elapsed = time.monotonic() - started
        return result

    async def _migrate(self, bench: Bench, url: str) -> None:
        bench.progress(f"{self.name}: migrating a scratch database")
        process = await asyncio.create_subprocess_exec(
            bench.config.python,
            "-m",
            "bot",
            "migrate",
            cwd=str(bench.config.bot_dir),
            env=botproc.loopback_env({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), 120)
        if process.returncode != 0:
            raise RuntimeError(f"migrate failed: {output.decode(errors='replace')[-2000:]}")

    async def _measure(self, bench: Bench, url: str, result: ScenarioResult) -> None:
        from storage.crypto import Cipher, generate_key, parse_keys
        from storage.engine import create_engine
        from storage.referrals import Referrals

        count = bench.config.referrals
        cipher = Cipher(parse_keys(f"bench:{generate_key()}"), random.Random(1).randbytes(32))
        employees = [f"aad-bench-employee-{n}" for n in range(max(1, count // PER_EMPLOYEE))]
        heavy_employee = "aad-bench-employee-heavy"
        pseudonyms = [cipher.pseudonym(e) for e in employees]

        bench.progress(f"{self.name}: loading {count:,} referrals with COPY …")
        loaded = time.monotonic()
        connection = await asyncpg.connect(pg.dsn(url), timeout=10)
        try:
            rows = _rows(count, pseudonyms, cipher.pseudonym(heavy_employee))
            done = 0
            while done < count:
                batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
                await connection.copy_records_to_table("referrals", records=batch, columns=COLUMNS)
                done += len(batch)
                if done % 200_000 < BATCH:
                    bench.progress(f"{self.name}: {done:,} rows")
            await connection.execute("ANALYZE referrals")
            size = await connection.fetchval(
                "SELECT pg_size_pretty(pg_total_relation_size('referrals'))"
            )
            heavy_rows = await connection.fetchval(
                "SELECT count(*) FROM referrals WHERE employee_pseudonym = $1",
                cipher.pseudonym(heavy_employee),
            )
            open_by_unit = dict(
                await connection.fetch(
                    "SELECT unit, count(*) FROM referrals WHERE status <> 'closed' GROUP BY unit"
                )
            )
            now = datetime.now(UTC)
            training = _training(now)
            await connection.copy_records_to_table(
                "training_events", records=training.events, columns=EVENT_COLUMNS
            )
            await connection.execute(
                "SELECT setval(pg_get_serial_sequence('training_events', 'id'), "
                "(SELECT max(id) FROM training_events))"
            )
            await connection.copy_records_to_table(
                "training_signups", records=training.signups, columns=SIGNUP_COLUMNS
            )
            await connection.execute("ANALYZE training_events")
            await connection.execute("ANALYZE training_signups")
        finally:
            await connection.close()
        load_seconds = time.monotonic() - loaded
        bench.progress(f"{self.name}: loaded in {load_seconds:.0f} s ({size}); querying")

        engine = create_engine(url)
        captured: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if "employee_pseudonym" in statement:
                captured.append((statement, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        referrals = Referrals(engine, cipher)
        rng = random.Random(11)
        sample = [heavy_employee, *rng.sample(employees, min(SAMPLES - 1, len(employees)))]
        wall: list[float] = []
        heavy_found = 0
        try:
            await referrals.of_employee(sample[1])  # connect, prepare
            for employee in sample:
                before = time.perf_counter()
                found = await referrals.of_employee(employee)
                wall.append(1000 * (time.perf_counter() - before))
                if employee == heavy_employee:
                    heavy_found = len(found)
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
            statement = captured[-1][0]
            # One statement per call: the last len(sample) captured belong to the sample, in
            # order (the busiest employee first).
            parameters = [params for _, params in captured[-len(sample) :]]
            explained = await self._explain(engine, statement, parameters[:EXPLAINED])
            probed = [
                (probe, await self._probe(engine, probe))
                for probe in self._probes(engine, cipher, training, now)
            ]
        finally:
            await engine.dispose()

        database_ms = [e["total_ms"] for e in explained]
        heavy = explained[0]
        uses_index = all(INDEX in e["indexes"] for e in explained)
        worst = max(database_ms)
        result.targets += [
            Target(
                self.name,
                f"query database time < {TARGET_MS:.0f} ms (EXPLAIN ANALYZE, worst of "
                f"{len(explained)} employees incl. the busiest)",
                f"worst {worst:.2f} ms, median {statistics.median(database_ms):.2f} ms",
                f"{worst / TARGET_MS:.2f}× of budget",
                worst < TARGET_MS,
            ),
            Target(
                self.name,
                f"plan uses {INDEX}",
                ", ".join(sorted({i for e in explained for i in e["indexes"]})) or "no index",
                "",
                uses_index,
            ),
        ]
        wall_sorted = sorted(wall)
        result.sections.append(
            (
                "Figures",
                "\n".join(
                    [
                        "| what | value |",
                        "|---|---|",
                        f"| referrals stored | {count:,} ({size} with indexes) |",
                        f"| employees | {len(employees):,} (~{PER_EMPLOYEE} each) + one with "
                        f"{heavy_rows:,} |",
                        f"| load time (COPY + ANALYZE) | {load_seconds:.1f} s |",
                        f"| database time, median / worst (planning + execution) | "
                        f"{statistics.median(database_ms):.3f} / {worst:.3f} ms |",
                        f"| busiest employee ({heavy_found} shown of {heavy_rows:,}) | "
                        f"{heavy['total_ms']:.3f} ms, {heavy['buffers']} buffers |",
                        f"| `Referrals.of_employee` wall time incl. SQLAlchemy + asyncpg, "
                        f"p50 / p95 / max of {len(wall)} | {wall_sorted[len(wall) // 2]:.2f} / "
                        f"{wall_sorted[int(len(wall) * 0.95)]:.2f} / {wall_sorted[-1]:.2f} ms |",
                    ]
                ),
            )
        )
        result.sections.append(
            (
                "Statement and plan (busiest employee)",
                f"```sql\n{statement}\n```\n\n```\n{heavy['text']}\n```",
            )
        )
        self._report_probes(result, probed, training, open_by_unit)

    def _probes(
        self, engine: Any, cipher: Any, training: TrainingData, now: datetime
    ) -> list[Probe]:
        """The consultant queue and the training turns, each with its sample of keys."""
        from storage.casework import Casework
        from storage.personal_data import signup_history
        from storage.training import Participant, Training

        casework = Casework(engine, cipher)
        courses = Training(engine, cipher)
        rng = random.Random(17)
        both = ["vink", "ssp"]
        units = [both, ["vink"], ["ssp"]] * (PROBE_SAMPLES // 3)
        # Mine tilmeldinger / signup history: the busiest participant first, then people with
        # an upcoming sign-up (the list has something to show) and anyone.
        open_events = set(training.upcoming)
        active = sorted(
            {s[1] for s in training.signups if s[0] in open_events and s[4] != "cancelled"}
        )
        people = [training.heavy, *rng.sample(active, PROBE_SAMPLES // 2)]
        people += rng.sample(training.participants, PROBE_SAMPLES - len(people))
        # Sign-up status: the popular event's last in line first, then random sign-ups.
        pairs = [training.last_waitlisted]
        pairs += [(s[0], s[1]) for s in rng.sample(training.signups, PROBE_SAMPLES - 1)]
        # The sign-up itself: newcomers to the popular event (waitlisted) and to other
        # upcoming events (confirmed or waitlisted as seats allow).
        targets = [training.popular, *rng.sample(training.upcoming, PROBE_SAMPLES - 1)]
        newcomers = [(event_id, f"aad-bench-newcomer-{n}") for n, event_id in enumerate(targets)]

        def queue(chosen: list[str]) -> Callable[[], Awaitable[Any]]:
            return lambda: casework.queue(chosen)

        def mine(person: str) -> Callable[[], Awaitable[Any]]:
            return lambda: courses.signups_of(person, now=now)

        def status(event_id: int, person: str) -> Callable[[], Awaitable[Any]]:
            return lambda: courses.signup_status(event_id, person)

        def sign_up(event_id: int, person: str) -> Callable[[], Awaitable[Any]]:
            who = Participant(person, "Bench Newcomer", "da")
            return lambda: courses.sign_up(event_id, who, now=now)

        def history(person: str) -> Callable[[], Awaitable[Any]]:
            return lambda: signup_history(engine, person, now=now)

        return [
            Probe(
                "consultant_queue",
                "min kø (the consultant's queue of the units' open referrals)",
                "Casework.queue",
                [(",".join(u), queue(u)) for u in units],
            ),
            Probe(
                "reminder_unclaimed",
                "the reminder job's unclaimed referrals (every few minutes, not a turn)",
                "Casework.unclaimed",
                [("all", casework.unclaimed) for _ in range(PROBE_SAMPLES // 3)],
            ),
            Probe(
                "my_signups",
                "mine tilmeldinger (the participant's coming sign-ups, seats, waitlist place)",
                "Training.signups_of",
                [(p, mine(p)) for p in people],
            ),
            Probe(
                "signup",
                "tilmeld (the sign-up itself: lock, seat count, insert, waitlist place)",
                "Training.sign_up",
                [(f"{e}:{p}", sign_up(e, p)) for e, p in newcomers],
                undo=(
                    "DELETE FROM training_signups WHERE event_id = $1 AND participant_id = $2",
                    lambda key: (int(key.split(":", 1)[0]), key.split(":", 1)[1]),
                ),
            ),
            Probe(
                "signup_status",
                "a participant's status and waitlist place on one event",
                "Training.signup_status",
                [(f"{e}:{p}", status(e, p)) for e, p in pairs],
            ),
            Probe(
                "signup_history",
                "mine data: sign-ups held, coming and past",
                "personal_data.signup_history",
                [(p, history(p)) for p in people],
            ),
            Probe(
                "catalogue",
                "kurser (the upcoming events with their seat counts)",
                "Training.events",
                [("upcoming", lambda: courses.events(after=now)) for _ in range(10)],
            ),
        ]

    async def _probe(self, engine: Any, probe: Probe) -> list[dict[str, Any]]:
        """Call the function with each key, catch what it sends, then replay every statement
        under EXPLAIN (ANALYZE, BUFFERS) in a transaction that is rolled back. A call's
        database time is the sum over its statements."""
        captured: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if statement.lstrip()[:6].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                captured.append((statement, parameters))

        calls = []
        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        try:
            for key, call in probe.calls:
                captured.clear()
                before = time.perf_counter()
                await call()
                calls.append((key, list(captured), 1000 * (time.perf_counter() - before)))
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
        measured = []
        async with engine.connect() as connection:
            for key, statements, wall in calls:
                if probe.undo is not None:
                    sql, arguments = probe.undo
                    await connection.exec_driver_sql(sql, arguments(key))
                plans = []
                for statement, parameters in statements:
                    raw = await connection.exec_driver_sql(
                        f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
                    )
                    plans.append((statement, _parse_plan("\n".join(r[0] for r in raw))))
                await connection.rollback()
                measured.append(
                    {
                        "key": key,
                        "wall_ms": wall,
                        "total_ms": sum(p["total_ms"] for _, p in plans),
                        "statements": plans,
                        "indexes": {i for _, p in plans for i in p["indexes"]},
                        "seq_scans": {t for _, p in plans for t in p["seq_scans"]},
                    }
                )
        return measured

    def _report_probes(
        self,
        result: ScenarioResult,
        probed: list[tuple[Probe, list[dict[str, Any]]]],
        training: TrainingData,
        open_by_unit: dict[str, int],
    ) -> None:
        lines = [
            "| query | function | calls | statements / call | database ms median / worst "
            "| wall ms median / max | indexes | seq scans |",
            "|---|---|---|---|---|---|---|---|",
        ]
        plans = []
        for probe, measured in probed:
            totals = [m["total_ms"] for m in measured]
            walls = [m["wall_ms"] for m in measured]
            worst = max(measured, key=lambda m: m["total_ms"])
            indexes = sorted({i for m in measured for i in m["indexes"]})
            seq_scans = sorted({t for m in measured for t in m["seq_scans"]})
            large = [t for t in seq_scans if t in LARGE_TABLES]
            counts = sorted({len(m["statements"]) for m in measured})
            lines.append(
                f"| {probe.what} | `{probe.function}` | {len(measured)} | "
                f"{counts[0]}–{counts[-1]} | {statistics.median(totals):.2f} / "
                f"{worst['total_ms']:.2f} (`{worst['key']}`) | {statistics.median(walls):.2f} / "
                f"{max(walls):.2f} | {', '.join(indexes) or 'none'} | "
                f"{', '.join(seq_scans) or 'none'} |"
            )
            result.targets += [
                Target(
                    self.name,
                    f"{probe.name} ({probe.function}) database time < {TARGET_MS:.0f} ms "
                    f"(EXPLAIN ANALYZE, worst of {len(measured)} calls incl. the worst case)",
                    f"worst {worst['total_ms']:.2f} ms, median {statistics.median(totals):.2f} ms",
                    f"{worst['total_ms'] / TARGET_MS:.2f}× of budget",
                    worst["total_ms"] < TARGET_MS,
                ),
                Target(
                    self.name,
                    f"{probe.name} plan uses an index (no seq scan of {' or '.join(LARGE_TABLES)})",
                    ", ".join(indexes) or "no index",
                    f"seq scan of {', '.join(large)}" if large else "",
                    bool(indexes) and not large,
                ),
            ]
            heaviest = max(worst["statements"], key=lambda sp: sp[1]["total_ms"])
            plans.append(
                f"**{probe.function}** (`{worst['key']}`, {len(worst['statements'])} statements, "
                f"{worst['total_ms']:.2f} ms; the heaviest statement):\n\n"
                f"```sql\n{heaviest[0]}\n```\n\n```\n{heaviest[1]['text']}\n```"
            )
        upcoming = len(training.upcoming)
        waitlisted = sum(
            1 for s in training.signups if s[0] == training.popular and s[4] == "waitlisted"
        )
        heavy = sum(1 for s in training.signups if s[1] == training.heavy)
        data = [
            "| what | value |",
            "|---|---|",
            "| open referrals (new or claimed) per unit | "
            + ", ".join(f"{u} {n:,}" for u, n in sorted(open_by_unit.items()))
            + " |",
            f"| training events | {len(training.events):,} ({upcoming} with sign-up open) |",
            f"| sign-ups | {len(training.signups):,} from {len(training.participants):,} "
            f"participants; busiest participant {heavy}; popular event {POPULAR:,} sign-ups, "
            f"{waitlisted} waitlisted |",
        ]
        result.sections.append(
            (
                "Consultant queue and training sign-ups",
                "\n".join(data) + "\n\n" + "\n".join(lines),
            )
        )
        result.sections.append(("Statements and plans (worst call of each)", "\n\n".join(plans)))

    async def _explain(
        self, engine: Any, statement: str, parameter_sets: list[Any]
    ) -> list[dict[str, Any]]:
        """EXPLAIN ANALYZE the captured statement with each sampled employee's parameters."""
        explained = []
        async with engine.connect() as connection:
            for parameters in parameter_sets:
                raw = await connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", parameters
                )
                document = raw.scalar_one()
                plan = (json.loads(document) if isinstance(document, str) else document)[0]
                text = await connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
                )
                nodes = list(_plan_nodes(plan["Plan"]))
                explained.append(
                    {
                        "total_ms": plan["Planning Time"] + plan["Execution Time"],
                        "indexes": {n["Index Name"] for n in nodes if "Index Name" in n},
                        "buffers": sum(
                            nodes[0].get(k, 0) for k in ("Shared Hit Blocks", "Shared Read Blocks")
                        ),
                        "text": "\n".join(row[0] for row in text),
                    }
                )
        return explained


SCENARIO = MyReferralsQuery()
