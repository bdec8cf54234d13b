"""The facts of a concern referral (bekymringshenvendelse) that routing looks at.

The ids below are stable: they are stored with referrals, used in `routing_rules.yaml` and looked
up in the text catalogue, so rename one only together with its data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Mode(StrEnum):
    """What the employee wants: anonymous advice (anonym sparring), a named referral, a question."""

    ANONYMOUS = "anonymous"
    NAMED = "named"
    QUESTION = "question"


class AgeBand(StrEnum):
    """The young person's age as the dialog asks it; bands, never a birth date."""

    UNDER_10 = "under_10"
    AGE_10_14 = "10_14"
    AGE_15_17 = "15_17"
    AGE_18_25 = "18_25"
    OVER_25 = "over_25"
    UNKNOWN = "unknown"


class Residence(StrEnum):
    """Does the young person live in Copenhagen municipality?"""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class CrimeStatus(StrEnum):
    NONE_KNOWN = "none_known"
    SUSPECTED_PAST = "suspected_past"
    CONCRETE_PLAN = "concrete_plan"


class SeriousSign(StrEnum):
    """Signs that by themselves call for action (the national centre's list)."""

    VIOLENCE = "violence"  # violence, or readiness to use it
    WEAPONS = "weapons"  # access to weapons
    THREATS = "threats"  # threats or harassment
    ARSON_VANDALISM = "arson_vandalism"  # arson or hate-motivated vandalism
    VIOLENT_MESSAGES = "violent_messages"  # spreading violence-legitimising messages
    EXTREMIST_CONTACTS = "extremist_contacts"  # contact with known violent extremists
    TRAVEL_PLANS = "travel_plans"  # plans to travel to a conflict or training area


class OtherSign(StrEnum):
    """Signs that matter in combination, not alone."""

    EXTREMIST_CONTENT = "extremist_content"  # seeking extremist content or events
    INTOLERANCE = "intolerance"
    US_VS_THEM = "us_vs_them"
    SYMBOLS = "symbols"  # extremist symbols
    ISOLATION = "isolation"
    SUDDEN_CHANGE = "sudden_change"  # sudden change of friends or behaviour


class Unit(StrEnum):
    """Where a routed referral goes. `ssp` is the SSP secretariat, always together with VINK."""

    VINK = "vink"
    SSP = "ssp"


SERIOUS_SIGN_IDS = frozenset(sign.value for sign in SeriousSign)
OTHER_SIGN_IDS = frozenset(sign.value for sign in OtherSign)
SIGN_IDS = SERIOUS_SIGN_IDS | OTHER_SIGN_IDS

_UNDER_18 = frozenset({AgeBand.UNDER_10, AgeBand.AGE_10_14, AgeBand.AGE_15_17})


@dataclass(frozen=True)
class RoutingFacts:
    """Everything routing may look at, and nothing identifying.

    Plain strings are accepted for every field (they arrive from cards and storage) and are
    checked here, so a typo fails where it is made instead of silently routing to "unclear".
    """

    acute: bool
    mode: Mode
    age_band: AgeBand
    lives_in_copenhagen: Residence
    crime_status: CrimeStatus
    signs: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Frozen, so normalise through object.__setattr__; StrEnum() raises ValueError on typos.
        object.__setattr__(self, "mode", Mode(self.mode))
        object.__setattr__(self, "age_band", AgeBand(self.age_band))
        object.__setattr__(self, "lives_in_copenhagen", Residence(self.lives_in_copenhagen))
        object.__setattr__(self, "crime_status", CrimeStatus(self.crime_status))
        signs = frozenset(str(sign) for sign in self.signs)
        unknown = signs - SIGN_IDS
        if unknown:
            raise ValueError(f"unknown sign id(s): {', '.join(sorted(unknown))}")
        object.__setattr__(self, "signs", signs)


def serious_signs(facts: RoutingFacts) -> frozenset[SeriousSign]:
    return frozenset(SeriousSign(sign) for sign in facts.signs if sign in SERIOUS_SIGN_IDS)


def other_signs(facts: RoutingFacts) -> frozenset[OtherSign]:
    return frozenset(OtherSign(sign) for sign in facts.signs if sign in OTHER_SIGN_IDS)


def is_under_18(age_band: AgeBand | str) -> bool | None:
    """True or False when the band says so; None when the age is unknown.

    None rather than a guess, because the two callers need opposite defaults: the notification
    duty reminder must err towards reminding (see `notify_duty_applies`), statistics must not
    count an unknown age as a child.
    """
    band = AgeBand(age_band)
    if band is AgeBand.UNKNOWN:
        return None
    return band in _UNDER_18


def notify_duty_applies(age_band: AgeBand | str) -> bool:
    """Should the employee be reminded of the duty to notify (underretningspligt, Barnets lov)?

    Yes for under 18 and also for an unknown age: a needless reminder costs a sentence, a missing
    one may leave a child without help.
    """
    return is_under_18(age_band) is not False
