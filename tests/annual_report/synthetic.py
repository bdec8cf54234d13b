"""A year of synthetic data with known counts, written through the bot's own repositories
(filing, claiming, transferring, reminding, closing, gate answers, training sign-ups), so the
report is tested on exactly what the bot stores. Every free-text and identifying field holds a
MARKER; no output file may contain one.

2026 (the reported year), 29 referrals, Copenhagen times:
- A: 12 named, polarisation, VINK; teacher, BUF, 15-17; a Tuesday each month at 10:00,
     claimed 12:00 (0.25 working days), closed next day 10:00 (1.0); December's stays open.
- B: 6 anonymous, VINK; club, SOF, 10-14, no signs. One filed on a Saturday, one on
     Maundy Thursday (the whole Easter holiday passes before the clock starts), one on a
     Friday afternoon.
- C: 7 named, crime-preventive, SSP; street, BIF; serious sign. Four aged 18-25 (SSP+), with a
     reminder and an escalation; three aged 15-17 in October, two of them transferred to VINK
     (one before and one after a claim).
- D: 3 named, unclear, VINK; caseworker, KFF, age unknown, filed at 20:00; one claimed and
     closed, two never claimed (one reminded).
- E: 1 anonymous, crime-preventive facts, VINK; job centre, SUF, 18-25.
Gate answers 2026: 8 questions, 3 acute, 6 not Copenhagen. Training 2026: two theme days, a
talk and a cancelled course, with sign-ups, a waitlist move-up, cancellations and attendance.

2025 (the comparison): 10 named polarisation, 5 anonymous, 2 crime-preventive (SSP); 5
questions, 1 acute; one talk with 5 participants who all attended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.casework import ReminderStage
from domain.training.events import EventData, EventKind
from domain.working_days import COPENHAGEN
from storage.casework import Actor, Casework
from storage.crypto import Cipher, cipher_from
from storage.referrals import NewReferral, Referrals
from storage.training import Participant, Training
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

MARKERS = (
    "MARKER-EMPLOYEE-NAME",
    "MARKER-DESCRIPTION",
    "MARKER-CONTEXT",
    "MARKER-YOUTH-NAME",
    "MARKER-SCHOOL",
    "marker-contact@kk.example",
    "aad-MARKER-EMPLOYEE",
    "MARKER-CONSULTANT",
    "aad-MARKER-CONSULTANT",
    "MARKER-TRANSFER-REASON",
    "MARKER-CLOSE-NOTE",
    "MARKER-PARTICIPANT",
    "aad-MARKER-PARTICIPANT",
    "MARKER-EVENT-TITLE",
    "MARKER-PLACE",
    "MARKER-ORGANISER",
    "BEK-2026-",
    "BEK-2025-",
)
CONSULTANT = Actor(id="aad-MARKER-CONSULTANT", name="MARKER-CONSULTANT Hansen")
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=COPENHAGEN)  # when the report is made


def cph(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=COPENHAGEN)


def cipher() -> Cipher:
    return cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY)


GROUPS: dict[str, dict[str, Any]] = {
    "A": dict(mode="named", unit="vink", rule_id="polarisation", tags=(), age_band="15_17",
              signs=("us_vs_them", "isolation"), has_serious_sign=False,
              employee_role="teacher", employee_administration="buf"),
    "B": dict(mode="anonymous", unit="vink", rule_id="anonymous", tags=(), age_band="10_14",
              signs=(), has_serious_sign=False, employee_role="club",
              employee_administration="sof"),
    "C+": dict(mode="named", unit="ssp", rule_id="crime_preventive", tags=("SSP+",),
               age_band="18_25", signs=("violence", "us_vs_them"), has_serious_sign=True,
               employee_role="street", employee_administration="bif"),
    "C": dict(mode="named", unit="ssp", rule_id="crime_preventive", tags=(), age_band="15_17",
              signs=("violence", "us_vs_them"), has_serious_sign=True, employee_role="street",
              employee_administration="bif"),
    "D": dict(mode="named", unit="vink", rule_id="unclear", tags=(), age_band="unknown",
              signs=(), has_serious_sign=False, employee_role="caseworker",
              employee_administration="kff"),
    "E": dict(mode="anonymous", unit="vink", rule_id="anonymous_crime_preventive", tags=(),
              age_band="18_25", signs=("weapons",), has_serious_sign=True,
              employee_role="jobcentre", employee_administration="suf"),
}  # fmt: skip


@dataclass
class Case:
    """One referral's life: filed, then actions in time order."""

    group: str
    filed: datetime
    actions: list[tuple[datetime, str, Any]] = field(default_factory=list)

    def claim(self, at: datetime) -> Case:
        self.actions.append((at, "claim", None))
        return self

    def close(self, at: datetime, outcome: str) -> Case:
        self.actions.append((at, "close", outcome))
        return self

    def transfer(self, at: datetime, to_unit: str) -> Case:
        self.actions.append((at, "transfer", to_unit))
        return self

    def remind(self, at: datetime, stage: ReminderStage) -> Case:
        self.actions.append((at, "remind", stage))
        return self


def year_2026() -> list[Case]:
    cases: list[Case] = []
    tuesdays = [(1, 13), (2, 10), (3, 10), (4, 14), (5, 12), (6, 9), (7, 14), (8, 11), (9, 8),
                (10, 13), (11, 10), (12, 8)]  # fmt: skip
    for month, day in tuesdays:
        case = Case("A", cph(2026, month, day)).claim(cph(2026, month, day, 12))
        if month != 12:
            case.close(cph(2026, month, day + 1), "advice_given")
        cases.append(case)
    # B: a Saturday; Maundy Thursday (Easter: 2, 3 and 6 April are holidays); a Friday 15:00.
    cases.append(
        Case("B", cph(2026, 3, 7, 12)).claim(cph(2026, 3, 9, 9)).close(cph(2026, 3, 9, 11),
                                                                       "advice_given")
    )  # fmt: skip
    cases.append(
        Case("B", cph(2026, 4, 2)).claim(cph(2026, 4, 7)).close(cph(2026, 4, 7, 16),
                                                                "advice_given")
    )  # fmt: skip
    cases.append(
        Case("B", cph(2026, 3, 13, 15)).claim(cph(2026, 3, 16, 9)).close(cph(2026, 3, 17, 15),
                                                                         "unfounded")
    )  # fmt: skip
    for day in (7, 14, 21):
        cases.append(
            Case("B", cph(2026, 9, day, 9))
            .claim(cph(2026, 9, day, 11))
            .close(cph(2026, 9, day, 13), "advice_given")
        )
    # C+: SSP+, February; one reminded, one reminded and escalated.
    cases.append(
        Case("C+", cph(2026, 2, 4)).remind(cph(2026, 2, 5), ReminderStage.REMIND_UNIT)
        .claim(cph(2026, 2, 5, 12)).close(cph(2026, 3, 4), "ssp_local_committee")
    )  # fmt: skip
    cases.append(
        Case("C+", cph(2026, 2, 11)).remind(cph(2026, 2, 12), ReminderStage.REMIND_UNIT)
        .remind(cph(2026, 2, 16), ReminderStage.ESCALATE_LEAD).claim(cph(2026, 2, 16, 12))
        .close(cph(2026, 3, 4), "ssp_local_committee")
    )  # fmt: skip
    cases.append(
        Case("C+", cph(2026, 2, 18)).claim(cph(2026, 2, 18, 14)).close(cph(2026, 3, 4),
                                                                       "infohus_police")
    )  # fmt: skip
    cases.append(
        Case("C+", cph(2026, 2, 25)).claim(cph(2026, 2, 25, 14)).close(cph(2026, 3, 4),
                                                                       "social_services")
    )  # fmt: skip
    # C: October; transferred to VINK before a claim, after a claim, and not at all.
    cases.append(
        Case("C", cph(2026, 10, 5, 9)).transfer(cph(2026, 10, 5, 10), "vink")
        .claim(cph(2026, 10, 5, 11)).close(cph(2026, 10, 20, 9), "social_services")
    )  # fmt: skip
    cases.append(
        Case("C", cph(2026, 10, 12, 9)).claim(cph(2026, 10, 12, 10))
        .transfer(cph(2026, 10, 12, 12), "vink").claim(cph(2026, 10, 12, 13))
    )  # fmt: skip
    cases.append(
        Case("C", cph(2026, 10, 19, 9))
        .claim(cph(2026, 10, 19, 10))
        .close(cph(2026, 10, 21, 9), "ssp_local_committee")
    )
    # D: filed in the evening; one claimed next morning and closed, two never claimed.
    cases.append(
        Case("D", cph(2026, 11, 2, 20)).claim(cph(2026, 11, 3, 9)).close(cph(2026, 11, 3, 15),
                                                                         "unfounded")
    )  # fmt: skip
    cases.append(Case("D", cph(2026, 11, 3, 20)).remind(cph(2026, 11, 5, 8),
                                                        ReminderStage.REMIND_UNIT))  # fmt: skip
    cases.append(Case("D", cph(2026, 11, 4, 20)))
    cases.append(
        Case("E", cph(2026, 6, 1)).claim(cph(2026, 6, 1, 10, 30)).close(cph(2026, 6, 2),
                                                                        "advice_given")
    )  # fmt: skip
    return cases


def year_2025() -> list[Case]:
    cases = [
        Case("A", cph(2025, month, 3 + month)).claim(cph(2025, month, 4 + month))
        for month in range(1, 11)
    ]
    cases += [Case("B", cph(2025, 5, day)).claim(cph(2025, 5, day, 14)) for day in (5, 6, 7, 8, 9)]
    cases += [Case("C", cph(2025, 9, day)).claim(cph(2025, 9, day, 11)) for day in (1, 2)]
    return cases


GATES = {
    2026: [("question", cph(2026, m, 20)) for m in (1, 2, 3, 3, 5, 8, 9, 11)]
    + [("acute", cph(2026, m, 21)) for m in (2, 6, 10)]
    + [("not_copenhagen", cph(2026, m, 22)) for m in (1, 4, 4, 7, 9, 12)],
    2025: [("question", cph(2025, m, 20)) for m in (1, 2, 3, 4, 5)] + [("acute", cph(2025, 3, 3))],
}


async def file_cases(engine: AsyncEngine, cases: list[Case]) -> None:
    referrals, casework = Referrals(engine, cipher()), Casework(engine, cipher())
    for number, case in enumerate(sorted(cases, key=lambda c: c.filed)):
        fields = dict(GROUPS[case.group])
        fields.setdefault("residence", "yes")
        fields.setdefault(
            "crime_status", "concrete_plan" if fields["has_serious_sign"] else "none_known"
        )
        named = fields["mode"] == "named"
        new = NewReferral(
            **fields,
            employee_id=f"aad-MARKER-EMPLOYEE-{number}",
            description="MARKER-DESCRIPTION: eleven taler om vold",
            context={"leader": "yes", "protective": "MARKER-CONTEXT"},
            respond_by=None,
            employee_name="MARKER-EMPLOYEE-NAME Jensen" if named else None,
            employee_contact={"email": "marker-contact@kk.example"} if named else None,
            youth={"name": "MARKER-YOUTH-NAME", "school": "MARKER-SCHOOL"} if named else None,
        )
        filed = await referrals.file(new, now=case.filed)
        unit = fields["unit"]
        for at, action, argument in case.actions:
            if action == "claim":
                result = await casework.claim(filed.id, unit=unit, actor=CONSULTANT, now=at)
            elif action == "close":
                result = await casework.close(
                    filed.id, unit=unit, actor=CONSULTANT, outcome=argument,
                    note="MARKER-CLOSE-NOTE", now=at,
                )  # fmt: skip
            elif action == "transfer":
                result = await casework.transfer(
                    filed.id, unit=unit, to_unit=argument, actor=CONSULTANT,
                    reason="MARKER-TRANSFER-REASON", now=at,
                )  # fmt: skip
                unit = argument
            else:
                done = await casework.mark_reminder(filed.id, argument, unit=unit, now=at)
                assert done
                continue
            assert result.done, (case, action)


async def record_gates(engine: AsyncEngine) -> None:
    referrals = Referrals(engine, cipher())
    for year in (2025, 2026):
        for kind, at in GATES[year]:
            await referrals.record_gate(kind, now=at)


def event(kind: EventKind, starts: datetime, capacity: int, topics: tuple[str, ...]) -> EventData:
    return EventData(
        kind=kind,
        title="MARKER-EVENT-TITLE",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=capacity,
        signup_deadline=starts - timedelta(days=1),
        topics=topics,
        place="MARKER-PLACE",
        organiser="MARKER-ORGANISER",
    )


async def training(engine: AsyncEngine) -> None:
    """2026: theme day 1 (capacity 6, 8 sign-ups, one confirmed cancels so one moves up, 5
    attend), theme day 2 (7 confirmed, all attend), a talk (3 sign-ups, 1 cancels, 2 attend),
    a cancelled course (2 sign-ups). 2025: a talk with 5 participants who attend."""
    store = Training(engine, cipher())
    people = iter(range(1000))

    def person() -> Participant:
        number = next(people)
        return Participant(f"aad-MARKER-PARTICIPANT-{number}", f"MARKER-PARTICIPANT {number}", "da")

    async def signups(event_id: int, count: int, at: datetime) -> list[Participant]:
        who = [person() for _ in range(count)]
        for participant in who:
            await store.sign_up(event_id, participant, now=at)
        return who

    async def attend(event_id: int, count: int, at: datetime) -> None:
        lines = [line for line in await store.participants(event_id) if line.status == "confirmed"]
        await store.set_attendance(event_id, {line.signup_id for line in lines[:count]}, now=at)

    day1 = await store.create_event(
        event(EventKind.THEME_DAY, cph(2026, 3, 18, 9), 6, ("social_media",)), now=cph(2026, 1, 5)
    )
    who = await signups(day1.id, 8, cph(2026, 2, 1))
    await store.cancel_signup(day1.id, who[0].id, now=cph(2026, 2, 10))
    await attend(day1.id, 5, cph(2026, 3, 18, 15))
    day2 = await store.create_event(
        event(EventKind.THEME_DAY, cph(2026, 9, 16, 9), 10, ("radicalisation", "social_media")),
        now=cph(2026, 6, 1),
    )
    await signups(day2.id, 7, cph(2026, 8, 20))
    await attend(day2.id, 7, cph(2026, 9, 16, 15))
    talk = await store.create_event(
        event(EventKind.TALK, cph(2026, 5, 6, 14), 20, ("extremism",)), now=cph(2026, 3, 1)
    )
    who = await signups(talk.id, 3, cph(2026, 4, 1))
    await store.cancel_signup(talk.id, who[2].id, now=cph(2026, 4, 15))
    await attend(talk.id, 2, cph(2026, 5, 6, 17))
    course = await store.create_event(
        event(EventKind.FURTHER_EDUCATION, cph(2026, 11, 10, 9), 15, ("gangs",)),
        now=cph(2026, 8, 1),
    )
    await signups(course.id, 2, cph(2026, 9, 1))
    await store.cancel_event(course.id, now=cph(2026, 10, 1))
    old = await store.create_event(
        event(EventKind.TALK, cph(2025, 10, 8, 14), 20, ("extremism",)), now=cph(2025, 8, 1)
    )
    await signups(old.id, 5, cph(2025, 9, 1))
    await attend(old.id, 5, cph(2025, 10, 8, 17))


async def build_year(engine: AsyncEngine) -> None:
    await file_cases(engine, year_2025() + year_2026())
    await record_gates(engine)
    await training(engine)
