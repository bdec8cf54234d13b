"""The text catalogue stays complete and consistent: the same keys and placeholders in every
language, every key used in code or cards exists, and no key lies unused."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from dialogs.cards import catalogue_keys_in, template_names
from dialogs.i18n import Catalogue, default_catalogue, language_of, placeholders

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("bot", "dialogs", "domain")
catalogue = default_catalogue()
KEY_LOOKUPS = {"text", "raw", "variants", "has"}


def _code_files() -> list[Path]:
    return [path for folder in CODE_DIRS for path in (ROOT / folder).rglob("*.py")]


def _yaml_files() -> list[Path]:
    return [path for folder in CODE_DIRS for path in (ROOT / folder).rglob("*.yaml")]


def _key_patterns() -> tuple[set[str], list[re.Pattern[str]]]:
    """Literal keys and f-string key patterns that the code and data files mention."""
    literals: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                parts = [
                    re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z0-9_]+"
                    for v in node.values
                ]
                patterns.append(re.compile("".join(parts) + "$"))
    for path in _yaml_files():
        literals.update(re.findall(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+", path.read_text("utf-8")))
    for name in template_names():
        literals.update(catalogue_keys_in(name))
    return literals, patterns


def test_every_language_has_the_same_keys() -> None:
    keys = {language: catalogue.keys(language) for language in catalogue.languages()}
    danish = keys["da"]
    for language, found in keys.items():
        assert found - danish == set(), f"{language} has keys Danish lacks"
        assert danish - found == set(), f"{language} lacks keys"


@pytest.mark.parametrize("language", ["da", "en"])
def test_placeholders_are_well_formed_and_match_danish(language: str) -> None:
    for key in catalogue.keys("da"):
        text = catalogue.raw(language, key)
        list(string.Formatter().parse(text))  # raises on unbalanced braces
        assert placeholders(text) == placeholders(catalogue.raw("da", key)), key
        assert text.strip(), f"{language}:{key} is empty"


def test_every_key_used_in_code_and_cards_exists() -> None:
    missing = set()
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in KEY_LOOKUPS
            ):
                for arg in node.args[:2]:
                    if (
                        isinstance(arg, ast.Constant)
                        and isinstance(arg.value, str)
                        and "." in arg.value
                        and not catalogue.has(arg.value)
                    ):
                        missing.add(f"{path.relative_to(ROOT)}: {arg.value}")
    for name in template_names():
        missing.update(f"card {name}: {k}" for k in catalogue_keys_in(name) if not catalogue.has(k))
    assert missing == set()


def test_no_key_lies_unused() -> None:
    literals, patterns = _key_patterns()
    unused = {
        key
        for key in catalogue.keys("da")
        if key not in literals and not any(pattern.match(key) for pattern in patterns)
    }
    assert unused == set()


def test_a_broken_catalogue_is_caught() -> None:
    broken = Catalogue({"da": {"a.b": "Hej {name}"}, "en": {"a.b": "Hi {nmae}"}})
    assert placeholders(broken.raw("da", "a.b")) != placeholders(broken.raw("en", "a.b"))


@pytest.mark.parametrize(
    ("locale", "language"),
    [("da-DK", "da"), ("en-US", "en"), ("en-gb", "en"), ("nb-NO", "da"), (None, "da"), ("", "da")],
)
def test_the_teams_locale_chooses_the_language(locale: str | None, language: str) -> None:
    assert language_of(locale) == language


def test_every_language_has_the_same_feature_files() -> None:
    from dialogs.i18n import CATALOGUE_DIR, LANGUAGES

    files = {
        lang: sorted(p.name for p in (CATALOGUE_DIR / lang).glob("*.json")) for lang in LANGUAGES
    }
    assert files["en"] == files["da"]
