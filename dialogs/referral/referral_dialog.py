"""The concern-referral dialog: from an employee's worry to a routed, receipted referral.

State (plain JSON in the conversation's dialog state, so it survives restarts):
`{"flow": "referral", "step": id, "answers": {...}, "history": [ids], "form_index": n,
"pending": None | "cancel" | "pii", "updated": iso}`. The structure is the table in
`dialogs.referral.steps`; this module interprets answers and interruptions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dialogs.formatting import when
from dialogs.i18n import Catalogue
from dialogs.referral.cards import ReferralCards
from dialogs.referral.steps import (
    BY_ID,
    EDITABLE,
    Field,
    Step,
    applicable,
    next_step,
    progress,
    prune,
)
from dialogs.text import normalise
from dialogs.turn import Incoming, Outcome, Person, Reply
from dialogs.understanding import (
    Vocabulary,
    choose,
    choose_many,
    contains_cpr,
    personal_data_in,
    words_of,
)
from domain.referral import SERIOUS_SIGN_IDS, RoutingFacts
from domain.routing import Outcome as RouteOutcome
from domain.routing import RoutingDecision, RuleTable, route
from domain.working_days import add_working_days
from storage.referrals import NewReferral, Referrals

log = logging.getLogger(__name__)

FLOW = "referral"
RESUME_AFTER = timedelta(hours=1)
MIN_DESCRIPTION = 10


class InvalidAnswer(Exception):
    """The answer does not fit the step; `key` is the catalogue text that says why."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class ReferralDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        rules: RuleTable,
        referrals: Referrals,
        *,
        clock: Callable[[], datetime],
        draft_retention: timedelta = timedelta(days=30),
    ) -> None:
        self._catalogue = catalogue
        self._rules = rules
        self._referrals = referrals
        self._clock = clock
        self._retention = draft_retention
        self._cards = ReferralCards(catalogue)
        self._words = Vocabulary.load(catalogue)
        self._cancel_words = words_of(catalogue, "commands.cancel.words")
        self._help_words = words_of(catalogue, "commands.help.words")
        self._start_words = words_of(catalogue, "commands.referral.words")

    # --- entry points -------------------------------------------------------------------

    def start(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        state.clear()
        state.update(
            flow=FLOW,
            step="acute",
            answers={},
            history=[],
            form_index=0,
            pending=None,
            updated=self._clock().isoformat(),
        )
        return self._prompt(incoming.language, state)

    def is_expired(self, state: dict[str, Any]) -> bool:
        updated = state.get("updated")
        if not isinstance(updated, str):
            return False
        return self._clock() - datetime.fromisoformat(updated) > self._retention

    async def handle(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        language = incoming.language
        now = self._clock()
        if self.is_expired(state):
            state.clear()
            days = self._retention.days
            return Outcome().say(self._t(language, "referral.draft_expired", days=days))
        last = datetime.fromisoformat(state["updated"])
        state["updated"] = now.isoformat()

        if state.get("pending") == "cancel":
            return self._confirm_cancel(incoming, state)
        if state.get("pending") == "pii":
            return await self._pii_choice(incoming, state)

        interruption = self._interruption(incoming, state)
        if interruption is not None:
            return interruption
        step = BY_ID[state["step"]]
        if incoming.value is None and now - last > RESUME_AFTER:
            return self._prompt(language, state, lead=self._t(language, "referral.resumed"))
        if incoming.value is not None and incoming.value.get("step") not in (None, step.id):
            return self._prompt(language, state)  # a click on an older card: ask this step
        try:
            return await self._answer(incoming, state, step)
        except InvalidAnswer as problem:
            lead = self._t(language, problem.key, **problem.values)
            return self._prompt(language, state, lead=lead)

    # --- interruptions ------------------------------------------------------------------

    def _interruption_kind(self, incoming: Incoming) -> str | None:
        """cancel / help / why / back / restart, typed or clicked on a menu card; else None."""
        command = (incoming.value or {}).get("cmd")
        if command is not None:
            return {"cancel": "cancel", "help": "help", "referral": "restart"}.get(command)
        if incoming.value is not None:
            return None
        said = normalise(incoming.text)
        for kind, words in (
            ("cancel", self._cancel_words),
            ("help", self._help_words),
            ("why", self._words.why),
            ("back", self._words.back),
            ("restart", self._start_words),
        ):
            if said in words:
                return kind
        return None

    def _interruption(self, incoming: Incoming, state: dict[str, Any]) -> Outcome | None:
        kind = self._interruption_kind(incoming)
        language = incoming.language
        step = BY_ID[state["step"]]
        if kind == "cancel":
            state["pending"] = "cancel"
            return self._yes_no_card(language, "referral.cancel_confirm", "cancel")
        if kind in ("help", "why"):
            lead = self._t(language, self._about(step, str(kind)))
            return self._prompt(language, state, lead=lead)
        if kind == "back":
            return self._back(language, state)
        if kind == "restart":
            lead = self._t(language, "referral.already_running")
            return self._prompt(language, state, lead=lead)
        return None

    def _about(self, step: Step, kind: str) -> str:
        step_id = "summary" if step.kind == "summary" else step.id
        return f"referral.step.{step_id}.{kind}"

    def _confirm_cancel(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        language = incoming.language
        said = (incoming.value or {}).get("answer") or self._words.yes_no_maybe(incoming.text)
        if said == "yes" or normalise(incoming.text) in self._cancel_words:
            state.clear()
            return Outcome().say(self._t(language, "cancel.done"))
        if said == "no":
            state["pending"] = None
            return self._prompt(language, state, lead=self._t(language, "referral.cancel_kept"))
        return self._yes_no_card(language, "referral.cancel_confirm", "cancel")

    def _back(self, language: str, state: dict[str, Any]) -> Outcome:
        if BY_ID[state["step"]].kind == "form" and state.get("form_index", 0) > 0:
            state["form_index"] -= 1
            return self._prompt(language, state)
        history: list[str] = state["history"]
        if not history:
            return self._prompt(language, state, lead=self._t(language, "referral.back_first"))
        state["step"] = history.pop()
        state["form_index"] = 0
        return self._prompt(language, state)

    # --- answers ------------------------------------------------------------------------

    async def _answer(self, incoming: Incoming, state: dict[str, Any], step: Step) -> Outcome:
        answers: dict[str, Any] = state["answers"]
        value = incoming.value
        if step.kind == "summary":
            return await self._summary_answer(incoming, state)
        if step.kind == "choice":
            answers[step.id] = self._choice(incoming, step, step.field)
        elif step.kind == "multi":
            answers[step.id] = self._signs(incoming, step)
        elif step.kind == "ack":
            if (
                not (value and value.get("ack"))
                and self._words.yes_no_maybe(incoming.text) != "yes"
            ):
                raise InvalidAnswer(f"referral.step.{step.id}.retry")
            answers[step.id] = True
        elif step.kind == "text":
            text = self._free_text(incoming, step, step.field)
            if self._needs_pii_warning(state, text):
                return self._warn_pii(incoming.language, state, text)
            answers[step.id] = text
        elif step.kind == "form":
            done = self._form(incoming, state, step)
            if not done:
                return self._prompt(incoming.language, state)
        return await self._advance(incoming, state, step)

    def _choice(self, incoming: Incoming, step: Step, field: Field) -> str:
        value = incoming.value or {}
        if "answer" in value:
            chosen = value["answer"] if value["answer"] in field.options else None
        else:
            labels = self._all_labels(field)
            chosen = None
            for language_labels in labels:
                chosen = chosen or choose(
                    incoming.text, field.options, language_labels, self._words
                )
        if chosen is None:
            raise InvalidAnswer(f"referral.step.{step.id}.retry")
        return str(chosen)

    def _all_labels(self, field: Field) -> list[list[str]]:
        return [self._cards.labels(language, field) for language in self._catalogue.languages()]

    def _signs(self, incoming: Incoming, step: Step) -> list[str]:
        options = step.field.options
        if incoming.value is not None:
            picked = [
                sign
                for group in ("serious", "other")
                for sign in str(incoming.value.get(group) or "").split(",")
                if sign
            ]
            if any(sign not in options for sign in picked):
                raise InvalidAnswer("referral.step.signs.retry")
            return [sign for sign in options if sign in picked]
        chosen = choose_many(incoming.text, options, self._words)
        if chosen is None:
            raise InvalidAnswer("referral.step.signs.retry")
        return chosen

    def _free_text(self, incoming: Incoming, step: Step, field: Field) -> str:
        text = (incoming.text or "").strip()
        if field.optional and normalise(text) in self._words.skip:
            return ""
        self._check_text(text, step, field)
        return text

    def _check_text(self, text: str, step: Step, field: Field) -> None:
        if contains_cpr(text):
            raise InvalidAnswer("referral.step.description.cpr")
        if len(text) > field.limit:
            raise InvalidAnswer(
                "referral.step.description.too_long", length=len(text), limit=field.limit
            )
        minimum = MIN_DESCRIPTION if step.id == "description" else 2
        if len(text) < minimum or (field.key == "name" and any(c.isdigit() for c in text)):
            raise InvalidAnswer(self._cards.retry_key(step, field))

    def _year(self, text: str, step: Step, field: Field) -> int:
        said = normalise(text)
        this_year = self._clock().year
        if not (said.isdigit() and len(said) == 4 and this_year - 40 <= int(said) <= this_year - 3):
            raise InvalidAnswer(self._cards.retry_key(step, field))
        return int(said)

    def _form(self, incoming: Incoming, state: dict[str, Any], step: Step) -> bool:
        """Fill a form from a card (all fields) or from typed text (one field at a time).
        True when every field has an answer."""
        answers: dict[str, Any] = state["answers"].setdefault(f"{step.id}:draft", {})
        if incoming.value is not None:
            for field in step.fields:
                answers[field.key] = self._form_field(
                    step, field, str(incoming.value.get(field.key) or ""), from_card=True
                )
        else:
            field = step.fields[state.get("form_index", 0)]
            answers[field.key] = self._form_field(step, field, incoming.text or "", from_card=False)
            state["form_index"] = state.get("form_index", 0) + 1
            if state["form_index"] < len(step.fields):
                return False
        state["answers"][step.id] = state["answers"].pop(f"{step.id}:draft")
        return True

    def _form_field(self, step: Step, field: Field, raw: str, *, from_card: bool) -> Any:
        if field.kind == "choice":
            fake = Incoming(
                language="da",
                person=_NOBODY,
                conversation_id="",
                text=None if from_card else raw,
                value={"answer": raw} if from_card else None,
            )
            return self._choice(fake, step, field)
        if field.kind == "year":
            return self._year(raw, step, field)
        text = raw.strip()
        if field.optional and (not text or normalise(text) in self._words.skip):
            return ""
        self._check_text(text, step, field)
        return text

    # --- anonymous mode: names, phone numbers, e-mail addresses --------------------------

    def _needs_pii_warning(self, state: dict[str, Any], text: str) -> bool:
        return state["answers"].get("mode") == "anonymous" and bool(personal_data_in(text))

    def _warn_pii(self, language: str, state: dict[str, Any], text: str) -> Outcome:
        kinds = personal_data_in(text)
        what = self._t(language, "referral.step.description.pii_and").join(
            self._t(language, f"referral.step.description.pii_{kind}") for kind in kinds
        )
        state["pending"] = "pii"
        state["pii_text"] = text
        question = self._t(language, "referral.step.description.pii_warning", what=what)
        options = [
            ("rewrite", self._t(language, "referral.step.description.pii_rewrite")),
            ("keep", self._t(language, "referral.step.description.pii_keep")),
        ]
        return Outcome().show(self._cards_plain_choice(question, "pii", options))

    async def _pii_choice(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        language = incoming.language
        answer = (incoming.value or {}).get("answer")
        said = normalise(incoming.text)
        keep_words = {
            normalise(self._t(lang, "referral.step.description.pii_keep"))
            for lang in self._catalogue.languages()
        } | {"2"}
        rewrite_words = {
            normalise(self._t(lang, "referral.step.description.pii_rewrite"))
            for lang in self._catalogue.languages()
        } | {"1"}
        text = state.pop("pii_text", "")
        state["pending"] = None
        if answer == "keep" or said in keep_words:
            state["answers"]["description"] = text
            step = BY_ID[state["step"]]
            outcome = await self._advance(incoming, state, step)
            outcome.replies.insert(
                0, Reply(text=self._t(language, "referral.step.description.pii_kept"))
            )
            return outcome
        if answer == "rewrite" or said in rewrite_words:
            return self._prompt(language, state)
        # Anything else is taken as the rewritten text itself.
        return await self.handle(incoming, state)

    # --- moving on ----------------------------------------------------------------------

    async def _advance(self, incoming: Incoming, state: dict[str, Any], step: Step) -> Outcome:
        language = incoming.language
        answers: dict[str, Any] = state["answers"]
        if not state["history"] or state["history"][-1] != step.id:
            state["history"].append(step.id)
        outcome = Outcome()
        if step.id == "acute" and answers["acute"] == "yes":
            await self._referrals.record_gate("acute", now=self._clock())
            outcome.say(self._t(language, "referral.acute_message"))
        if step.id == "acute_followup":
            if answers.pop("acute_followup") == "no":
                state.clear()
                return outcome.say(self._t(language, "referral.acute_stop"))
            answers["acute"] = "handled"
        decision = self._decide(answers)
        answers["_route_unit"] = decision.unit.value if decision.unit else None
        if decision.outcome in (RouteOutcome.NOT_COPENHAGEN, RouteOutcome.QUESTION):
            await self._referrals.record_gate(decision.outcome.value, now=self._clock())
            state.clear()
            return outcome.say(self._t(language, f"referral.{decision.outcome.value}"))
        prune(answers)
        upcoming = next_step(answers)
        state["step"] = upcoming.id
        state["form_index"] = 0
        log.info("referral.step", extra={"step": upcoming.id})
        outcome.replies.extend(self._prompt(language, state).replies)
        return outcome

    def _decide(self, answers: dict[str, Any]) -> RoutingDecision:
        facts = RoutingFacts(
            acute=answers.get("acute") == "yes",
            mode=answers.get("mode", "named"),
            age_band=answers.get("age_band", "unknown"),
            lives_in_copenhagen=answers.get("residence", "unknown"),
            crime_status=answers.get("crime_status", "none_known"),
            signs=frozenset(answers.get("signs", [])),
        )
        return route(facts, self._rules)

    # --- prompts ------------------------------------------------------------------------

    def _prompt(self, language: str, state: dict[str, Any], *, lead: str | None = None) -> Outcome:
        outcome = Outcome()
        if lead:
            outcome.say(lead)
        step = BY_ID[state["step"]]
        answers = state["answers"]
        shown = progress(answers, step) if step.counted else None
        cards = self._cards
        if step.kind == "choice":
            card = cards.choice(language, step, step.field, progress=shown)
        elif step.kind == "multi":
            card = cards.multi(language, step, progress=shown)
        elif step.kind == "ack":
            card = cards.ack(language, step, progress=shown)
        elif step.kind == "text":
            card = cards.text(
                language,
                step,
                step.field,
                progress=shown,
                notes=self._text_notes(language, answers),
            )
        elif step.kind == "form":
            card = self._form_card(language, state, step, shown)
        else:
            card = self._summary_card(language, answers)
        return outcome.show(card)

    def _text_notes(self, language: str, answers: dict[str, Any]) -> list[str]:
        notes = [self._t(language, "referral.step.description.privacy")]
        if answers.get("mode") == "anonymous":
            notes.append(self._t(language, "referral.step.description.anonymous_privacy"))
        return notes

    def _form_card(
        self, language: str, state: dict[str, Any], step: Step, shown: tuple[int, int] | None
    ) -> dict[str, Any]:
        filled = dict(state["answers"].get(step.id) or {})
        filled.update(state["answers"].get(f"{step.id}:draft") or {})
        card = self._cards.form(language, step, filled, progress=shown)
        # Typed answers fill the form one field at a time: the fallback asks the current one.
        field = step.fields[min(state.get("form_index", 0), len(step.fields) - 1)]
        question = self._t(language, self._cards.prompt_key(step, field))
        if field.kind == "choice":
            labels = self._cards.labels(language, field)
            numbered = "\n".join(f"{n}. {label}" for n, label in enumerate(labels, 1))
            question = f"{question}\n{numbered}"
        card["fallbackText"] = f"{self._t(language, self._cards.prompt_key(step))}\n{question}"
        return card

    def _yes_no_card(self, language: str, key: str, name: str) -> Outcome:
        options = [
            ("yes", self._t(language, "options.yes")),
            ("no", self._t(language, "options.no")),
        ]
        return Outcome().show(self._cards_plain_choice(self._t(language, key), name, options))

    def _cards_plain_choice(
        self, question: str, name: str, options: list[tuple[str, str]]
    ) -> dict[str, Any]:
        numbered = "\n".join(f"{n}. {label}" for n, (_, label) in enumerate(options, 1))
        return {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": question, "wrap": True, "weight": "Bolder"}],
            "actions": [
                {"type": "Action.Submit", "title": label, "data": {"step": name, "answer": value}}
                for value, label in options
            ],
            "fallbackText": f"{question}\n{numbered}",
        }

    # --- summary, submission, receipt ---------------------------------------------------

    def summary_items(self, language: str, answers: dict[str, Any]) -> list[tuple[str, str, str]]:
        items = []
        shown = {step.id for step in applicable(answers)}
        for step_id in EDITABLE:
            if step_id in shown and step_id in answers:
                title = self._t(language, f"referral.step.summary.{step_id}")
                items.append((step_id, title, self._display(language, step_id, answers)))
        return items

    def _display(self, language: str, step_id: str, answers: dict[str, Any]) -> str:
        step = BY_ID[step_id]
        answer = answers[step_id]
        label = self._cards.option_label
        if step.kind == "choice":
            return label(language, step.field, answer)
        if step.kind == "multi":
            if not answer:
                return self._t(language, "referral.step.summary.none")
            return ", ".join(label(language, step.field, sign) for sign in answer)
        if step.kind == "text":
            return answer if len(answer) <= 300 else answer[:300] + "…"
        parts = []
        for field in step.fields:
            value = answer.get(field.key)
            if value in (None, ""):
                continue
            shown = label(language, field, value) if field.kind == "choice" else str(value)
            if step.id == "context":
                short = self._t(language, f"referral.step.context.{field.key}.short")
                shown = f"{short}: {shown}"
            parts.append(shown)
        return " · ".join(parts)

    def _summary_card(self, language: str, answers: dict[str, Any]) -> dict[str, Any]:
        decision = self._decide(answers)
        unit = self._t(language, f"options.unit.{decision.unit.value if decision.unit else 'vink'}")
        return self._cards.summary(
            language,
            self.summary_items(language, answers),
            unit=unit,
            reason=self._t(language, decision.reason_key),
        )

    async def _summary_answer(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        language = incoming.language
        value = incoming.value or {}
        said = normalise(incoming.text)
        words = said.split(" ")
        if value.get("action") == "send" or said in self._words.send:
            return await self._submit(incoming, state)
        target = None
        if value.get("action") == "edit":
            target = value.get("target")
        elif words and words[0] in self._words.edit:
            items = self.summary_items(language, state["answers"])
            if len(words) == 2 and words[1].isdigit() and 1 <= int(words[1]) <= len(items):
                target = items[int(words[1]) - 1][0]
        if target in EDITABLE and target in state["answers"]:
            state["step"] = target
            state["form_index"] = 0
            return self._prompt(language, state)
        raise InvalidAnswer("referral.step.summary.retry")

    async def _submit(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        language = incoming.language
        answers: dict[str, Any] = state["answers"]
        decision = self._decide(answers)
        assert decision.outcome is RouteOutcome.ROUTE and decision.unit is not None
        now = self._clock()
        respond_by = (
            add_working_days(now, decision.response_time_working_days)
            if decision.response_time_working_days
            else None
        )
        new = self._new_referral(incoming, answers, decision, respond_by)
        try:
            filed = await self._referrals.file(new, now=now)
        except Exception:
            log.exception("referral.submit_failed")
            return Outcome().say(
                self._t(language, "referral.submit_failed", correlation_id=incoming.correlation_id)
            )
        log.info(
            "referral.filed",
            extra={"referral_id": filed.id, "unit": filed.unit, "rule": decision.rule_id},
        )
        state.clear()
        return self._receipt(
            language, filed.reference, now, decision, respond_by, anonymous=new.mode == "anonymous"
        )

    def _new_referral(
        self,
        incoming: Incoming,
        answers: dict[str, Any],
        decision: RoutingDecision,
        respond_by: datetime | None,
    ) -> NewReferral:
        person = incoming.person
        named = answers["mode"] == "named"
        context = dict(answers["context"])
        return NewReferral(
            mode=answers["mode"],
            unit=decision.unit.value if decision.unit else "vink",
            rule_id=decision.rule_id,
            tags=decision.tags,
            age_band=answers["age_band"],
            residence=answers["residence"],
            crime_status=answers["crime_status"],
            signs=tuple(answers["signs"]),
            has_serious_sign=any(sign in SERIOUS_SIGN_IDS for sign in answers["signs"]),
            employee_role=answers["role"]["role"],
            employee_administration=answers["role"]["administration"],
            employee_id=person.aad_object_id or person.id,
            description=answers["description"],
            context=context,
            respond_by=respond_by,
            employee_name=person.name if named else None,
            employee_contact=(
                {"aad_object_id": person.aad_object_id, "teams_user_id": person.id}
                if named
                else None
            ),
            youth=dict(answers["youth"]) if named and "youth" in answers else None,
        )

    def _receipt(
        self,
        language: str,
        reference: str,
        now: datetime,
        decision: RoutingDecision,
        respond_by: datetime | None,
        *,
        anonymous: bool,
    ) -> Outcome:
        t = self._t
        unit = t(language, f"options.unit.{decision.unit.value if decision.unit else 'vink'}")
        deadline = when(self._catalogue, language, respond_by) if respond_by else "-"
        facts = [
            (t(language, "referral.receipt.reference"), reference),
            (t(language, "referral.receipt.time"), when(self._catalogue, language, now)),
            (t(language, "referral.receipt.unit"), unit),
            (t(language, "referral.receipt.why"), t(language, decision.reason_key)),
            (
                t(language, "referral.receipt.response"),
                t(language, "referral.receipt.response_text", deadline=deadline),
            ),
        ]
        note = t(language, "referral.receipt.anonymous_note") if anonymous else None
        fallback = t(
            language, "referral.receipt.text", reference=reference, unit=unit, deadline=deadline
        )
        return Outcome().show(self._cards.receipt(language, facts, note, fallback))

    def _t(self, language: str, key: str, **values: Any) -> str:
        return self._catalogue.text(language, key, **values)


_NOBODY = Person(id="")
