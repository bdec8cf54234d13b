"""Adaptive Cards of the consultant side, built from plain data and the catalogue.

Two faces of every card that carries case content (docs/consultants.md, "What the channel
sees"):

- the **public** card is what is posted into the channel and stored in Teams: reference,
  unit, mode, age band, signs, crime status, route reason, time waiting, status and who
  claimed it. Never the free text, the employee's or the young person's identity, questions,
  answers or notes. Its `fallbackText` and the activity's summary say even less.
- the **full** card adds the content. Teams fetches it per user with the card's `refresh`
  (an `Action.Execute` the server answers only for the unit's consultants, whose Teams ids are
  in `refresh.userIds`); anyone else keeps the public card. A "Show details" button does the
  same on demand (for consultants the roster does not list, or clients without refresh).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel.numbers import format_decimal

from dialogs.formatting import when
from dialogs.i18n import Catalogue
from domain.casework import (
    Action,
    CloseOutcome,
    Deadlines,
    TopicMap,
    allows,
    may_transfer,
    other_unit,
)
from domain.referral import SERIOUS_SIGN_IDS
from storage.audit import AuditEntry
from storage.casework import Case, CaseContent, CaseEvent, CaseMessage
from storage.resource_persons import ResourcePerson

Card = dict[str, Any]
QUESTION_LIMIT = 1000
NOTE_LIMIT = 1000
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


@dataclass(frozen=True)
class CaseDetails:
    """What the full card shows besides the case itself."""

    content: CaseContent
    messages: Sequence[CaseMessage] = ()
    suggested: Sequence[ResourcePerson] = ()
    candidates: Sequence[tuple[ResourcePerson, int]] = ()
    events: Sequence[CaseEvent] = ()


@dataclass(frozen=True)
class ThreadNote:
    """A reply in the referral's thread: its kind and the ids that find its text."""

    kind: str  # question | answer | addition | unreachable | reminder
    message_id: int | None = None
    addition_id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(body: list[dict[str, Any]], fallback: str, **extra: Any) -> Card:
    built: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "body": body,
        "fallbackText": fallback,
    }
    built.update({key: value for key, value in extra.items() if value})
    return built


def facts(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


def execute(title: str, verb: str, data: dict[str, Any], **style: Any) -> dict[str, Any]:
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data, **style}


class CaseCards:
    def __init__(
        self,
        catalogue: Catalogue,
        *,
        deadlines: Deadlines,
        topics: TopicMap,
        reason_keys: Mapping[str, str] | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._deadlines = deadlines
        self._topics = topics
        self._reason_keys = dict(reason_keys or {})

    def t(self, language: str, key: str, **values: Any) -> str:
        return self._catalogue.text(language, key, **values)

    # --- labels ----------------------------------------------------------------------------

    def unit(self, language: str, unit: str) -> str:
        return self.t(language, f"consultant.unit.{unit}")

    def topic(self, language: str, topic: str) -> str:
        key = f"consultant.topic.{topic}"
        return self.t(language, key) if self._catalogue.has(key) else topic

    def outcome(self, language: str, outcome: str) -> str:
        key = f"consultant.outcome.{outcome}"
        return self.t(language, key) if self._catalogue.has(key) else outcome

    def _rule(self, language: str, rule_id: str) -> str:
        """The consultants' label of a routing rule; for a rule staff added without one, the
        reason the employee was given, or else the rule's id."""
        key = f"consultant.rule.{rule_id}"
        if self._catalogue.has(key):
            return self.t(language, key)
        reason = self._reason_keys.get(rule_id)
        return self.t(language, reason) if reason and self._catalogue.has(reason) else rule_id

    def _signs(self, language: str, signs: Sequence[str]) -> str:
        if not signs:
            return self.t(language, "consultant.card.no_signs")
        labels = []
        for sign in signs:
            label = self.t(language, f"options.sign.{sign}")
            labels.append(f"⚠ {label}" if sign in SERIOUS_SIGN_IDS else label)
        return ", ".join(labels)

    def waiting(self, language: str, case: Case, now: datetime) -> str:
        days = self._deadlines.waiting(case.unit_since, now)
        number = format_decimal(round(days, 1), format="0.0", locale=language)
        return self.t(language, "consultant.card.waiting_days", days=number)

    def status_line(self, language: str, case: Case, now: datetime) -> str:
        if case.status == "closed":
            return self.t(language, "consultant.card.status.closed")
        if case.status == "claimed":
            who = case.claimed_by_name or self.t(language, "consultant.card.a_consultant")
            return self.t(language, "consultant.card.status.claimed", name=who)
        return self.t(language, "consultant.card.status.new")

    def summary(self, language: str, case: Case) -> str:
        """The activity summary and notification text: reference and unit, nothing else."""
        return self.t(
            language,
            "consultant.card.summary",
            reference=case.reference,
            unit=self.unit(language, case.unit),
        )

    # --- the referral card -----------------------------------------------------------------

    def _facts(self, language: str, case: Case, now: datetime) -> dict[str, Any]:
        t = self.t
        rows = [
            (t(language, "consultant.card.unit"), self.unit(language, case.unit)),
            (t(language, "consultant.card.mode"), t(language, f"options.mode.{case.mode}")),
            (t(language, "consultant.card.age"), t(language, f"options.age_band.{case.age_band}")),
            (t(language, "consultant.card.signs"), self._signs(language, case.signs)),
            (
                t(language, "consultant.card.crime"),
                t(language, f"options.crime_status.{case.crime_status}"),
            ),
            (t(language, "consultant.card.reason"), self._rule(language, case.rule_id)),
            (
                t(language, "consultant.card.received"),
                when(self._catalogue, language, case.created_at),
            ),
        ]
        if case.tags:
            rows.append((t(language, "consultant.card.tags"), ", ".join(case.tags)))
        if case.is_open:
            rows.append((t(language, "consultant.card.waiting"), self.waiting(language, case, now)))
        if case.status == "new" and case.respond_by is not None:
            deadline = self._deadlines.remind_at(case.unit_since)
            rows.append(
                (t(language, "consultant.card.claim_by"), when(self._catalogue, language, deadline))
            )
        return facts(rows)

    def _header(self, language: str, case: Case, now: datetime) -> list[dict[str, Any]]:
        return [
            block(
                self.t(language, "consultant.card.title", reference=case.reference),
                weight="Bolder",
                size="Medium",
            ),
            block(
                self.status_line(language, case, now),
                color="Good" if case.status == "claimed" else "Default",
                isSubtle=case.status == "closed",
            ),
            self._facts(language, case, now),
        ]

    @staticmethod
    def _data(case: Case, **extra: Any) -> dict[str, Any]:
        return {"referral_id": case.id, "unit": case.unit, **extra}

    def _refresh(self, case: Case, refresh_ids: Sequence[str]) -> dict[str, Any] | None:
        if not refresh_ids:
            return None
        return {
            "action": {
                "type": "Action.Execute",
                "verb": "referral.refresh",
                "data": self._data(case),
            },
            "userIds": list(refresh_ids),
        }

    def public(
        self,
        language: str,
        case: Case,
        *,
        now: datetime,
        refresh_ids: Sequence[str] = (),
        superseded: str | None = None,
        to_unit: str | None = None,
    ) -> Card:
        """The channel card everyone sees. `superseded` (transfer | move): this post is old."""
        if superseded is not None:
            return self.superseded(language, case, superseded, to_unit or case.unit)
        body = self._header(language, case, now)
        body.append(
            block(self.t(language, "consultant.card.private_note"), isSubtle=True, size="Small")
        )
        actions = []
        if allows(case.status, Action.CLAIM):
            actions.append(
                execute(
                    self.t(language, "consultant.action.claim"),
                    "referral.claim",
                    self._data(case),
                    style="positive",
                )
            )
        actions.append(
            execute(
                self.t(language, "consultant.action.details"), "referral.details", self._data(case)
            )
        )
        return card(
            body,
            self.summary(language, case),
            actions=actions,
            refresh=self._refresh(case, refresh_ids),
        )

    def superseded(self, language: str, case: Case, why: str, to_unit: str) -> Card:
        key = "consultant.card.transferred" if why == "transfer" else "consultant.card.moved"
        text = self.t(language, key, reference=case.reference, unit=self.unit(language, to_unit))
        body = [
            block(
                self.t(language, "consultant.card.title", reference=case.reference),
                weight="Bolder",
                size="Medium",
            ),
            block(text, isSubtle=True),
        ]
        return card(body, text)

    def full(
        self,
        language: str,
        case: Case,
        details: CaseDetails,
        *,
        now: datetime,
        refresh_ids: Sequence[str] = (),
        note: str | None = None,
        history: bool = False,
        audit_hint: bool = True,
    ) -> Card:
        """The card with content, for the unit's consultants only."""
        t = self.t
        body = self._header(language, case, now)
        if note:
            body.insert(1, block(note, color="Accent", weight="Bolder"))
        content = details.content
        body.append(block(t(language, "consultant.card.employee"), weight="Bolder", separator=True))
        body.append(block(self._employee(language, case, content)))
        body.append(block(t(language, "consultant.card.description"), weight="Bolder"))
        body.append(block(content.description))
        context = self._context(language, content)
        if context:
            body.append(facts(context))
        if content.youth:
            body.append(block(t(language, "consultant.card.youth"), weight="Bolder"))
            body.append(facts(self._youth(language, content.youth)))
        for at, text in content.additions:
            stamp = when(self._catalogue, language, at)
            body.append(block(t(language, "consultant.card.addition", when=stamp), weight="Bolder"))
            body.append(block(text))
        if details.messages:
            body.append(
                block(t(language, "consultant.card.messages"), weight="Bolder", separator=True)
            )
            body.extend(self._message(language, message) for message in details.messages)
        if details.suggested:
            names = ", ".join(person.name for person in details.suggested)
            body.append(block(t(language, "consultant.card.suggested", names=names)))
        if case.status == "closed" and case.outcome:
            body.append(
                block(
                    t(
                        language,
                        "consultant.card.outcome",
                        outcome=self.outcome(language, case.outcome),
                    ),
                    weight="Bolder",
                )
            )
        if history and details.events:
            body.append(
                block(t(language, "consultant.card.history"), weight="Bolder", separator=True)
            )
            body.append(facts([self._event(language, event) for event in details.events]))
        if audit_hint:
            body.append(block(t(language, "consultant.card.audited"), isSubtle=True, size="Small"))
        return card(
            body,
            self.summary(language, case),
            actions=self._actions(language, case, details),
            refresh=self._refresh(case, refresh_ids),
        )

    def _employee(self, language: str, case: Case, content: CaseContent) -> str:
        role = self.t(language, f"options.role.{case.employee_role}")
        administration = self.t(language, f"options.administration.{case.employee_administration}")
        if case.mode == "anonymous" or not content.employee_name:
            return self.t(
                language,
                "consultant.card.employee_anonymous",
                role=role,
                administration=administration,
            )
        return self.t(
            language,
            "consultant.card.employee_named",
            name=content.employee_name,
            role=role,
            administration=administration,
        )

    def _context(self, language: str, content: CaseContent) -> list[tuple[str, str]]:
        rows = []
        for key in ("leader", "parents", "aware", "agencies", "protective"):
            value = content.context.get(key)
            if value in (None, ""):
                continue
            shown = (
                self.t(language, f"options.{value}")
                if value in ("yes", "no", "unknown")
                else str(value)
            )
            rows.append((self.t(language, f"referral.step.context.{key}.short"), shown))
        return rows

    def _youth(self, language: str, youth: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [
            (self.t(language, f"consultant.youth.{key}"), str(youth[key]))
            for key in ("name", "birth_year", "school")
            if youth.get(key) not in (None, "")
        ]

    def _message(self, language: str, message: CaseMessage) -> dict[str, Any]:
        stamp = when(self._catalogue, language, message.at)
        title = self.t(language, f"consultant.message.{message.kind}", when=stamp)
        return {
            "type": "Container",
            "items": [block(title, isSubtle=True, size="Small"), block(message.text)],
        }

    def _event(self, language: str, event: CaseEvent) -> tuple[str, str]:
        key = f"consultant.event.{event.kind}"
        label = self.t(language, key) if self._catalogue.has(key) else event.kind
        return when(
            self._catalogue, language, event.at
        ), f"{label} ({self.unit(language, event.unit)})"

    def _actions(self, language: str, case: Case, details: CaseDetails) -> list[dict[str, Any]]:
        t = self.t
        data = self._data(case)
        actions: list[dict[str, Any]] = []
        if allows(case.status, Action.CLAIM):
            actions.append(
                execute(
                    t(language, "consultant.action.claim"), "referral.claim", data, style="positive"
                )
            )
        if allows(case.status, Action.ASK):
            actions.append(
                self._show(
                    t(language, "consultant.action.ask"),
                    [
                        {
                            "type": "Input.Text",
                            "id": "question",
                            "label": t(language, "consultant.ask.label"),
                            "isMultiline": True,
                            "isRequired": True,
                            "maxLength": QUESTION_LIMIT,
                            "errorMessage": t(language, "consultant.ask.required"),
                        },
                        block(t(language, "consultant.ask.hint"), isSubtle=True, size="Small"),
                    ],
                    execute(t(language, "consultant.ask.send"), "referral.ask", data),
                )
            )
        to_unit = other_unit(case.unit)
        if allows(case.status, Action.TRANSFER) and may_transfer(case.mode, to_unit):
            actions.append(
                self._show(
                    t(language, "consultant.action.transfer", unit=self.unit(language, to_unit)),
                    [
                        {
                            "type": "Input.Text",
                            "id": "transfer_reason",
                            "label": t(language, "consultant.transfer.label"),
                            "isMultiline": True,
                            "isRequired": True,
                            "maxLength": NOTE_LIMIT,
                            "errorMessage": t(language, "consultant.transfer.required"),
                        }
                    ],
                    execute(
                        t(language, "consultant.transfer.send"),
                        "referral.transfer",
                        {**data, "to_unit": to_unit},
                    ),
                )
            )
        if allows(case.status, Action.SUGGEST) and details.candidates:
            actions.append(self._suggest(language, case, details.candidates))
        if allows(case.status, Action.CLOSE):
            actions.append(self._close(language, case))
        return actions

    @staticmethod
    def _show(title: str, body: list[dict[str, Any]], action: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "Action.ShowCard",
            "title": title,
            "card": {"type": "AdaptiveCard", "body": body, "actions": [action]},
        }

    def _suggest(
        self, language: str, case: Case, candidates: Sequence[tuple[ResourcePerson, int]]
    ) -> dict[str, Any]:
        t = self.t
        choices = []
        for person, _score in candidates:
            topics = ", ".join(self.topic(language, topic) for topic in person.topics)
            title = f"{person.name}: {person.competences}" + (f" ({topics})" if topics else "")
            choices.append({"title": title, "value": str(person.id)})
        return self._show(
            t(language, "consultant.action.suggest"),
            [
                {
                    "type": "Input.ChoiceSet",
                    "id": "resource_person",
                    "label": t(language, "consultant.suggest.label"),
                    "style": "expanded",
                    "isRequired": True,
                    "errorMessage": t(language, "consultant.suggest.required"),
                    "choices": choices,
                }
            ],
            execute(t(language, "consultant.suggest.send"), "referral.suggest", self._data(case)),
        )

    def _close(self, language: str, case: Case) -> dict[str, Any]:
        t = self.t
        return self._show(
            t(language, "consultant.action.close"),
            [
                {
                    "type": "Input.ChoiceSet",
                    "id": "close_outcome",
                    "label": t(language, "consultant.close.label"),
                    "style": "expanded",
                    "isRequired": True,
                    "errorMessage": t(language, "consultant.close.required"),
                    "choices": [
                        {"title": self.outcome(language, outcome.value), "value": outcome.value}
                        for outcome in CloseOutcome
                    ],
                },
                {
                    "type": "Input.Text",
                    "id": "close_note",
                    "label": t(language, "consultant.close.note"),
                    "isMultiline": True,
                    "maxLength": NOTE_LIMIT,
                },
            ],
            execute(
                t(language, "consultant.close.send"),
                "referral.close",
                self._data(case),
                style="destructive",
            ),
        )

    # --- thread notes --------------------------------------------------------------------------

    def note_public(
        self, language: str, case: Case, note: ThreadNote, *, refresh_ids: Sequence[str] = ()
    ) -> Card:
        text = self.t(
            language, f"consultant.note.{note.kind}", reference=case.reference, **note.extra
        )
        body = [block(text, weight="Bolder")]
        data = self._note_data(case, note)
        if data is None:
            return card(body, text)
        body.append(block(self.t(language, "consultant.note.private"), isSubtle=True, size="Small"))
        refresh = None
        if refresh_ids:
            refresh = {
                "action": {"type": "Action.Execute", "verb": "referral.note_refresh", "data": data},
                "userIds": list(refresh_ids),
            }
        actions = [execute(self.t(language, "consultant.action.show"), "referral.note", data)]
        return card(body, text, actions=actions, refresh=refresh)

    def note_full(self, language: str, case: Case, note: ThreadNote, text: str) -> Card:
        title = self.t(
            language, f"consultant.note.{note.kind}", reference=case.reference, **note.extra
        )
        return card([block(title, weight="Bolder"), block(text)], title)

    def _note_data(self, case: Case, note: ThreadNote) -> dict[str, Any] | None:
        if note.message_id is not None:
            return self._data(case, message_id=note.message_id)
        if note.addition_id is not None:
            return self._data(case, addition_id=note.addition_id)
        return None

    # --- 1:1 -------------------------------------------------------------------------------------

    def question(self, language: str, case: Case, question_id: int, text: str) -> Card:
        """The consultant's question as the employee sees it, with an answer field."""
        t = self.t
        title = t(
            language,
            "consultant.employee.question_title",
            reference=case.reference,
            unit=self.unit(language, case.unit),
        )
        body = [
            block(title, weight="Bolder"),
            block(text),
            {
                "type": "Input.Text",
                "id": "answer",
                "label": t(language, "consultant.employee.answer_label"),
                "isMultiline": True,
                "isRequired": True,
                "maxLength": QUESTION_LIMIT,
                "errorMessage": t(language, "consultant.employee.answer_required"),
            },
            block(t(language, "consultant.employee.answer_hint"), isSubtle=True, size="Small"),
        ]
        if case.mode == "anonymous":
            body.append(
                block(
                    t(language, "consultant.employee.still_anonymous"), isSubtle=True, size="Small"
                )
            )
        actions = [
            execute(
                t(language, "consultant.employee.answer_send"),
                "referral.answer",
                {"question_id": question_id},
                style="positive",
            )
        ]
        fallback = "\n".join([title, text, t(language, "consultant.employee.answer_fallback")])
        return card(body, fallback, actions=actions)

    def notice(self, text: str, *, extra: Sequence[str] = ()) -> Card:
        return card([block(text, weight="Bolder"), *(block(line) for line in extra)], text)

    def queue(self, language: str, cases: Sequence[Case], now: datetime) -> Card:
        t = self.t
        title = t(language, "consultant.queue.title", count=len(cases))
        body: list[dict[str, Any]] = [block(title, weight="Bolder", size="Medium")]
        lines = [title]
        for case in cases:
            status = self.status_line(language, case, now)
            if case.is_open:
                status = f"{status} · {self.waiting(language, case, now)}"
            line = f"{case.reference} · {self.unit(language, case.unit)} · {status}"
            lines.append(line)
            body.append(
                {
                    "type": "Container",
                    "separator": True,
                    "items": [
                        block(case.reference, weight="Bolder"),
                        block(f"{self.unit(language, case.unit)} · {status}", isSubtle=True),
                        self._signs_block(language, case),
                    ],
                    "selectAction": {
                        "type": "Action.Submit",
                        "data": {"cmd": "consultant.case", "reference": case.reference},
                    },
                }
            )
        return card(body, "\n".join(lines))

    def _signs_block(self, language: str, case: Case) -> dict[str, Any]:
        return block(self._signs(language, case.signs), size="Small")

    def audit(self, language: str, case: Case, entries: Sequence[AuditEntry]) -> Card:
        t = self.t
        title = t(language, "consultant.audit.title", reference=case.reference)
        rows = [
            (
                when(self._catalogue, language, entry.at),
                t(
                    language,
                    "consultant.audit.line",
                    actor=entry.actor,
                    role=entry.actor_role,
                    action=entry.action,
                    outcome=entry.outcome,
                    detail=entry.detail or "-",
                ),
            )
            for entry in entries
        ]
        lines = [title, *(f"{k}: {v}" for k, v in rows)]
        return card([block(title, weight="Bolder"), facts(rows)], "\n".join(lines))
