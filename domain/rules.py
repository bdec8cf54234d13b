"""The routing rule table as typed data: what `rule_loader` builds and `routing.route` reads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.conditions import Condition
from domain.referral import Unit


class Outcome(StrEnum):
    """What the bot does with a referral once a rule matches."""

    ACUTE = "acute"  # tell them to call 112 / 114; store nothing
    NOT_COPENHAGEN = "not_copenhagen"  # point to the national hotline; forward nothing
    QUESTION = "question"  # answer from the FAQ, offer VINK contact
    ROUTE = "route"  # store the referral and send it to a unit's channel


# Tags are shown on the consultant's card, so each needs catalogue text; a closed set turns a
# typo in the YAML ("SPP+") into a start-up error instead of a silently unknown tag.
KNOWN_TAGS = frozenset({"SSP+"})


class RuleTableError(ValueError):
    """The rule file cannot be used. The message names the file, the line and what is wrong."""

    def __init__(self, reason: str, *, line: int, source: str) -> None:
        super().__init__(f"{source}, line {line}: {reason}")
        self.reason = reason
        self.line = line
        self.source = source


@dataclass(frozen=True)
class TagRule:
    tag: str
    when: Condition


@dataclass(frozen=True)
class Rule:
    id: str
    when: Condition
    outcome: Outcome
    reason: str  # a text-catalogue key, never the words themselves
    unit: Unit | None = None  # only for Outcome.ROUTE
    response_time_working_days: int | None = None  # only for Outcome.ROUTE
    tags: tuple[TagRule, ...] = ()
    line: int = 0  # where the rule starts in the YAML, for messages to staff


@dataclass(frozen=True)
class RuleTable:
    rules: tuple[Rule, ...]
    source: str = "<rules>"

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
