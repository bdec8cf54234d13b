"""Routing a concern referral: first matching rule of the staff-editable table wins.

The table is `routing_rules.yaml` beside this module (see docs/routing.md). `route` is pure:
the same facts and table always give the same decision, and nothing is looked up elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.referral import RoutingFacts, Unit
from domain.rule_loader import load_rules, parse_rules
from domain.rules import Outcome, Rule, RuleTable, RuleTableError

__all__ = [
    "DEFAULT_RULES_PATH",
    "Outcome",
    "RoutingDecision",
    "RuleTable",
    "RuleTableError",
    "default_rules",
    "load_rules",
    "parse_rules",
    "route",
]

# A path, not a package resource, so settings can point elsewhere with the same type.
DEFAULT_RULES_PATH = Path(__file__).with_name("routing_rules.yaml")


@dataclass(frozen=True)
class RoutingDecision:
    """What to do with a referral, and the catalogue key that explains why to the employee."""

    rule_id: str
    outcome: Outcome
    unit: Unit | None
    tags: tuple[str, ...]
    reason_key: str
    response_time_working_days: int | None

    @property
    def is_routed(self) -> bool:
        """Only a routed referral is stored and shown to consultants."""
        return self.outcome is Outcome.ROUTE


def route(facts: RoutingFacts, table: RuleTable) -> RoutingDecision:
    for rule in table.rules:
        if rule.when.holds(facts):
            return _decision(rule, facts)
    # A loaded table always ends in a catch-all; only a hand-built table can get here.
    raise LookupError(f"no rule in {table.source} matches; the table needs a catch-all rule")


def _decision(rule: Rule, facts: RoutingFacts) -> RoutingDecision:
    return RoutingDecision(
        rule_id=rule.id,
        outcome=rule.outcome,
        unit=rule.unit,
        tags=tuple(tag.tag for tag in rule.tags if tag.when.holds(facts)),
        reason_key=rule.reason,
        response_time_working_days=rule.response_time_working_days,
    )


@cache
def default_rules() -> RuleTable:
    """The packaged table. Raises `RuleTableError` if it was edited into an unusable state."""
    return load_rules(DEFAULT_RULES_PATH)
