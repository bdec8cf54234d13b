"""The small condition language of `routing_rules.yaml`, as data that can be evaluated.

Each condition is a frozen value with `holds(facts)`; the YAML loader builds them, `route`
evaluates them. Equality is structural, so the loader can recognise `{always: true}` and
`{acute: true}` by comparing values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.referral import RoutingFacts, other_signs, serious_signs

# The RoutingFacts fields a rule may compare directly; the YAML key is the field name.
FACT_FIELDS = ("acute", "mode", "age_band", "lives_in_copenhagen", "crime_status")


class Condition(Protocol):
    def holds(self, facts: RoutingFacts) -> bool: ...


@dataclass(frozen=True)
class Always:
    """`always: true`: the catch-all of the last rule."""

    def holds(self, facts: RoutingFacts) -> bool:
        return True


@dataclass(frozen=True)
class FieldIn:
    """`mode: anonymous` or `age_band: [15_17, 18_25]`: the field has one of the values."""

    field: str
    values: frozenset[object]

    def holds(self, facts: RoutingFacts) -> bool:
        return getattr(facts, self.field) in self.values


@dataclass(frozen=True)
class HasSeriousSign:
    """`has_serious_sign: true|false`: at least one serious sign was ticked (or none was)."""

    expected: bool

    def holds(self, facts: RoutingFacts) -> bool:
        return bool(serious_signs(facts)) is self.expected


@dataclass(frozen=True)
class HasOtherSign:
    """`has_other_sign: true|false`: at least one other sign was ticked (or none was)."""

    expected: bool

    def holds(self, facts: RoutingFacts) -> bool:
        return bool(other_signs(facts)) is self.expected


@dataclass(frozen=True)
class HasSign:
    """`has_sign: weapons` or `has_sign: [weapons, threats]`: any of these particular signs."""

    signs: frozenset[str]

    def holds(self, facts: RoutingFacts) -> bool:
        return not self.signs.isdisjoint(facts.signs)


@dataclass(frozen=True)
class AllOf:
    """`all: [...]`, and also several keys in one mapping: every part holds."""

    parts: tuple[Condition, ...]

    def holds(self, facts: RoutingFacts) -> bool:
        return all(part.holds(facts) for part in self.parts)


@dataclass(frozen=True)
class AnyOf:
    """`any: [...]`: at least one part holds."""

    parts: tuple[Condition, ...]

    def holds(self, facts: RoutingFacts) -> bool:
        return any(part.holds(facts) for part in self.parts)


@dataclass(frozen=True)
class Not:
    """`not: {...}`: the inner condition does not hold."""

    inner: Condition

    def holds(self, facts: RoutingFacts) -> bool:
        return not self.inner.holds(facts)
