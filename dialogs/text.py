"""Normalising what people type, so commands match however they are written."""

from __future__ import annotations

import html
import re
import unicodedata

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t\n.,!?;:\"'()[]{}"


def strip_mentions(text: str) -> str:
    """Teams puts `<at>Bot</at>` in channel messages that @mention the bot."""
    return _MENTION.sub(" ", text)


def normalise(text: str | None) -> str:
    if not text:
        return ""
    text = html.unescape(_TAG.sub(" ", strip_mentions(text)))
    text = unicodedata.normalize("NFC", text).casefold()
    return _SPACE.sub(" ", text).strip(_EDGE_PUNCTUATION)
