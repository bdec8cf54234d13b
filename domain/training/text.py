"""Normalising what people type and matching words with Danish inflections and small typos.

A vocabulary entry is a *stem* ("radikalis", "temadag"): a token matches it when the token
starts with the stem, or when some prefix of the token is within a small edit distance of it
(one edit for stems of 5-8 letters, two from 9). Short stems must match exactly, so "om" or
"dag" never match by accident.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_TOKEN = re.compile(r"[0-9a-zæøåäöüéèáàëïóòúç]+(?:['’][a-z]+)?")
_SPACE = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """Lower case, NFC, no markup, single spaces; punctuation kept (dates need it)."""
    if not text:
        return ""
    text = _TAG.sub(" ", _MENTION.sub(" ", text))
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("’", "'").replace("&nbsp;", " ")
    return _SPACE.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """Words of a normalised text, apostrophes kept inside ("what's")."""
    return [match.group().replace("’", "'") for match in _TOKEN.finditer(text)]


def allowed_edits(stem: str) -> int:
    if len(stem) >= 9:
        return 2
    if len(stem) >= 5:
        return 1
    return 0


@lru_cache(maxsize=65536)
def _distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (optimal string alignment)."""
    if a == b:
        return 0
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b and previous_previous:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        previous_previous, previous = previous, current
    return previous[-1]


def distance(a: str, b: str) -> int:
    return _distance(a, b)


@lru_cache(maxsize=65536)
def matches_stem(token: str, stem: str, *, exact: bool = False) -> bool:
    """Does `token` start with `stem`, allowing for a typo or two in longer stems?

    `exact` stems (marked with a trailing "$" in the vocabulary) must equal the whole token,
    again with typos allowed for long ones."""
    edits = allowed_edits(stem)
    if exact:
        return token == stem or (edits > 0 and _distance(token, stem) <= edits)
    if token.startswith(stem):
        return True
    if edits == 0 or len(token) < len(stem) - edits:
        return False
    for length in range(max(1, len(stem) - edits), min(len(token), len(stem) + edits) + 1):
        if _distance(token[:length], stem) <= edits:
            return True
    return False


def word_matches(token: str, pattern: str) -> bool:
    """A vocabulary word: "stem" (prefix, typos allowed) or "word$" (whole word)."""
    if pattern.endswith("$"):
        return matches_stem(token, pattern[:-1], exact=True)
    return matches_stem(token, pattern)


def find_phrase(words: list[str], phrase: tuple[str, ...], start: int = 0) -> int | None:
    """Index of the first place at or after `start` where the phrase's patterns match
    consecutive words; None if nowhere."""
    size = len(phrase)
    for index in range(start, len(words) - size + 1):
        if all(word_matches(words[index + k], phrase[k]) for k in range(size)):
            return index
    return None
