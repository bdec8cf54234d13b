"""Case references shown on the receipt: `BEK-2026-0042` (BEKymringshenvendelse, year, number).

The sequence restarts at 1 each year and is assigned by storage; this module only formats and
reads it. Four digits cover 9,999 referrals a year, far above Copenhagen's volume; beyond that
the number simply grows to five digits (`BEK-2026-10000`) instead of failing, because a receipt
must never be refused for a formatting limit. Such a reference still sorts correctly within
its year when compared as (year, sequence), not as text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

PREFIX = "BEK"
SEQUENCE_DIGITS = 4

# Word and Outlook turn "-" into an en dash or a non-breaking hyphen when the employee copies a
# reference from a mail; accept those as the same character.
_DASH = "[-\u2010\u2011\u2012\u2013\u2212]"
# Canonical shape only: four-digit year, at least four sequence digits, no leading zero beyond
# the padding (so "BEK-2026-00042" and "BEK-2026-42" are not references).
_BODY = rf"{PREFIX}{_DASH}(?P<year>[0-9]{{4}}){_DASH}(?P<sequence>[0-9]{{4}}|[1-9][0-9]{{4,}})"
_EXACT = re.compile(rf"\s*{_BODY}\s*", re.IGNORECASE)
_INSIDE = re.compile(rf"(?<![0-9A-Za-z]){_BODY}(?![0-9A-Za-z])", re.IGNORECASE)


class CaseReference(NamedTuple):
    year: int
    sequence: int

    def __str__(self) -> str:
        return format_reference(self.year, self.sequence)


def format_reference(year: int, sequence: int) -> str:
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have four digits, got {year}")
    if sequence < 1:
        raise ValueError(f"sequence numbers start at 1, got {sequence}")
    return f"{PREFIX}-{year}-{sequence:0{SEQUENCE_DIGITS}d}"


def parse_reference(text: str) -> CaseReference | None:
    """The reference in `text` if the whole text is one, ignoring case and surrounding spaces.

    Only the canonical shape is accepted (`bek-2026-0042` yes, `BEK-2026-42` no): a reference is
    copied, not retyped, and a loose match could point an employee at someone else's case.
    """
    match = _EXACT.fullmatch(text)
    return _reference(match) if match else None


def find_reference(text: str) -> CaseReference | None:
    """The first reference inside a sentence, e.g. "hvad er status på BEK-2026-0042?"."""
    match = _INSIDE.search(text)
    return _reference(match) if match else None


def _reference(match: re.Match[str]) -> CaseReference | None:
    reference = CaseReference(int(match["year"]), int(match["sequence"]))
    return reference if reference.year >= 1000 and reference.sequence >= 1 else None
