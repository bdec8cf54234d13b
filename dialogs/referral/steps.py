"""The referral dialog's structure, declared in one table (docs/referral.md has the diagram).

A step asks one question (or one form of questions), stores its answer under its id, and is
asked only when `applies(answers)` holds. The next step is always the first applicable step
without an answer, so going back, correcting from the summary, or changing the mode all fall
out of the same rule. Answers of steps that no longer apply are dropped at once, so switching
to anonymous mode really forgets the young person's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from domain.referral import (
    OTHER_SIGN_IDS,
    AgeBand,
    CrimeStatus,
    OtherSign,
    SeriousSign,
    notify_duty_applies,
)

Answers = Mapping[str, Any]
StepKind = Literal["choice", "multi", "text", "form", "ack", "summary"]
FieldKind = Literal["choice", "text", "year"]

YES_NO = ("yes", "no")
YES_NO_UNKNOWN = ("yes", "no", "unknown")
SIGNS = tuple(s.value for s in SeriousSign) + tuple(s.value for s in OtherSign)
DESCRIPTION_LIMIT = 4000
SHORT_TEXT_LIMIT = 500


@dataclass(frozen=True)
class Field:
    key: str
    kind: FieldKind = "choice"
    options: tuple[str, ...] = ()
    labels: str = ""  # catalogue group of option labels: options.<labels>.<option>
    optional: bool = False
    limit: int = SHORT_TEXT_LIMIT


@dataclass(frozen=True)
class Step:
    id: str
    kind: StepKind
    fields: tuple[Field, ...] = ()
    applies: Callable[[Answers], bool] = field(default=lambda answers: True)
    counted: bool = True  # shown in "step n of N"

    @property
    def field(self) -> Field:
        return self.fields[0]


def _choice(step_id: str, options: tuple[str, ...], labels: str, **kwargs: Any) -> Step:
    return Step(step_id, "choice", (Field(step_id, "choice", options, labels),), **kwargs)


def _mode_is(*modes: str) -> Callable[[Answers], bool]:
    return lambda answers: answers.get("mode") in modes


def needs_identity(answers: Answers) -> bool:
    """Named mode, and only when the route goes to the SSP secretariat: SSP parties must be able
    to identify the young person to act; VINK's advice does not need a name."""
    return answers.get("mode") == "named" and answers.get("_route_unit") == "ssp"


def is_serious(sign: str) -> bool:
    return sign not in OTHER_SIGN_IDS


STEPS: tuple[Step, ...] = (
    _choice("acute", YES_NO, ""),
    _choice(
        "acute_followup",
        YES_NO,
        "",
        applies=lambda answers: answers.get("acute") == "yes",
        counted=False,
    ),
    _choice("mode", ("anonymous", "named", "question"), "mode"),
    Step(
        "role",
        "form",
        (
            Field(
                "role",
                "choice",
                ("teacher", "club", "street", "caseworker", "jobcentre", "health", "ssp", "other"),
                "role",
            ),
            Field(
                "administration",
                "choice",
                ("buf", "sof", "bif", "kff", "suf", "other"),
                "administration",
            ),
        ),
    ),
    _choice("age_band", tuple(band.value for band in AgeBand), "age_band"),
    _choice("residence", YES_NO_UNKNOWN, "residence"),
    Step("signs", "multi", (Field("signs", "choice", SIGNS, "sign"),)),
    _choice("crime_status", tuple(status.value for status in CrimeStatus), "crime_status"),
    Step("description", "text", (Field("description", "text", limit=DESCRIPTION_LIMIT),)),
    Step(
        "context",
        "form",
        (
            Field("leader", "choice", YES_NO, ""),
            Field("parents", "choice", YES_NO_UNKNOWN, ""),
            Field("aware", "choice", YES_NO_UNKNOWN, ""),
            Field("agencies", "choice", YES_NO_UNKNOWN, ""),
            Field("protective", "text", optional=True),
        ),
    ),
    Step(
        "notify_duty",
        "ack",
        applies=lambda answers: notify_duty_applies(answers.get("age_band", "unknown")),
    ),
    Step(
        "youth",
        "form",
        (
            Field("name", "text", limit=100),
            Field("birth_year", "year"),
            Field("school", "text", limit=200),
        ),
        applies=needs_identity,
    ),
    Step("summary", "summary"),
)

BY_ID = {step.id: step for step in STEPS}
# The summary lists these, in this order; "ret <n>" refers to the numbers.
EDITABLE = (
    "mode",
    "role",
    "age_band",
    "residence",
    "signs",
    "crime_status",
    "description",
    "context",
    "youth",
)


def applicable(answers: Answers) -> list[Step]:
    return [step for step in STEPS if step.applies(answers)]


def next_step(answers: Answers) -> Step:
    for step in applicable(answers):
        if step.id not in answers:
            return step
    return BY_ID["summary"]


def prune(answers: dict[str, Any]) -> None:
    """Forget the answers of steps that no longer apply."""
    for step in STEPS:
        if step.id in answers and not step.applies(answers):
            del answers[step.id]


def progress(answers: Answers, step: Step) -> tuple[int, int]:
    counted = [s for s in applicable(answers) if s.counted and s.kind != "summary"]
    ids = [s.id for s in counted]
    number = ids.index(step.id) + 1 if step.id in ids else len(ids)
    return number, len(ids)
