"""The rule file: the packaged one loads, broken ones name their line, staff edits take effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain import check_rules
from domain.conditions import Always
from domain.referral import AgeBand, CrimeStatus, Mode, Residence, RoutingFacts, Unit
from domain.routing import (
    DEFAULT_RULES_PATH,
    Outcome,
    RuleTableError,
    default_rules,
    load_rules,
    route,
)

# A small valid table; the broken variants below edit it line by line, so the line numbers in
# the expectations are the line numbers of this text.
BASE = """\
rules:
  - id: acute
    when: {acute: true}
    outcome: acute
    reason: routing.reason.acute
  - id: crime_preventive
    when: {has_serious_sign: true}
    outcome: route
    unit: ssp
    response_time_working_days: 1
    tags:
      - tag: SSP+
        when: {age_band: 18_25}
    reason: routing.reason.crime_preventive
  - id: unclear
    when: {always: true}
    outcome: route
    unit: vink
    response_time_working_days: 1
    reason: routing.reason.unclear
"""

EXTRA_RULE = """\
  - id: extra
    when: {mode: named}
    outcome: question
    reason: routing.reason.question
"""


def edited(text: str, *, replace: dict[int, str] | None = None, append: str = "") -> str:
    """BASE with whole lines replaced (1-based; a replacement may span several lines)."""
    lines = text.splitlines()
    for number, replacement in (replace or {}).items():
        lines[number - 1] = replacement
    return "\n".join(lines) + "\n" + append


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing_rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def named(*, mode: str = "named", age: str = "15_17", signs: tuple[str, ...] = ()) -> RoutingFacts:
    return RoutingFacts(
        acute=False,
        mode=Mode(mode),
        age_band=AgeBand(age),
        lives_in_copenhagen=Residence.YES,
        crime_status=CrimeStatus.NONE_KNOWN,
        signs=frozenset(signs),
    )


# --- the packaged file ------------------------------------------------------------------------


def test_default_file_loads_in_the_documented_order() -> None:
    table = default_rules()
    assert [rule.id for rule in table.rules] == [
        "acute",
        "not_copenhagen",
        "question",
        "anonymous_crime_preventive",
        "anonymous",
        "crime_preventive",
        "polarisation",
        "unclear",
    ]
    assert isinstance(table.rules[-1].when, Always)


def test_default_file_reasons_are_catalogue_keys_and_routes_answer_in_one_day() -> None:
    for rule in default_rules().rules:
        assert rule.reason == f"routing.reason.{rule.id}"
        if rule.outcome is Outcome.ROUTE:
            assert rule.unit in set(Unit)
            assert rule.response_time_working_days == 1


def test_base_snippet_is_valid(tmp_path: Path) -> None:
    assert len(load_rules(write(tmp_path, BASE)).rules) == 3


# --- broken files name the line and the problem -----------------------------------------------

BROKEN = [
    pytest.param(edited(BASE, replace={9: "    unti: ssp"}), 9, "unknown field 'unti'", id="field"),
    pytest.param(
        edited(BASE, replace={9: "    unit: police"}), 9, "unknown unit 'police'", id="unit"
    ),
    pytest.param(
        edited(BASE, replace={7: "    when: {has_sign: knife}"}),
        7,
        "unknown sign 'knife'",
        id="sign",
    ),
    pytest.param(
        edited(BASE, replace={7: "    when:\n      has_sign:\n        - weapons\n        - knive"}),
        10,
        "unknown sign 'knive'",
        id="sign-in-list",
    ),
    pytest.param(
        edited(BASE, replace={15: "  - reason: routing.reason.unclear", 20: "    # no id"}),
        15,
        "has no `id`",
        id="missing-id",
    ),
    pytest.param(
        edited(BASE, replace={15: "  - id: crime_preventive"}),
        15,
        "duplicate rule id 'crime_preventive' (first used by the rule on line 6)",
        id="duplicate-id",
    ),
    pytest.param(
        edited(BASE, replace={16: "    when: {has_other_sign: true}"}),
        15,
        "must be a catch-all",
        id="no-catch-all",
    ),
    pytest.param(
        edited(BASE, append=EXTRA_RULE),
        21,
        "rule 'extra' can never match",
        id="rule-after-catch-all",
    ),
    pytest.param(
        edited(BASE, replace={9: "    unit: ssp: vink"}),
        9,
        "not valid YAML: mapping values are not allowed here",
        id="bad-yaml",
    ),
    pytest.param(
        edited(BASE, replace={13: "        when: {age_band: 18_25"}),
        14,
        "flow mapping that starts on line 13",
        id="bad-yaml-unclosed",
    ),
    pytest.param(edited(BASE, replace={9: "\tunit: ssp"}), 9, "not valid YAML", id="bad-yaml-tab"),
    pytest.param("", 1, "the file is empty", id="empty"),
    pytest.param(
        edited(BASE, replace={1: "rule:"}), 1, "unknown field 'rule' in the rule file", id="top"
    ),
    pytest.param(
        edited(BASE, replace={8: "    outcome: forward"}),
        8,
        "unknown `outcome` 'forward'",
        id="out",
    ),
    pytest.param(
        edited(BASE, replace={3: "    when: {acute: yes}"}),
        3,
        "`acute` must be true or false",
        id="yes-is-not-true",
    ),
    pytest.param(
        edited(BASE, replace={13: "        when: {lives_in_copenhagen: false}"}),
        13,
        "unknown `lives_in_copenhagen` 'false'",
        id="boolean-for-yes-no-field",
    ),
    pytest.param(
        edited(BASE, replace={7: "    when: {serious: true}"}),
        7,
        "unknown condition 'serious'",
        id="condition",
    ),
    pytest.param(
        edited(BASE, replace={20: "    reason: VINK will look at it"}),
        20,
        "must be a text-catalogue key",
        id="reason-sentence",
    ),
    pytest.param(
        edited(BASE, replace={12: "      - tag: SPP+"}), 12, "unknown tag 'SPP+'", id="tag"
    ),
    pytest.param(
        edited(BASE, replace={10: "    unit: vink"}),
        10,
        "`unit` appears twice in a rule (also on line 9)",
        id="duplicate-key",
    ),
    pytest.param(
        edited(BASE, replace={9: "    # unit removed"}),
        6,
        "needs `unit`",
        id="route-without-unit",
    ),
    pytest.param(
        edited(BASE, replace={10: "    response_time_working_days: 0"}),
        10,
        "whole number ≥ 1",
        id="response-time",
    ),
    pytest.param(
        edited(BASE, replace={5: "    reason: routing.reason.acute\n    unit: vink"}),
        6,
        "`unit` only applies to `outcome: route`",
        id="unit-on-acute",
    ),
    pytest.param(
        edited(BASE, replace={3: "    when: {mode: named}"}),
        2,
        "the first rule must be the acute gate",
        id="acute-not-first",
    ),
    pytest.param(
        edited(BASE, replace={7: "    when: {any: []}"}),
        7,
        "`any` needs a list of conditions",
        id="empty-any",
    ),
    pytest.param(
        edited(BASE, replace={16: "    when: {}"}),
        16,
        "empty condition",
        id="empty-when",
    ),
]


@pytest.mark.parametrize(("text", "line", "reason"), BROKEN)
def test_broken_file_names_line_and_reason(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    with pytest.raises(RuleTableError) as caught:
        load_rules(write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith(f"routing_rules.yaml, line {line}: ")
    assert reason in message
    assert caught.value.line == line


# --- staff edits change routing without code --------------------------------------------------


def default_text() -> str:
    return DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def test_widening_the_ssp_plus_band(tmp_path: Path) -> None:
    text = default_text().replace("when: {age_band: 18_25}", "when: {age_band: [15_17, 18_25]}")
    table = load_rules(write(tmp_path, text))
    seventeen = named(age="15_17", signs=("weapons",))
    assert route(seventeen, default_rules()).tags == ()
    assert route(seventeen, table).tags == ("SSP+",)


def test_adding_a_rule(tmp_path: Path) -> None:
    # Staff decide that travel plans always go to SSP, even when the employee is anonymous.
    rule = (
        "  - id: travel_plans\n"
        "    when: {has_sign: travel_plans}\n"
        "    outcome: route\n"
        "    unit: ssp\n"
        "    response_time_working_days: 1\n"
        "    reason: routing.reason.crime_preventive\n"
    )
    text = default_text().replace(
        "  - id: anonymous_crime_preventive\n", rule + "\n  - id: anonymous_crime_preventive\n"
    )
    table = load_rules(write(tmp_path, text))
    anonymous_travel = named(mode="anonymous", signs=("travel_plans",))
    assert route(anonymous_travel, default_rules()).unit is Unit.VINK
    decision = route(anonymous_travel, table)
    assert (decision.rule_id, decision.unit) == ("travel_plans", Unit.SSP)


def test_following_the_briefs_literal_order(tmp_path: Path) -> None:
    """Moving crime_preventive above the anonymous rules sends anonymous + serious to SSP."""
    text = default_text()
    start = text.index("  # Crime-preventive (kriminalpræventiv)")
    end = text.index("  # Resistance identity")
    crime_rule = text[start:end]
    text = text[:start] + text[end:]
    anonymous_at = text.index("  # Anonymous advice comes BEFORE")
    text = text[:anonymous_at] + crime_rule + text[anonymous_at:]
    table = load_rules(write(tmp_path, text))
    case = named(mode="anonymous", signs=("violence",))
    assert route(case, table).rule_id == "crime_preventive"
    assert route(named(mode="anonymous", signs=("isolation",)), table).rule_id == "anonymous"


def test_changing_a_response_time(tmp_path: Path) -> None:
    marker = "  - id: polarisation"
    head, tail = default_text().split(marker)
    tail = tail.replace("response_time_working_days: 1", "response_time_working_days: 3", 1)
    table = load_rules(write(tmp_path, head + marker + tail))
    decision = route(named(signs=("isolation",)), table)
    assert (decision.rule_id, decision.response_time_working_days) == ("polarisation", 3)


# --- the staff check command ------------------------------------------------------------------


def test_check_command_accepts_the_default_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_rules.main([]) == 0
    assert "OK:" in capsys.readouterr().out


def test_check_command_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, edited(BASE, replace={9: "    unit: police"}))
    assert check_rules.main([str(path)]) == 1
    assert "line 9: unknown unit 'police'" in capsys.readouterr().err
