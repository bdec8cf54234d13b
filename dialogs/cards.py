"""Adaptive Card templates (JSON files in `dialogs/cards/`) filled from the catalogue.

In a template, a string `"{{key}}"` (whole string) becomes the catalogue text of `key` in the
turn's language, and `${name}` inside any string becomes `values[name]`. A list item
`{"$each": "name", "item": {...}}` repeats `item` for every mapping in `values[name]`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from dialogs.i18n import Catalogue

CARDS_DIR = Path(__file__).parent / "cards"
_TEXT_KEY = re.compile(r"^\{\{([a-z0-9_.]+)\}\}$")
_VALUE = re.compile(r"\$\{([a-z0-9_]+)\}")


@cache
def _template(name: str) -> Any:
    with open(CARDS_DIR / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def template_names() -> list[str]:
    return sorted(path.stem for path in CARDS_DIR.glob("*.json"))


def catalogue_keys_in(name: str) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            match = _TEXT_KEY.match(node)
            if match:
                found.add(match.group(1))
        elif isinstance(node, dict):
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(_template(name))
    return found


def render(name: str, catalogue: Catalogue, language: str, **values: Any) -> dict[str, Any]:
    def fill(node: Any, scope: dict[str, Any]) -> Any:
        if isinstance(node, str):
            match = _TEXT_KEY.match(node)
            if match:
                return catalogue.text(language, match.group(1))
            return _VALUE.sub(lambda m: str(scope[m.group(1)]), node)
        if isinstance(node, dict):
            return {key: fill(child, scope) for key, child in node.items()}
        if isinstance(node, list):
            out: list[Any] = []
            for child in node:
                if isinstance(child, dict) and "$each" in child:
                    for item in scope[child["$each"]]:
                        out.append(fill(child["item"], {**scope, **item}))
                else:
                    out.append(fill(child, scope))
            return out
        return node

    card = fill(_template(name), values)
    assert isinstance(card, dict)
    return card
