"""Understanding short answers in Danish and English: yes/no/maybe, numbered choices, lists
of numbers, and the personal data that must not be typed (CPR numbers; names, phone numbers
and e-mail addresses in anonymous mode)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from dialogs.i18n import Catalogue
from dialogs.text import normalise

YES, NO, MAYBE = "yes", "no", "unknown"

# DDMMYY-SSSS with or without the dash or a space; the date part must be a real date.
_CPR = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Danish numbers: 8 digits, optionally +45/0045 and spaces in pairs or fours.
_PHONE = re.compile(r"(?<!\d)(?:\+45|0045)?[ ]?(?:\d{2}[ ]?){3}\d{2}(?!\d)")
_WORD = re.compile(r"[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*)$")


def words_of(catalogue: Catalogue, key: str) -> frozenset[str]:
    found: set[str] = set()
    for variant in catalogue.variants(key):
        found.update(normalise(word) for word in variant.split("|"))
    found.discard("")  # "?" normalises to nothing; an empty message is not a command
    return frozenset(found)


@dataclass(frozen=True)
class Vocabulary:
    """The answer words of every language, loaded once from the catalogue."""

    yes: frozenset[str]
    no: frozenset[str]
    maybe: frozenset[str]
    none: frozenset[str]
    skip: frozenset[str]
    back: frozenset[str]
    why: frozenset[str]
    send: frozenset[str]
    edit: frozenset[str]

    @classmethod
    def load(cls, catalogue: Catalogue) -> Vocabulary:
        return cls(
            yes=words_of(catalogue, "answers.yes"),
            no=words_of(catalogue, "answers.no"),
            maybe=words_of(catalogue, "answers.maybe"),
            none=words_of(catalogue, "answers.none"),
            skip=words_of(catalogue, "answers.skip"),
            back=words_of(catalogue, "referral.words.back"),
            why=words_of(catalogue, "referral.words.why"),
            send=words_of(catalogue, "referral.words.send"),
            edit=words_of(catalogue, "referral.words.edit"),
        )

    def yes_no_maybe(self, text: str | None) -> str | None:
        said = normalise(text)
        if said in self.yes:
            return YES
        if said in self.no:
            return NO
        if said in self.maybe:
            return MAYBE
        return None


def choose(
    text: str | None, options: Sequence[str], labels: Sequence[str], vocabulary: Vocabulary
) -> str | None:
    """The option meant by a typed answer: its number, its label in any language, its id, or
    yes/no/"don't know" when the options are those."""
    said = normalise(text)
    if not said:
        return None
    if said.isdigit():
        index = int(said) - 1
        return options[index] if 0 <= index < len(options) else None
    for option, label in zip(options, labels, strict=True):
        if said in (normalise(label), normalise(option.replace("_", " ")), option):
            return option
    meaning = vocabulary.yes_no_maybe(said)
    if meaning and meaning in options:
        return meaning
    return None


def choose_many(
    text: str | None, options: Sequence[str], vocabulary: Vocabulary
) -> list[str] | None:
    """Numbers separated by commas, spaces or "og"/"and"; [] for "none"; None if unreadable."""
    said = normalise(text)
    if said in vocabulary.none:
        return []
    parts = [part for part in re.split(r"[,;\s]+|\bog\b|\band\b", said) if part]
    if not parts or not all(part.isdigit() for part in parts):
        return None
    chosen: list[str] = []
    for part in parts:
        index = int(part) - 1
        if not 0 <= index < len(options):
            return None
        if options[index] not in chosen:
            chosen.append(options[index])
    return chosen


def contains_cpr(text: str) -> bool:
    for match in _CPR.finditer(text):
        day, month, year = (int(part) for part in match.groups()[:3])
        try:
            date(2000 + year, month, day)
        except ValueError:
            continue
        return True
    return False


def personal_data_in(text: str) -> list[str]:
    """Kinds of identifying data in a text: "email", "phone", "name" (in that order).

    Names are guessed: a capitalised word that does not start a sentence. It warns, never
    blocks, so a false alarm costs one click."""
    found: list[str] = []
    if _EMAIL.search(text):
        found.append("email")
    if _PHONE.search(_EMAIL.sub(" ", text)):
        found.append("phone")
    for match in _WORD.finditer(text):
        word = match.group()
        starts_sentence = bool(_SENTENCE_START.search(text[: match.start()]))
        if (not starts_sentence and word not in _NOT_NAMES) or word in first_names():
            found.append("name")
            break
    return found


@cache
def first_names() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "first_names.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# Capitalised words that are not names of people (institutions, days, months, languages).
_NOT_NAMES = frozenset(
    {
        "VINK",
        "SSP",
        "Teams",
        "København",
        "Københavns",
        "Kommune",
        "Danmark",
        "Facebook",
        "Instagram",
        "TikTok",
        "Snapchat",
        "YouTube",
        "Discord",
        "Telegram",
        "Islam",
        "Gud",
        "Koranen",
        "Mandag",
        "Tirsdag",
        "Onsdag",
        "Torsdag",
        "Fredag",
        "Lørdag",
        "Søndag",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "I",
        "Syrien",
        "Irak",
        "Ukraine",
        "Rusland",
        "Nørrebro",
        "Amager",
        "Vesterbro",
        "Valby",
        "Bispebjerg",
        "Brønshøj",
        "Østerbro",
        "Christianshavn",
    }
)
