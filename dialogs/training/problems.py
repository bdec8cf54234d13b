"""Problems with an event (from the card form or a catalogue file) in the user's language."""

from __future__ import annotations

from dialogs.i18n import Catalogue
from domain.training.events import Problem


def field_label(catalogue: Catalogue, language: str, field: str) -> str:
    key = f"training.field.{field}"
    return catalogue.text(language, key) if catalogue.has(key) else field


def problem_text(catalogue: Catalogue, language: str, problem: Problem) -> str:
    message = catalogue.text(language, f"training.problem.{problem.code}", **problem.values)
    if problem.field == "file":
        return message
    return catalogue.text(
        language,
        "training.problem.field",
        field=field_label(catalogue, language, problem.field),
        message=message,
    )


def line_text(catalogue: Catalogue, language: str, line: int, problem: Problem) -> str:
    text = problem_text(catalogue, language, problem)
    return catalogue.text(language, "training.problem.line", line=line, text=text)
