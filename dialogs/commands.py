"""The commands a user can type or click, recognised in Danish and English.

Each command's words are catalogue entries (`commands.<name>.words`, alternatives separated by
`|`), so staff can add phrasings without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.i18n import Catalogue
from dialogs.text import normalise

# The commands in menu order. A feature adds its command here and its words to the catalogue.
MENU_COMMANDS: tuple[str, ...] = ("help",)
GLOBAL_COMMANDS: tuple[str, ...] = ("cancel", "help")


@dataclass(frozen=True, slots=True)
class CommandWords:
    name: str
    words: frozenset[str]


class CommandRecogniser:
    def __init__(self, catalogue: Catalogue, names: tuple[str, ...]) -> None:
        self._commands = [
            CommandWords(name, frozenset(self._words(catalogue, name))) for name in names
        ]

    @staticmethod
    def _words(catalogue: Catalogue, name: str) -> set[str]:
        words: set[str] = set()
        for variant in catalogue.variants(f"commands.{name}.words"):
            words.update(normalise(word) for word in variant.split("|") if word.strip())
        return words

    def recognise(self, text: str | None) -> str | None:
        said = normalise(text)
        if not said:
            return None
        for command in self._commands:
            if said in command.words:
                return command.name
        return None
