"""Adaptive Cards of the referral dialog, built from the step table and the catalogue.

Every card carries `fallbackText` with the question and numbered options, so a client without
cards still shows what to answer; typed answers are accepted at every step.
"""

from __future__ import annotations

from typing import Any

from dialogs.i18n import Catalogue
from dialogs.referral.steps import Field, Step, is_serious

Card = dict[str, Any]
MAX_BUTTONS = 5


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]], fallback: str) -> Card:
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "fallbackText": fallback,
    }
    if actions:
        card["actions"] = actions
    return card


def text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


class ReferralCards:
    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    def _t(self, language: str, key: str, **values: Any) -> str:
        return self._catalogue.text(language, key, **values)

    def option_label(self, language: str, field: Field, option: str) -> str:
        key = f"options.{field.labels}.{option}" if field.labels else f"options.{option}"
        return self._t(language, key)

    def labels(self, language: str, field: Field) -> list[str]:
        return [self.option_label(language, field, option) for option in field.options]

    def prompt_key(self, step: Step, field: Field | None = None) -> str:
        if field is not None and step.kind == "form":
            return f"referral.step.{step.id}.{field.key}.prompt"
        return f"referral.step.{step.id}.prompt"

    def _header(self, language: str, progress: tuple[int, int] | None) -> list[dict[str, Any]]:
        if not progress:
            return []
        number, total = progress
        return [
            text_block(
                self._t(language, "referral.progress", number=number, total=total),
                isSubtle=True,
                size="Small",
            )
        ]

    def _numbered(self, labels: list[str]) -> str:
        return "\n".join(f"{number}. {label}" for number, label in enumerate(labels, 1))

    def choice(
        self, language: str, step: Step, field: Field, *, progress: tuple[int, int] | None
    ) -> Card:
        question = self._t(language, self.prompt_key(step, field))
        labels = self.labels(language, field)
        body = [*self._header(language, progress), text_block(question, weight="Bolder")]
        if len(field.options) <= MAX_BUTTONS:
            actions = [
                {
                    "type": "Action.Submit",
                    "title": label,
                    "data": {"step": step.id, "field": field.key, "answer": option},
                }
                for option, label in zip(field.options, labels, strict=True)
            ]
        else:
            # Teams shows at most five buttons: longer lists become a radio list and "Next".
            body[-1] = {
                "type": "Input.ChoiceSet",
                "id": "answer",
                "label": question,
                "style": "expanded",
                "isRequired": True,
                "errorMessage": self._t(language, f"referral.step.{step.id}.retry"),
                "choices": [
                    {"title": label, "value": option}
                    for option, label in zip(field.options, labels, strict=True)
                ],
            }
            actions = [
                {
                    "type": "Action.Submit",
                    "title": self._t(language, "referral.next"),
                    "data": {"step": step.id, "field": field.key},
                }
            ]
        fallback = "\n".join(
            [question, self._numbered(labels), self._t(language, "referral.answer_hint")]
        )
        return _card(body, actions, fallback)

    def text(
        self,
        language: str,
        step: Step,
        field: Field,
        *,
        progress: tuple[int, int] | None,
        notes: list[str] = (),  # type: ignore[assignment]
    ) -> Card:
        question = self._t(language, self.prompt_key(step, field))
        body = [*self._header(language, progress), text_block(question, weight="Bolder")]
        body.extend(text_block(note, isSubtle=True) for note in notes)
        return _card(body, [], "\n".join([question, *notes]))

    def ack(self, language: str, step: Step, *, progress: tuple[int, int] | None) -> Card:
        question = self._t(language, self.prompt_key(step))
        label = self._t(language, f"referral.step.{step.id}.ack")
        body = [*self._header(language, progress), text_block(question, color="Attention")]
        actions = [
            {"type": "Action.Submit", "title": label, "data": {"step": step.id, "ack": True}}
        ]
        return _card(body, actions, f"{question}\n{label}: ok")

    def multi(self, language: str, step: Step, *, progress: tuple[int, int] | None) -> Card:
        field = step.field
        serious = [o for o in field.options if is_serious(o)]
        other = [o for o in field.options if not is_serious(o)]
        question = self._t(language, self.prompt_key(step))
        body = [*self._header(language, progress), text_block(question, weight="Bolder")]
        for group, options in (("serious", serious), ("other", other)):
            body.append(
                text_block(
                    self._t(language, f"referral.step.signs.{group}.prompt"), weight="Bolder"
                )
            )
            body.append(
                {
                    "type": "Input.ChoiceSet",
                    "id": group,
                    "isMultiSelect": True,
                    "style": "expanded",
                    "choices": [
                        {"title": self.option_label(language, field, o), "value": o}
                        for o in options
                    ],
                }
            )
        actions = [
            {
                "type": "Action.Submit",
                "title": self._t(language, "referral.next"),
                "data": {"step": step.id},
            }
        ]
        fallback = "\n".join(
            [
                question,
                self._numbered(self.labels(language, field)),
                self._t(language, "referral.multi_hint"),
            ]
        )
        return _card(body, actions, fallback)

    def form(
        self,
        language: str,
        step: Step,
        answers: dict[str, Any],
        *,
        progress: tuple[int, int] | None,
    ) -> Card:
        question = self._t(language, self.prompt_key(step))
        body = [*self._header(language, progress), text_block(question, weight="Bolder")]
        for field in step.fields:
            label = self._t(language, self.prompt_key(step, field))
            current = answers.get(field.key)
            if field.kind == "choice":
                element: dict[str, Any] = {
                    "type": "Input.ChoiceSet",
                    "id": field.key,
                    "label": label,
                    "isRequired": not field.optional,
                    "errorMessage": self._t(language, f"referral.step.{step.id}.retry"),
                    "style": "compact",
                    "choices": [
                        {"title": self.option_label(language, field, o), "value": o}
                        for o in field.options
                    ],
                }
            else:
                element = {
                    "type": "Input.Text",
                    "id": field.key,
                    "label": label,
                    "isRequired": not field.optional,
                    "errorMessage": self._t(language, self.retry_key(step, field)),
                    "maxLength": field.limit,
                    "isMultiline": field.kind == "text" and field.limit > 100,
                }
                if field.kind == "year":
                    element["regex"] = "^[0-9]{4}$"
            if current is not None:
                element["value"] = str(current)
            body.append(element)
        actions = [
            {
                "type": "Action.Submit",
                "title": self._t(language, "referral.next"),
                "data": {"step": step.id},
            }
        ]
        return _card(body, actions, question)

    def retry_key(self, step: Step, field: Field) -> str:
        """The field's own retry text if the catalogue has one, else the step's."""
        key = f"referral.step.{step.id}.{field.key}.retry"
        return key if self._catalogue.has(key) else f"referral.step.{step.id}.retry"

    def summary(
        self, language: str, items: list[tuple[str, str, str]], *, unit: str, reason: str
    ) -> Card:
        """`items` are (step id, title, answer) in the order shown and numbered."""
        t = self._t
        body = [
            text_block(t(language, "referral.step.summary.prompt"), weight="Bolder"),
            {
                "type": "FactSet",
                "facts": [
                    {"title": f"{number}. {title}", "value": value}
                    for number, (_, title, value) in enumerate(items, 1)
                ],
            },
            text_block(f"{t(language, 'referral.step.summary.route')}: {unit}", weight="Bolder"),
            text_block(f"{t(language, 'referral.step.summary.route_reason')}: {reason}"),
            text_block(
                t(language, "referral.step.summary.privacy", unit=unit), isSubtle=True, size="Small"
            ),
            {
                "type": "Input.ChoiceSet",
                "id": "target",
                "label": t(language, "referral.step.summary.edit_choice"),
                "style": "compact",
                "choices": [
                    {"title": f"{number}. {title}", "value": step_id}
                    for number, (step_id, title, _) in enumerate(items, 1)
                ],
            },
        ]
        actions = [
            {
                "type": "Action.Submit",
                "title": t(language, "referral.step.summary.send"),
                "style": "positive",
                "data": {"step": "summary", "action": "send"},
            },
            {
                "type": "Action.Submit",
                "title": t(language, "referral.step.summary.edit"),
                "data": {"step": "summary", "action": "edit"},
            },
        ]
        lines = [f"{n}. {title}: {value}" for n, (_, title, value) in enumerate(items, 1)]
        fallback = "\n".join(
            [
                t(language, "referral.step.summary.prompt"),
                *lines,
                t(language, "referral.step.summary.retry"),
            ]
        )
        return _card(body, actions, fallback)

    def receipt(
        self, language: str, facts: list[tuple[str, str]], note: str | None, fallback: str
    ) -> Card:
        body: list[dict[str, Any]] = [
            text_block(
                self._t(language, "referral.receipt.title"),
                weight="Bolder",
                size="Medium",
                color="Good",
            ),
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts]},
        ]
        if note:
            body.append(text_block(note, isSubtle=True))
        return _card(body, [], fallback)
