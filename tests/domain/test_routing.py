"""Routing with the default rule table: every rule, and the edges between them."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.referral import (
    AgeBand,
    CrimeStatus,
    Mode,
    OtherSign,
    Residence,
    RoutingFacts,
    SeriousSign,
    Unit,
    is_under_18,
    notify_duty_applies,
    other_signs,
    serious_signs,
)
from domain.routing import Outcome, RoutingDecision, default_rules, route

VINK, SSP = Unit.VINK, Unit.SSP


def facts(
    *,
    acute: bool = False,
    mode: str = "named",
    age: str = "15_17",
    lives: str = "yes",
    crime: str = "none_known",
    signs: Iterable[str] = (),
) -> RoutingFacts:
    return RoutingFacts(
        acute=acute,
        mode=Mode(mode),
        age_band=AgeBand(age),
        lives_in_copenhagen=Residence(lives),
        crime_status=CrimeStatus(crime),
        signs=frozenset(signs),
    )


def decide(case: RoutingFacts) -> RoutingDecision:
    return route(case, default_rules())


CASES = [
    # acute wins over everything
    pytest.param(facts(acute=True), "acute", None, (), id="acute"),
    pytest.param(
        facts(acute=True, lives="no", mode="question", crime="concrete_plan", signs=["weapons"]),
        "acute",
        None,
        (),
        id="acute-beats-every-other-rule",
    ),
    pytest.param(facts(acute=True, mode="anonymous"), "acute", None, (), id="acute-anonymous"),
    # residence
    pytest.param(facts(lives="no"), "not_copenhagen", None, (), id="not-copenhagen"),
    pytest.param(
        facts(lives="no", crime="concrete_plan", signs=["violence"]),
        "not_copenhagen",
        None,
        (),
        id="not-copenhagen-even-when-serious",
    ),
    pytest.param(
        facts(lives="unknown", signs=["violence"]),
        "crime_preventive",
        SSP,
        (),
        id="residence-unknown-routed-normally",
    ),
    pytest.param(
        facts(lives="unknown", signs=["isolation"]),
        "polarisation",
        VINK,
        (),
        id="residence-unknown-polarisation",
    ),
    pytest.param(facts(lives="unknown"), "unclear", VINK, (), id="residence-unknown-unclear"),
    # question mode
    pytest.param(facts(mode="question"), "question", None, (), id="question"),
    pytest.param(
        facts(mode="question", signs=["weapons"]), "question", None, (), id="question-with-sign"
    ),
    # crime status
    pytest.param(facts(crime="suspected_past"), "crime_preventive", SSP, (), id="crime-suspected"),
    pytest.param(facts(crime="concrete_plan"), "crime_preventive", SSP, (), id="crime-planned"),
    pytest.param(facts(crime="none_known"), "unclear", VINK, (), id="crime-none-no-signs"),
    pytest.param(
        facts(crime="suspected_past", signs=["isolation"]),
        "crime_preventive",
        SSP,
        (),
        id="crime-with-only-other-signs",
    ),
    # other signs only
    pytest.param(
        facts(signs=["us_vs_them", "isolation"]), "polarisation", VINK, (), id="other-signs"
    ),
    pytest.param(
        facts(signs=["symbols", "weapons"]),
        "crime_preventive",
        SSP,
        (),
        id="other-plus-serious-is-crime-preventive",
    ),
    # SSP+ tag by age band: 15-17 no, 18-25 yes, over 25 no
    pytest.param(facts(age="under_10", signs=["threats"]), "crime_preventive", SSP, (), id="u10"),
    pytest.param(facts(age="10_14", signs=["threats"]), "crime_preventive", SSP, (), id="10-14"),
    pytest.param(facts(age="15_17", signs=["threats"]), "crime_preventive", SSP, (), id="age-17"),
    pytest.param(
        facts(age="18_25", signs=["threats"]), "crime_preventive", SSP, ("SSP+",), id="age-18-25"
    ),
    pytest.param(facts(age="over_25", signs=["threats"]), "crime_preventive", SSP, (), id="26+"),
    pytest.param(
        facts(age="unknown", signs=["threats"]), "crime_preventive", SSP, (), id="age-unknown-ssp"
    ),
    pytest.param(
        facts(age="18_25", signs=["isolation"]),
        "polarisation",
        VINK,
        (),
        id="18-25-polarisation-no-tag",
    ),
    pytest.param(
        facts(age="unknown", signs=["isolation"]), "polarisation", VINK, (), id="age-unknown-vink"
    ),
    # anonymous advice: VINK only, never SSP (our deliberate order; see routing_rules.yaml)
    pytest.param(facts(mode="anonymous"), "anonymous", VINK, (), id="anonymous-no-signs"),
    pytest.param(
        facts(mode="anonymous", signs=["intolerance"]),
        "anonymous",
        VINK,
        (),
        id="anonymous-only-other-signs",
    ),
    pytest.param(
        facts(mode="anonymous", signs=["violence"]),
        "anonymous_crime_preventive",
        VINK,
        (),
        id="anonymous-serious-sign-stays-vink",
    ),
    pytest.param(
        facts(mode="anonymous", crime="concrete_plan"),
        "anonymous_crime_preventive",
        VINK,
        (),
        id="anonymous-crime-stays-vink",
    ),
    pytest.param(
        facts(mode="anonymous", age="18_25", signs=["weapons"]),
        "anonymous_crime_preventive",
        VINK,
        (),
        id="anonymous-18-25-no-ssp-tag",
    ),
    pytest.param(
        facts(mode="anonymous", lives="no", signs=["weapons"]),
        "not_copenhagen",
        None,
        (),
        id="anonymous-not-copenhagen",
    ),
]


@pytest.mark.parametrize(("case", "rule_id", "unit", "tags"), CASES)
def test_route(case: RoutingFacts, rule_id: str, unit: Unit | None, tags: tuple[str, ...]) -> None:
    decision = decide(case)
    assert (decision.rule_id, decision.unit, decision.tags) == (rule_id, unit, tags)
    assert decision.reason_key == f"routing.reason.{rule_id}"


def test_every_rule_is_covered_by_a_case() -> None:
    covered = {param.values[1] for param in CASES}
    assert covered == {rule.id for rule in default_rules().rules}


@pytest.mark.parametrize("sign", list(SeriousSign))
def test_every_serious_sign_alone_goes_to_ssp(sign: SeriousSign) -> None:
    decision = decide(facts(signs=[sign]))
    assert (decision.rule_id, decision.unit) == ("crime_preventive", SSP)


@pytest.mark.parametrize("sign", list(OtherSign))
def test_every_other_sign_alone_goes_to_vink_polarisation(sign: OtherSign) -> None:
    decision = decide(facts(signs=[sign]))
    assert (decision.rule_id, decision.unit) == ("polarisation", VINK)


@pytest.mark.parametrize(
    ("outcome_case", "outcome"),
    [
        pytest.param(facts(acute=True), Outcome.ACUTE, id="acute"),
        pytest.param(facts(lives="no"), Outcome.NOT_COPENHAGEN, id="not-copenhagen"),
        pytest.param(facts(mode="question"), Outcome.QUESTION, id="question"),
    ],
)
def test_non_routed_outcomes_store_and_forward_nothing(
    outcome_case: RoutingFacts, outcome: Outcome
) -> None:
    decision = decide(outcome_case)
    assert decision.outcome is outcome
    assert not decision.is_routed
    assert decision.unit is None
    assert decision.response_time_working_days is None


def test_routed_referrals_get_a_response_within_one_working_day() -> None:
    decision = decide(facts(signs=["weapons"]))
    assert decision.is_routed
    assert decision.response_time_working_days == 1


# --- properties over all possible facts -------------------------------------------------------

all_facts = st.builds(
    RoutingFacts,
    acute=st.booleans(),
    mode=st.sampled_from(Mode),
    age_band=st.sampled_from(AgeBand),
    lives_in_copenhagen=st.sampled_from(Residence),
    crime_status=st.sampled_from(CrimeStatus),
    signs=st.frozensets(st.sampled_from([*SeriousSign, *OtherSign])),
)


@settings(database=None, max_examples=300)
@given(all_facts)
def test_every_referral_gets_exactly_one_sensible_decision(case: RoutingFacts) -> None:
    decision = decide(case)
    assert decision.is_routed == (decision.unit is not None)
    if case.acute:
        assert decision.outcome is Outcome.ACUTE
    if decision.unit is SSP:
        assert case.mode is Mode.NAMED
    if "SSP+" in decision.tags:
        assert case.age_band is AgeBand.AGE_18_25


@settings(database=None, max_examples=300)
@given(all_facts)
def test_anonymous_advice_is_never_forwarded_to_ssp(case: RoutingFacts) -> None:
    anonymous = RoutingFacts(**{**vars(case), "mode": Mode.ANONYMOUS})
    assert decide(anonymous).unit is not SSP


@settings(database=None, max_examples=300)
@given(all_facts)
def test_named_and_anonymous_reach_the_same_unit_when_not_crime_preventive(
    case: RoutingFacts,
) -> None:
    named = RoutingFacts(**{**vars(case), "mode": Mode.NAMED})
    anonymous = RoutingFacts(**{**vars(case), "mode": Mode.ANONYMOUS})
    if decide(named).unit is not SSP:
        assert decide(anonymous).unit == decide(named).unit


# --- the facts themselves ---------------------------------------------------------------------


def test_facts_accept_plain_strings_and_normalise_to_enums() -> None:
    case = RoutingFacts(
        acute=False,
        mode="anonymous",  # type: ignore[arg-type]
        age_band="18_25",  # type: ignore[arg-type]
        lives_in_copenhagen="no",  # type: ignore[arg-type]
        crime_status="none_known",  # type: ignore[arg-type]
        signs=frozenset({"weapons", "isolation"}),
    )
    assert case.mode is Mode.ANONYMOUS
    assert case.age_band is AgeBand.AGE_18_25
    assert serious_signs(case) == {SeriousSign.WEAPONS}
    assert other_signs(case) == {OtherSign.ISOLATION}


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"mode": "secret"}, id="mode"),
        pytest.param({"age_band": "17"}, id="age"),
        pytest.param({"signs": frozenset({"knife"})}, id="sign"),
    ],
)
def test_facts_reject_unknown_values(bad: dict[str, object]) -> None:
    values: dict[str, object] = {**vars(facts()), **bad}
    with pytest.raises(ValueError):
        RoutingFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("band", "under_18", "remind"),
    [
        ("under_10", True, True),
        ("10_14", True, True),
        ("15_17", True, True),
        ("18_25", False, False),
        ("over_25", False, False),
        ("unknown", None, True),
    ],
)
def test_under_18_and_notify_duty(band: str, under_18: bool | None, remind: bool) -> None:
    assert is_under_18(band) is under_18
    assert notify_duty_applies(band) is remind
