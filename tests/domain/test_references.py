"""Case references: BEK-<year>-<sequence>."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.references import CaseReference, find_reference, format_reference, parse_reference


@pytest.mark.parametrize(
    ("year", "sequence", "text"),
    [
        (2026, 1, "BEK-2026-0001"),
        (2026, 42, "BEK-2026-0042"),
        (2026, 9999, "BEK-2026-9999"),
        (2026, 10000, "BEK-2026-10000"),  # widens instead of failing
        (2027, 123456, "BEK-2027-123456"),
    ],
)
def test_format_and_parse(year: int, sequence: int, text: str) -> None:
    assert format_reference(year, sequence) == text
    assert parse_reference(text) == (year, sequence)
    assert str(CaseReference(year, sequence)) == text


@pytest.mark.parametrize(
    ("year", "sequence"), [(2026, 0), (2026, -1), (999, 1), (10000, 1)], ids=str
)
def test_format_rejects_impossible_numbers(year: int, sequence: int) -> None:
    with pytest.raises(ValueError):
        format_reference(year, sequence)


@pytest.mark.parametrize(
    "text",
    [
        "bek-2026-0042",
        "Bek-2026-0042",
        "  BEK-2026-0042\n",
        "BEK\u20132026\u20130042",  # en dashes, as Word and Outlook write them
        "BEK\u20112026\u20110042",  # non-breaking hyphens
    ],
)
def test_parse_accepts_case_spacing_and_typographic_dashes(text: str) -> None:
    assert parse_reference(text) == CaseReference(2026, 42)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "BEK-2026-42",  # not the canonical four digits
        "BEK-2026-00042",  # extra padding
        "BEK-2026-0000",  # sequences start at 1
        "BEK-26-0042",
        "BEK 2026 0042",
        "BEK-2026-0042x",
        "REF-2026-0042",
        "BEK-2026-0042 BEK-2026-0043",
        "BEK-0999-0001",
    ],
)
def test_parse_rejects_anything_but_the_canonical_form(text: str) -> None:
    assert parse_reference(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hvad er status på BEK-2026-0042?", CaseReference(2026, 42)),
        ("(bek-2027-10001)", CaseReference(2027, 10001)),
        ("se BEK-2026-0042 og BEK-2026-0043", CaseReference(2026, 42)),
        ("XBEK-2026-0042", None),
        ("sag BEK-2026-12345.", CaseReference(2026, 12345)),
        ("BEK-2026-004212", None),  # padding beyond four digits is not canonical
        ("BEK-2026-00421", None),
        ("ingen reference her", None),
    ],
)
def test_find_reference_in_a_sentence(text: str, expected: CaseReference | None) -> None:
    assert find_reference(text) == expected


@settings(database=None)
@given(st.integers(1000, 9999), st.integers(1, 10**7))
def test_round_trip(year: int, sequence: int) -> None:
    text = format_reference(year, sequence)
    assert parse_reference(text) == (year, sequence)
    assert parse_reference(text.lower()) == (year, sequence)
