"""Every card template, rendered in every language, is a valid Adaptive Card 1.5 for Teams.

Two independent validators (see `tests/tools/card_validation.py`): the official JSON schema
and the npm `adaptivecards` library in node. A new template needs an entry in SAMPLE_VALUES.
"""

from __future__ import annotations

from typing import Any

import pytest

from dialogs.cards import render, template_names
from dialogs.i18n import default_catalogue
from tests.tools.card_validation import (
    parse_problems,
    schema_errors,
    teams_errors,
    validate_card,
    validate_cards,
)

# The values each template is rendered with: what the dialogs pass to `render`. Text with
# quotes, Danish letters and markdown, so that filled-in text cannot break the card.
_COMMANDS = [
    {"cmd": "help", "title": "Hjælp", "description": "Vis hvad botten kan"},
    {"cmd": "cancel", "title": "Annuller", "description": 'Stop det du er i gang med ("annuller")'},
]
SAMPLE_VALUES: dict[str, dict[str, Any]] = {
    "help": {"commands": _COMMANDS, "all_commands": _COMMANDS},
    "notice": {"message": 'Den knap kender jeg ikke. Skriv **"hjælp"** & prøv igen.'},
    "welcome": {"commands": _COMMANDS},
    "welcome_group": {},
    "welcome_team": {},
}

LANGUAGES = default_catalogue().languages()


def render_sample(name: str, language: str) -> dict[str, Any]:
    if name not in SAMPLE_VALUES:
        pytest.fail(f"add sample values for {name} to SAMPLE_VALUES in {__name__}")
    try:
        return render(name, default_catalogue(), language, **SAMPLE_VALUES[name])
    except KeyError as missing:
        pytest.fail(f"add sample values for {name}: the template needs {missing}")


def all_samples() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{name} ({language})", render_sample(name, language))
        for name in template_names()
        for language in LANGUAGES
    ]


def test_there_are_templates_and_languages() -> None:
    assert template_names()
    assert set(LANGUAGES) == {"da", "en"}


@pytest.mark.parametrize("name", template_names())
def test_every_template_has_sample_values(name: str) -> None:
    if name not in SAMPLE_VALUES:
        pytest.fail(f"add sample values for {name} to SAMPLE_VALUES in {__name__}")


def test_no_sample_values_for_removed_templates() -> None:
    assert set(SAMPLE_VALUES) <= set(template_names())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", template_names())
def test_card_matches_the_adaptive_cards_1_5_schema(name: str, language: str) -> None:
    card = render_sample(name, language)
    assert schema_errors(card) + teams_errors(card) == []


def test_cards_parse_with_the_adaptivecards_library() -> None:
    samples = all_samples()
    reports = parse_problems([card for _, card in samples])
    problems = {label: report for (label, _), report in zip(samples, reports, strict=True)}
    assert {label: report for label, report in problems.items() if report} == {}


def test_all_cards_pass_every_validator() -> None:
    samples = all_samples()
    results = validate_cards([card for _, card in samples])
    assert len(results) == len(samples)
    assert [
        (label, problems) for (label, _), problems in zip(samples, results, strict=True) if problems
    ] == []


# --- the validators can fail ------------------------------------------------------------------


def card(*body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body), **extra}


def test_a_template_without_sample_values_fails_the_suite() -> None:
    with pytest.raises(pytest.fail.Exception, match="add sample values for no_such_card"):
        render_sample("no_such_card", "da")


def test_schema_rejects_an_unknown_element_type() -> None:
    errors = schema_errors(card({"type": "TextBlok", "text": "Hej"}))
    assert len(errors) == 1
    assert errors[0].startswith("$.body[0]: unknown type 'TextBlok'; expected one of [")


def test_schema_rejects_a_missing_required_property() -> None:
    assert schema_errors(card({"type": "TextBlock"})) == [
        "$.body[0]: 'text' is a required property"
    ]
    assert schema_errors(card(actions=[{"type": "Action.OpenUrl", "title": "kk.dk"}])) == [
        "$.actions[0]: 'url' is a required property"
    ]


def test_schema_errors_point_at_the_bad_property() -> None:
    errors = schema_errors(
        card({"type": "Container", "items": [{"type": "TextBlock", "text": "x", "size": "Huge"}]})
    )
    assert errors == [
        "$.body[0].items[0].size: 'Huge' is not one of "
        "['default', 'small', 'medium', 'large', 'extraLarge', None] (in any letter case)"
    ]


def test_schema_rejects_unknown_properties() -> None:
    errors = schema_errors(card({"type": "TextBlock", "text": "x", "colour": "good"}))
    assert errors == ["$.body[0]: Additional properties are not allowed ('colour' was unexpected)"]


def test_teams_rejects_versions_above_1_5() -> None:
    assert teams_errors(card(version="1.6")) == [
        "$.version: '1.6': Teams renders Adaptive Cards up to 1.5"
    ]
    assert teams_errors({"type": "AdaptiveCard", "body": []}) == [
        "$.version: None is not a version like '1.5'"
    ]


def test_parser_reports_duplicate_input_ids() -> None:
    duplicate = card(
        {"type": "Input.Text", "id": "name", "label": "Navn"},
        {"type": "Input.Text", "id": "name", "label": "Efternavn"},
    )
    assert schema_errors(duplicate) == []  # the schema cannot see this; the parser can
    (problems,) = parse_problems([duplicate])
    assert problems == [
        'adaptivecards: Validation DuplicateId: Duplicate Id "name". (Input.Text id="name")'
    ]


def test_parser_reports_unknown_types_and_bad_values() -> None:
    typo = {"type": "TextBlok", "text": "x"}
    bad_size = {"type": "TextBlock", "text": "x", "size": "Huge"}
    (problems,) = parse_problems([card(typo, bad_size)])
    assert any('Unknown element type "TextBlok"' in problem for problem in problems)
    assert any('Invalid value "Huge" for property "size"' in problem for problem in problems)


def test_validate_card_combines_all_checks() -> None:
    assert validate_card(card({"type": "TextBlock", "text": "Hej", "wrap": True})) == []
    problems = validate_card(
        card(
            {"type": "Input.Text", "id": "x", "label": "A"},
            {"type": "Input.Text", "id": "x", "label": "B"},
            {"type": "TextBlock"},
            version="1.6",
        )
    )
    assert "$.body[2]: 'text' is a required property" in problems
    assert "$.version: '1.6': Teams renders Adaptive Cards up to 1.5" in problems
    assert any("Duplicate Id" in problem for problem in problems)
