"""Read `routing_rules.yaml` into a `RuleTable`, or say exactly which line is wrong.

The file is edited by staff, so every error names the line and what to do. We walk PyYAML's
node tree (`yaml.compose`) instead of loading Python objects because only nodes remember their
line, and because we interpret plain scalars ourselves: YAML 1.1 would read `no` as False and
`18_25` as the number 1825, which are exactly the values this file is full of. Here only
`true`/`false` are booleans and only plain digits are numbers; everything else is text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.conditions import (
    AllOf,
    Always,
    AnyOf,
    Condition,
    FieldIn,
    HasOtherSign,
    HasSeriousSign,
    HasSign,
    Not,
)
from domain.referral import SIGN_IDS, AgeBand, CrimeStatus, Mode, Residence, Unit
from domain.rules import KNOWN_TAGS, Outcome, Rule, RuleTable, RuleTableError, TagRule

Scalar = str | int | bool | None
Pairs = dict[str, tuple[ScalarNode, Node]]

RULE_FIELDS = ("id", "when", "outcome", "unit", "tags", "reason", "response_time_working_days")
ROUTE_ONLY_FIELDS = ("unit", "tags", "response_time_working_days")
TAG_FIELDS = ("tag", "when")
ENUM_FIELDS: dict[str, type[StrEnum]] = {
    "mode": Mode,
    "age_band": AgeBand,
    "lives_in_copenhagen": Residence,
    "crime_status": CrimeStatus,
}
BOOLEAN_TESTS: dict[str, Callable[[bool], Condition]] = {
    "acute": lambda value: FieldIn("acute", frozenset({value})),
    "has_serious_sign": HasSeriousSign,
    "has_other_sign": HasOtherSign,
}
CONDITION_KEYS = ("always", *BOOLEAN_TESTS, *ENUM_FIELDS, "has_sign", "any", "all", "not")

RULE_ID = re.compile(r"[a-z][a-z0-9_]*")
CATALOGUE_KEY = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
DIGITS = re.compile(r"[0-9]+")

ACUTE_GATE = FieldIn("acute", frozenset({True}))


def load_rules(path: Path | str) -> RuleTable:
    """Load and validate a rule file; raise `RuleTableError` naming the line on any problem."""
    path = Path(path)
    return parse_rules(path.read_text(encoding="utf-8"), source=path.name)


def parse_rules(text: str, *, source: str = "<rules>") -> RuleTable:
    return _Parser(source).table(text)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: Node, reason: str) -> RuleTableError:
        return RuleTableError(reason, line=node.start_mark.line + 1, source=self.source)

    # --- the file and its rules -------------------------------------------------------------

    def table(self, text: str) -> RuleTable:
        root = self.compose(text)
        top = self.mapping(root, "the rule file")
        self.only_fields(top, ("rules",), "the rule file")
        if "rules" not in top:
            raise self.fail(root, "the file has no `rules:` list")
        rules_node = top["rules"][1]
        if not isinstance(rules_node, SequenceNode) or not rules_node.value:
            raise self.fail(rules_node, "`rules:` must be a list with at least one rule")
        rules = tuple(self.rule(node) for node in rules_node.value)
        self.check_ids_unique(rules)
        self.check_acute_first(rules)
        self.check_catch_all_last(rules)
        return RuleTable(rules=rules, source=self.source)

    def compose(self, text: str) -> Node:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            raise self.yaml_error(error, text) from error
        if root is None:
            raise RuleTableError("the file is empty", line=1, source=self.source)
        return root

    def yaml_error(self, error: yaml.YAMLError, text: str) -> RuleTableError:
        if isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow
            line = text.count("\n", 0, error.position) + 1
            return RuleTableError(f"not valid YAML: {error.reason}", line=line, source=self.source)
        if not isinstance(error, yaml.MarkedYAMLError):
            return RuleTableError(f"not valid YAML: {error}", line=1, source=self.source)
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = f"not valid YAML: {error.problem or error.context}"
        # An unclosed bracket is noticed lines later; point also at where it was opened.
        if error.context and error.context_mark and error.context_mark.line + 1 != line:
            reason += f" ({error.context} that starts on line {error.context_mark.line + 1})"
        return RuleTableError(reason, line=line, source=self.source)

    def rule(self, node: Node) -> Rule:
        fields = self.mapping(node, "a rule")
        if "id" not in fields:
            raise self.fail(node, "this rule has no `id`")
        rule_id = self.text(fields["id"][1], "`id`")
        if not RULE_ID.fullmatch(rule_id):
            raise self.fail(
                fields["id"][1], f"rule id {rule_id!r} must be snake_case, like crime_preventive"
            )
        name = f"rule {rule_id!r}"
        self.only_fields(fields, RULE_FIELDS, name)
        for required in ("when", "outcome", "reason"):
            if required not in fields:
                raise self.fail(node, f"{name} has no `{required}`")
        outcome = Outcome(self.choice(fields["outcome"][1], "`outcome`", Outcome))
        rule = Rule(
            id=rule_id,
            when=self.condition(fields["when"][1]),
            outcome=outcome,
            reason=self.reason(fields["reason"][1]),
            line=node.start_mark.line + 1,
        )
        if outcome is Outcome.ROUTE:
            return self.routed(rule, node, fields)
        for field in ROUTE_ONLY_FIELDS:
            if field in fields:
                raise self.fail(fields[field][0], f"`{field}` only applies to `outcome: route`")
        return rule

    def routed(self, rule: Rule, node: Node, fields: Pairs) -> Rule:
        name = f"rule {rule.id!r}"
        for required in ("unit", "response_time_working_days"):
            if required not in fields:
                raise self.fail(node, f"{name} routes a referral, so it needs `{required}`")
        days_node = fields["response_time_working_days"][1]
        days = self.scalar(days_node)
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise self.fail(days_node, "`response_time_working_days` must be a whole number ≥ 1")
        tags_node = fields["tags"][1] if "tags" in fields else None
        return replace(
            rule,
            unit=Unit(self.choice(fields["unit"][1], "unit", Unit)),
            response_time_working_days=days,
            tags=self.tags(tags_node) if tags_node is not None else (),
        )

    def tags(self, node: Node) -> tuple[TagRule, ...]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, "`tags` must be a list of `- tag: … / when: …` entries")
        return tuple(self.tag(item) for item in node.value)

    def tag(self, node: Node) -> TagRule:
        fields = self.mapping(node, "a tag")
        self.only_fields(fields, TAG_FIELDS, "a tag")
        for required in TAG_FIELDS:
            if required not in fields:
                raise self.fail(node, f"this tag has no `{required}`")
        tag = self.text(fields["tag"][1], "`tag`")
        if tag not in KNOWN_TAGS:
            known = ", ".join(sorted(KNOWN_TAGS))
            raise self.fail(fields["tag"][1], f"unknown tag {tag!r}; known tags: {known}")
        return TagRule(tag=tag, when=self.condition(fields["when"][1]))

    def reason(self, node: Node) -> str:
        key = self.text(node, "`reason`")
        if not CATALOGUE_KEY.fullmatch(key):
            raise self.fail(
                node,
                f"`reason` must be a text-catalogue key such as routing.reason.unclear, not {key!r}"
                " (the words themselves live in the catalogue, in Danish and English)",
            )
        return key

    # --- whole-table checks -----------------------------------------------------------------

    def check_ids_unique(self, rules: tuple[Rule, ...]) -> None:
        first_line: dict[str, int] = {}
        for rule in rules:
            if rule.id in first_line:
                raise RuleTableError(
                    f"duplicate rule id {rule.id!r} (first used by the rule on line "
                    f"{first_line[rule.id]})",
                    line=rule.line,
                    source=self.source,
                )
            first_line[rule.id] = rule.line

    def check_acute_first(self, rules: tuple[Rule, ...]) -> None:
        # Life safety is not configurable: nobody in immediate danger may land in a queue.
        first = rules[0]
        if first.when != ACUTE_GATE or first.outcome is not Outcome.ACUTE:
            raise RuleTableError(
                "the first rule must be the acute gate (`when: {acute: true}` with "
                "`outcome: acute`), so that nobody in immediate danger waits in a queue",
                line=first.line,
                source=self.source,
            )

    def check_catch_all_last(self, rules: tuple[Rule, ...]) -> None:
        for index, rule in enumerate(rules):
            if isinstance(rule.when, Always) and index < len(rules) - 1:
                later = rules[index + 1]
                raise RuleTableError(
                    f"rule {later.id!r} can never match: rule {rule.id!r} on line {rule.line} "
                    "above it matches everything (`always: true` belongs on the last rule only)",
                    line=later.line,
                    source=self.source,
                )
        last = rules[-1]
        if not isinstance(last.when, Always):
            raise RuleTableError(
                f"the last rule ({last.id!r}) must be a catch-all with `when: {{always: true}}`, "
                "so that every referral gets a route",
                line=last.line,
                source=self.source,
            )

    # --- conditions ------------------------------------------------------------------------

    def condition(self, node: Node) -> Condition:
        tests = self.mapping(node, "a condition")
        if not tests:
            raise self.fail(node, "empty condition; write `always: true` for a catch-all")
        if "always" in tests and len(tests) > 1:
            raise self.fail(node, "`always: true` cannot be combined with other tests")
        parts = [self.test(key, key_node, value) for key, (key_node, value) in tests.items()]
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def test(self, key: str, key_node: ScalarNode, value: Node) -> Condition:
        if key == "always":
            if self.scalar(value) is not True:
                raise self.fail(value, "`always` can only be `true`")
            return Always()
        if key in BOOLEAN_TESTS:
            return BOOLEAN_TESTS[key](self.boolean(value, key))
        if key in ENUM_FIELDS:
            return FieldIn(key, frozenset(self.choices(value, f"`{key}`", ENUM_FIELDS[key])))
        if key == "has_sign":
            return HasSign(frozenset(self.sign_ids(value)))
        if key in ("any", "all"):
            return self.combination(key, value)
        if key == "not":
            return Not(self.condition(value))
        known = ", ".join(CONDITION_KEYS)
        raise self.fail(key_node, f"unknown condition {key!r}; known conditions: {known}")

    def combination(self, key: str, node: Node) -> Condition:
        if not isinstance(node, SequenceNode) or not node.value:
            raise self.fail(
                node, f"`{key}` needs a list of conditions, like `{key}: [{{…}}, {{…}}]`"
            )
        parts = tuple(self.condition(item) for item in node.value)
        return AnyOf(parts) if key == "any" else AllOf(parts)

    def sign_ids(self, node: Node) -> list[str]:
        ids = []
        for item in self.items(node):
            sign = self.text(item, "a sign")
            if sign not in SIGN_IDS:
                known = ", ".join(sorted(SIGN_IDS))
                raise self.fail(item, f"unknown sign {sign!r}; known signs: {known}")
            ids.append(sign)
        return ids

    # --- scalars, choices and mappings ------------------------------------------------------

    def choices(self, node: Node, what: str, enum: type[StrEnum]) -> list[StrEnum]:
        """A single value or a list of them: a list means "any of these"."""
        return [enum(self.choice(item, what, enum)) for item in self.items(node)]

    def choice(self, node: Node, what: str, enum: type[StrEnum]) -> str:
        value = self.scalar(node)
        allowed = [member.value for member in enum]
        if not isinstance(value, str) or value not in allowed:
            shown = repr(value) if isinstance(value, str) else repr(str(value).lower())
            raise self.fail(node, f"unknown {what} {shown}; allowed: {', '.join(allowed)}")
        return value

    def items(self, node: Node) -> list[Node]:
        if isinstance(node, SequenceNode):
            if not node.value:
                raise self.fail(node, "an empty list matches nothing; give at least one value")
            return list(node.value)
        return [node]

    def boolean(self, node: Node, what: str) -> bool:
        value = self.scalar(node)
        if not isinstance(value, bool):
            raise self.fail(node, f"`{what}` must be true or false")
        return value

    def text(self, node: Node, what: str) -> str:
        value = self.scalar(node)
        if not isinstance(value, str) or not value:
            raise self.fail(node, f"{what} must be a word, not {value!r}")
        return value

    def scalar(self, node: Node) -> Scalar:
        if not isinstance(node, ScalarNode):
            raise self.fail(node, "expected a single value here, not a list or mapping")
        if node.style:  # quoted or block text: always a string
            return str(node.value)
        plain = str(node.value)
        if plain.lower() in ("true", "false"):
            return plain.lower() == "true"
        if plain in ("", "~", "null"):
            return None
        return int(plain) if DIGITS.fullmatch(plain) else plain

    def mapping(self, node: Node, what: str) -> Pairs:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping of `field: value` lines")
        pairs: Pairs = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node) if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                raise self.fail(key_node, f"field names in {what} must be words")
            if key in pairs:
                first = pairs[key][0].start_mark.line + 1
                raise self.fail(key_node, f"`{key}` appears twice in {what} (also on line {first})")
            pairs[key] = (key_node, value_node)
        return pairs

    def only_fields(self, fields: Pairs, allowed: tuple[str, ...], what: str) -> None:
        for key, (key_node, _) in fields.items():
            if key not in allowed:
                raise self.fail(
                    key_node, f"unknown field {key!r} in {what}; allowed: {', '.join(allowed)}"
                )
