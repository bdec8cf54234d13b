"""The commands a user can type or click, recognised in Danish and English.

Each command's words are catalogue entries (`commands.<name>.words`, alternatives separated by
`|`), so staff can add phrasings without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.i18n import Catalogue
from dialogs.text import normalise

# The commands in menu order. A feature adds its command here and its words to the catalogue.
MENU_COMMANDS: tuple[str, ...] = (
    "referral",
    "my_referrals",
    "add_information",
    "training",
    "help",
)
GLOBAL_COMMANDS: tuple[str, ...] = ("cancel", "help")
# Understood everywhere, shown in the help text rather than as welcome-card buttons.
PRIVACY_COMMANDS: tuple[str, ...] = ("my_data", "erase_my_data")


@dataclass(frozen=True, slots=True)
class CommandWords:
    name: str
    words: frozenset[str]
    # Word stems that start the command anywhere in a sentence ("jeg er bekymret for ...").
    stems: frozenset[str] = frozenset()


class CommandRecogniser:
    def __init__(self, catalogue: Catalogue, names: tuple[str, ...]) -> None:
        self._commands = [
            CommandWords(
                name,
                frozenset(self._words(catalogue, f"commands.{name}.words")),
                frozenset(self._words(catalogue, f"commands.{name}.contains")),
            )
            for name in names
        ]

    @staticmethod
    def _words(catalogue: Catalogue, key: str) -> set[str]:
        words: set[str] = set()
        if not catalogue.has(key):
            return words
        for variant in catalogue.variants(key):
            words.update(normalise(word) for word in variant.split("|"))
        words.discard("")
        return words

    def recognise(self, text: str | None, *, stems: bool = True) -> str | None:
        """The command a text is: a whole phrase first, then (with `stems`) a stem anywhere."""
        said = normalise(text)
        if not said:
            return None
        for command in self._commands:
            if said in command.words:
                return command.name
        if not stems:
            return None
        for command in self._commands:
            if any(stem in said for stem in command.stems):
                return command.name
        return None
