"""Typed commands of consultants and admins, recognised in Danish and English.

They take arguments ("sag BEK-2026-0042", "konsulent tilføj vink ahmad@kk.dk"), so they match
by their first words; the words are catalogue entries (`consultant.commands.<name>.words`) so
staff can add phrasings. Arguments keep their original case (names of resource persons).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from dialogs.i18n import Catalogue
from dialogs.text import strip_mentions

NAMES: tuple[str, ...] = (
    "queue",
    "case",
    "register",
    "consultant_add",
    "consultant_remove",
    "lead_add",
    "lead_remove",
    "members",
    "resource_add",
    "resource_remove",
    "resources",
    "audit",
    "help",
)
ADMIN_COMMANDS = frozenset(
    {
        "register",
        "consultant_add",
        "consultant_remove",
        "lead_add",
        "lead_remove",
        "members",
        "resource_add",
        "resource_remove",
        "resources",
        "audit",
    }
)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: str


def clean(text: str | None) -> str:
    """The text without @mentions and markup, spaces collapsed, case kept."""
    if not text:
        return ""
    text = html.unescape(_TAG.sub(" ", strip_mentions(text)))
    return _SPACE.sub(" ", text).strip(" \t\n.!?")


class ConsultantCommands:
    def __init__(self, catalogue: Catalogue) -> None:
        words: list[tuple[str, str]] = []
        for name in NAMES:
            for variant in catalogue.variants(f"consultant.commands.{name}.words"):
                for word in variant.split("|"):
                    word = _SPACE.sub(" ", word.strip().casefold())
                    if word:
                        words.append((word, name))
        # Longest first: "konsulent tilføj" before "konsulenter"-like shorter words.
        self._words = sorted(set(words), key=lambda pair: -len(pair[0]))

    def parse(self, text: str | None) -> Command | None:
        said = clean(text)
        folded = said.casefold()
        for word, name in self._words:
            if folded == word or folded.startswith(word + " "):
                return Command(name, said[len(word) :].strip())
        return None
