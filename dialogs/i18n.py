"""The text catalogue: every word a user sees, per language, by key.

`dialogs/catalogue/<language>/<feature>.json`, nested objects flattened to dotted keys.

Danish is the default; English is complete too. The Teams locale of the incoming activity
chooses (`da-DK` → da, `en-US` → en, anything else → the default). Placeholders use
`str.format` names (`{reference}`); a test keeps the languages complete and consistent.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


def language_of(locale: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map a Teams locale (`da-DK`, `en-GB`, `nb-NO` …) onto a catalogue language."""
    if not locale:
        return default
    primary = locale.replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else default


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Catalogue:
    """Texts of all languages. `text(lang, key, **values)` is the only way words reach users."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        self._texts = texts

    @classmethod
    def load(cls, directory: Path = CATALOGUE_DIR) -> Catalogue:
        """Every `<language>/*.json` file; one file per feature, keys unique across files."""
        texts: dict[str, dict[str, str]] = {}
        for language in LANGUAGES:
            merged: dict[str, str] = {}
            for path in sorted((directory / language).glob("*.json")):
                with open(path, encoding="utf-8") as handle:
                    flat = _flatten(json.load(handle))
                clash = merged.keys() & flat.keys()
                if clash:
                    raise ValueError(f"{path}: keys also defined elsewhere: {sorted(clash)[:5]}")
                merged.update(flat)
            texts[language] = merged
        return cls(texts)

    def languages(self) -> tuple[str, ...]:
        return tuple(self._texts)

    def keys(self, language: str) -> set[str]:
        return set(self._texts[language])

    def raw(self, language: str, key: str) -> str:
        return self._texts[language][key]

    def has(self, key: str) -> bool:
        return key in self._texts[DEFAULT_LANGUAGE]

    def text(self, language: str, key: str, /, **values: Any) -> str:
        texts = self._texts.get(language) or self._texts[DEFAULT_LANGUAGE]
        template = texts[key]
        return template.format(**values) if values else template

    def variants(self, key: str) -> set[str]:
        """A key's text in every language, e.g. the words a command answers to."""
        return {texts[key] for texts in self._texts.values()}


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, key + "."))
        elif isinstance(value, list):
            # Lists hold alternative phrasings (synonyms); joined by "|" for one string value.
            flat[key] = "|".join(str(item) for item in value)
        else:
            flat[key] = str(value)
    return flat


@cache
def default_catalogue() -> Catalogue:
    return Catalogue.load()
