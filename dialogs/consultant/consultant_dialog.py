"""The consultant side of a conversation: card actions (Action.Execute) on a referral, the
employee's answer to a consultant's question, and the 1:1 views "min kø" and "sag BEK-…".

Every action is checked here, on the server, against the referral's *current* unit
(`Roles.is_consultant`): anyone else gets a polite refusal on the card and an audit entry.
A stale card (already claimed, closed, transferred) gets the current state instead of acting;
the storage layer decides staleness atomically, so two clicks at once cannot both win.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.consultant.admin_dialog import AdminDialog
from dialogs.consultant.cards import (
    NOTE_LIMIT,
    QUESTION_LIMIT,
    Card,
    CaseCards,
    CaseDetails,
    ThreadNote,
)
from dialogs.consultant.commands import ADMIN_COMMANDS, Command, ConsultantCommands
from dialogs.consultant.roles import Roles, actor_id
from dialogs.i18n import Catalogue
from dialogs.turn import Incoming, Outcome
from dialogs.understanding import contains_cpr
from domain.casework import (
    Candidate,
    CloseOutcome,
    TopicMap,
    may_transfer,
    other_unit,
    rank_resource_persons,
)
from domain.references import find_reference
from storage.audit import ALLOWED, REFUSED, STALE, AuditEntry, AuditLog
from storage.casework import ActionResult, Actor, AnswerOutcome, Case, Casework
from storage.resource_persons import ResourcePersons

log = logging.getLogger(__name__)

# Verbs a person clicks; the refresh verbs are sent by Teams itself when a card is shown.
ACTION_VERBS = frozenset(
    {
        "referral.claim",
        "referral.ask",
        "referral.transfer",
        "referral.suggest",
        "referral.close",
        "referral.details",
        "referral.note",
    }
)
REFRESH_VERBS = frozenset({"referral.refresh", "referral.note_refresh"})
VERBS = ACTION_VERBS | REFRESH_VERBS | {"referral.answer"}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ConsultantDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        *,
        roles: Roles,
        casework: Casework,
        audit: AuditLog,
        resources: ResourcePersons,
        cards: CaseCards,
        topics: TopicMap,
        admin: AdminDialog,
        clock: Callable[[], datetime],
    ) -> None:
        self._catalogue = catalogue
        self._roles = roles
        self._casework = casework
        self._audit = audit
        self._resources = resources
        self._cards = cards
        self._topics = topics
        self._admin = admin
        self._clock = clock
        self._commands = ConsultantCommands(catalogue)

    def handles(self, verb: str | None) -> bool:
        return verb in VERBS

    # --- typed commands ----------------------------------------------------------------------

    def command_of(self, incoming: Incoming) -> Command | None:
        value = incoming.value or {}
        if value.get("cmd") == "consultant.case":
            return Command("case", str(value.get("reference") or ""))
        if incoming.value is not None:
            return None
        command = self._commands.parse(incoming.text)
        if command is not None and command.name == "case" and not find_reference(command.args):
            return None  # "sag" without a reference is ordinary speech, not this command
        return command

    async def handle_text(self, incoming: Incoming) -> Outcome | None:
        """Answer a consultant or admin command; None if the text is not one."""
        command = self.command_of(incoming)
        if command is None:
            return None
        if command.name in ADMIN_COMMANDS:
            return await self._admin.handle(command, incoming)
        if command.name == "help":
            return Outcome().say(self._t(incoming.language, "consultant.help"))
        if incoming.conversation_type != "personal":
            return Outcome().say(self._t(incoming.language, "consultant.views.personal_only"))
        if command.name == "queue":
            return await self._queue(incoming)
        return await self._case(incoming, str(find_reference(command.args)))

    async def _queue(self, incoming: Incoming) -> Outcome:
        language = incoming.language
        units = await self._roles.units_of(incoming.person)
        if not units:
            await self._record(incoming, "queue", REFUSED, detail="not_consultant")
            return Outcome().say(self._t(language, "consultant.views.not_consultant"))
        cases = await self._casework.queue(units)
        await self._record(incoming, "queue", ALLOWED, detail=",".join(units))
        if not cases:
            names = ", ".join(self._cards.unit(language, unit) for unit in units)
            return Outcome().say(self._t(language, "consultant.queue.empty", units=names))
        return Outcome().show(self._cards.queue(language, cases, self._clock()))

    async def _case(self, incoming: Incoming, reference: str) -> Outcome:
        language = incoming.language
        case = await self._casework.by_reference(reference)
        if case is None or not await self._roles.is_consultant(incoming.person, case.unit):
            await self._record(
                incoming,
                "view",
                REFUSED,
                referral_id=case.id if case else None,
                unit=case.unit if case else None,
                detail="not_consultant" if case else "not_found",
            )
            return Outcome().say(self._t(language, "consultant.views.case_refused"))
        await self._record(incoming, "view", ALLOWED, referral_id=case.id, unit=case.unit)
        card = await self._full(incoming, case, history=True)
        return Outcome().show(card)

    # --- card actions --------------------------------------------------------------------------

    async def execute(self, incoming: Incoming) -> Outcome:
        verb = incoming.verb or ""
        if verb == "referral.answer":
            return await self._answer(incoming)
        data = incoming.value or {}
        referral_id = _int(data.get("referral_id"))
        case = await self._casework.get(referral_id) if referral_id is not None else None
        if case is None:
            return self._refreshed(self._notice(incoming.language, "consultant.refused.not_found"))
        action = verb.removeprefix("referral.")
        if not await self._roles.is_consultant(incoming.person, case.unit):
            return await self._not_a_consultant(incoming, case, action, str(data.get("unit") or ""))
        if verb in ("referral.refresh", "referral.details"):
            detail = "refresh" if verb == "referral.refresh" else None
            await self._record(
                incoming, "view", ALLOWED, referral_id=case.id, unit=case.unit, detail=detail
            )
            return self._refreshed(await self._full(incoming, case))
        if verb in ("referral.note", "referral.note_refresh"):
            return await self._note(incoming, case, data)
        card_unit = str(data.get("unit") or case.unit)
        if card_unit != case.unit:
            await self._record(
                incoming,
                action,
                STALE,
                referral_id=case.id,
                unit=card_unit,
                detail=f"unit:{case.unit}",
            )
            return self._refreshed(
                await self._full(incoming, case, note_key="consultant.stale.moved")
            )
        handler = {
            "claim": self._claim,
            "ask": self._ask,
            "transfer": self._transfer,
            "suggest": self._suggest,
            "close": self._close,
        }.get(action)
        if handler is None:
            return self._refreshed(
                self._notice(incoming.language, "consultant.refused.unknown_action")
            )
        return await handler(incoming, case, data)

    async def _not_a_consultant(
        self, incoming: Incoming, case: Case, action: str, card_unit: str
    ) -> Outcome:
        language = incoming.language
        now = self._clock()
        if incoming.verb == "referral.note_refresh":
            # Teams refreshes cards by itself: a non-consultant keeps the public card, and
            # nothing was tried, so nothing is recorded.
            data = incoming.value or {}
            note = ThreadNote(
                "note",
                message_id=_int(data.get("message_id")),
                addition_id=_int(data.get("addition_id")),
            )
            return self._refreshed(await self._public_note(case, language, note))
        if incoming.verb in REFRESH_VERBS:
            return self._refreshed(await self._public(case, language, now))
        if (
            card_unit
            and card_unit != case.unit
            and await self._roles.is_consultant(incoming.person, card_unit)
        ):
            # An old card in the unit it was transferred away from: say where it went.
            await self._record(
                incoming,
                action,
                STALE,
                referral_id=case.id,
                unit=card_unit,
                detail=f"unit:{case.unit}",
            )
            return self._refreshed(self._cards.superseded(language, case, "transfer", case.unit))
        await self._record(
            incoming, action, REFUSED, referral_id=case.id, unit=case.unit, detail="not_consultant"
        )
        log.info("consultant.refused", extra={"referral_id": case.id, "action": action})
        card = await self._public(case, language, now)
        card["body"].insert(
            1,
            {
                "type": "TextBlock",
                "text": self._t(
                    language,
                    "consultant.refused.not_consultant",
                    unit=self._cards.unit(language, case.unit),
                ),
                "wrap": True,
                "color": "Attention",
            },
        )
        return self._refreshed(card)

    async def _claim(self, incoming: Incoming, case: Case, data: dict[str, Any]) -> Outcome:
        result = await self._casework.claim(
            case.id, unit=case.unit, actor=self._actor(incoming), now=self._clock()
        )
        return await self._after(incoming, result, "consultant.done.claimed")

    async def _ask(self, incoming: Incoming, case: Case, data: dict[str, Any]) -> Outcome:
        text = str(data.get("question") or "").strip()
        problem = self._check_text(text, QUESTION_LIMIT, required=True)
        if problem:
            return self._refreshed(await self._full(incoming, case, note_key=problem))
        result = await self._casework.ask(
            case.id, unit=case.unit, actor=self._actor(incoming), text=text, now=self._clock()
        )
        return await self._after(incoming, result, "consultant.done.asked")

    async def _transfer(self, incoming: Incoming, case: Case, data: dict[str, Any]) -> Outcome:
        reason = str(data.get("transfer_reason") or "").strip()
        to_unit = str(data.get("to_unit") or other_unit(case.unit))
        if to_unit != other_unit(case.unit) or not may_transfer(case.mode, to_unit):
            await self._record(
                incoming,
                "transfer",
                REFUSED,
                referral_id=case.id,
                unit=case.unit,
                detail="anonymous",
            )
            return self._refreshed(
                await self._full(incoming, case, note_key="consultant.refused.anonymous_transfer")
            )
        problem = self._check_text(reason, NOTE_LIMIT, required=True)
        if problem:
            return self._refreshed(await self._full(incoming, case, note_key=problem))
        result = await self._casework.transfer(
            case.id,
            unit=case.unit,
            to_unit=to_unit,
            actor=self._actor(incoming),
            reason=reason,
            now=self._clock(),
        )
        if result.done and result.case is not None:
            language = incoming.language
            card = self._cards.superseded(language, result.case, "transfer", to_unit)
            return self._refreshed(card)
        return await self._after(incoming, result, "consultant.done.transferred")

    async def _suggest(self, incoming: Incoming, case: Case, data: dict[str, Any]) -> Outcome:
        person_id = _int(data.get("resource_person"))
        person = await self._resources.get(person_id) if person_id is not None else None
        if person is None or not person.active:
            return self._refreshed(
                await self._full(incoming, case, note_key="consultant.suggest.required")
            )
        result = await self._casework.suggest(
            case.id,
            unit=case.unit,
            actor=self._actor(incoming),
            person_id=person.id,
            now=self._clock(),
        )
        return await self._after(incoming, result, "consultant.done.suggested", name=person.name)

    async def _close(self, incoming: Incoming, case: Case, data: dict[str, Any]) -> Outcome:
        outcome = str(data.get("close_outcome") or "")
        note = str(data.get("close_note") or "").strip()
        if outcome not in {item.value for item in CloseOutcome}:
            return self._refreshed(
                await self._full(incoming, case, note_key="consultant.close.required")
            )
        problem = self._check_text(note, NOTE_LIMIT, required=False)
        if problem:
            return self._refreshed(await self._full(incoming, case, note_key=problem))
        result = await self._casework.close(
            case.id,
            unit=case.unit,
            actor=self._actor(incoming),
            outcome=outcome,
            note=note or None,
            now=self._clock(),
        )
        return await self._after(incoming, result, "consultant.done.closed")

    async def _after(
        self, incoming: Incoming, result: ActionResult, done_key: str, **values: Any
    ) -> Outcome:
        """The clicker's card after an action: what happened, or why nothing did (stale)."""
        case = result.case
        if case is None:
            return self._refreshed(self._notice(incoming.language, "consultant.refused.not_found"))
        if result.done:
            note = self._t(incoming.language, done_key, **values)
        elif case.status == "claimed":
            who = case.claimed_by_name or self._t(incoming.language, "consultant.card.a_consultant")
            note = self._t(incoming.language, "consultant.stale.claimed", name=who)
        else:
            note = self._t(incoming.language, f"consultant.stale.{case.status}")
        if not await self._roles.is_consultant(incoming.person, case.unit):
            return self._refreshed(
                self._cards.superseded(incoming.language, case, "transfer", case.unit)
            )
        return self._refreshed(await self._full(incoming, case, note=note))

    async def _note(self, incoming: Incoming, case: Case, data: dict[str, Any]) -> Outcome:
        language = incoming.language
        message_id, addition_id = _int(data.get("message_id")), _int(data.get("addition_id"))
        text: str | None = None
        note = ThreadNote("answer")
        if message_id is not None:
            message = await self._casework.message(message_id)
            if message is not None and message.referral_id == case.id:
                text = message.text
                note = ThreadNote(message.kind, message_id=message_id)
        elif addition_id is not None:
            found = await self._casework.addition(addition_id)
            if found is not None and found[0] == case.id:
                text = found[2]
                note = ThreadNote("addition", addition_id=addition_id)
        if text is None:
            return self._refreshed(self._notice(language, "consultant.refused.not_found"))
        detail = f"message:{message_id}" if message_id is not None else f"addition:{addition_id}"
        await self._record(
            incoming, "view", ALLOWED, referral_id=case.id, unit=case.unit, detail=detail
        )
        return self._refreshed(self._cards.note_full(language, case, note, text))

    # --- the employee's answer -----------------------------------------------------------------

    async def _answer(self, incoming: Incoming) -> Outcome:
        language = incoming.language
        data = incoming.value or {}
        question_id = _int(data.get("question_id"))
        text = str(data.get("answer") or "").strip()
        employee = incoming.person.aad_object_id or incoming.person.id
        question = await self._casework.message(question_id) if question_id is not None else None
        case = await self._casework.get(question.referral_id) if question is not None else None
        if question is None or case is None:
            return self._refreshed(self._notice(language, "consultant.refused.not_found"))
        if not self._casework.is_filer(case, employee):
            # Storage records the refused attempt (under the clicker's pseudonym).
            await self._casework.answer(
                question.id,
                employee_id=employee,
                text="",
                now=self._clock(),
                correlation_id=incoming.correlation_id,
            )
            return self._refreshed(self._notice(language, "consultant.employee.not_yours"))
        problem = self._check_text(text, QUESTION_LIMIT, required=True)
        if problem:
            card = self._cards.question(language, case, question.id, question.text)
            card["body"].insert(
                0,
                {
                    "type": "TextBlock",
                    "text": self._t(language, problem),
                    "wrap": True,
                    "color": "Attention",
                },
            )
            return self._refreshed(card)
        answered = await self._casework.answer(
            question.id,
            employee_id=employee,
            text=text,
            now=self._clock(),
            correlation_id=incoming.correlation_id,
        )
        unit = self._cards.unit(language, case.unit)
        key = {
            AnswerOutcome.SENT: "consultant.employee.answer_sent",
            AnswerOutcome.CLOSED: "consultant.employee.answer_closed",
            AnswerOutcome.ALREADY: "consultant.employee.answer_already",
        }.get(answered.outcome, "consultant.employee.not_yours")
        return self._refreshed(self._notice(language, key, reference=case.reference, unit=unit))

    # --- helpers -------------------------------------------------------------------------------

    async def _full(
        self,
        incoming: Incoming,
        case: Case,
        *,
        note: str | None = None,
        note_key: str | None = None,
        history: bool = False,
    ) -> Card:
        language = incoming.language
        content = await self._casework.content(case.id)
        assert content is not None
        suggested_ids = await self._casework.suggested_persons(case.id)
        persons = await self._resources.by_ids(suggested_ids)
        details = CaseDetails(
            content=content,
            messages=await self._casework.messages(case.id),
            suggested=[persons[i] for i in dict.fromkeys(suggested_ids) if i in persons],
            candidates=await self._candidates(case),
            events=await self._casework.events(case.id) if history else (),
        )
        return self._cards.full(
            language,
            case,
            details,
            now=self._clock(),
            refresh_ids=await self._roles.refresh_ids(case.unit),
            note=note or (self._t(language, note_key) if note_key else None),
            history=history,
        )

    async def _public(self, case: Case, language: str, now: datetime) -> Card:
        return self._cards.public(
            language, case, now=now, refresh_ids=await self._roles.refresh_ids(case.unit)
        )

    async def _public_note(self, case: Case, language: str, note: ThreadNote) -> Card:
        kind = "addition" if note.addition_id is not None else "answer"
        if note.message_id is not None:
            message = await self._casework.message(note.message_id)
            kind = message.kind if message is not None else kind
        refresh_ids = await self._roles.refresh_ids(case.unit)
        return self._cards.note_public(
            language,
            case,
            ThreadNote(kind, message_id=note.message_id, addition_id=note.addition_id),
            refresh_ids=refresh_ids,
        )

    async def _candidates(self, case: Case) -> list[tuple[Any, int]]:
        people = await self._resources.active()
        wanted = self._topics.of_referral(case.signs, case.crime_status)
        by_id = {person.id: person for person in people}
        ranked = rank_resource_persons(
            [Candidate(person.id, person.name, frozenset(person.topics)) for person in people],
            wanted,
        )
        return [(by_id[candidate.id], score) for candidate, score in ranked]

    def _check_text(self, text: str, limit: int, *, required: bool) -> str | None:
        if required and len(text) < 2:
            return "consultant.text.required"
        if len(text) > limit:
            return "consultant.text.too_long"
        if contains_cpr(text):
            return "consultant.text.cpr"
        return None

    def _actor(self, incoming: Incoming) -> Actor:
        return Actor(
            id=actor_id(incoming.person),
            name=incoming.person.name,
            correlation_id=incoming.correlation_id,
        )

    async def _record(
        self,
        incoming: Incoming,
        action: str,
        outcome: str,
        *,
        referral_id: int | None = None,
        unit: str | None = None,
        detail: str | None = None,
    ) -> None:
        if self._roles.is_admin(incoming.person):
            role = "admin"
        elif outcome != REFUSED or await self._roles.units_of(incoming.person):
            role = "consultant"
        else:
            role = "other"
        await self._audit.record(
            AuditEntry(
                actor=actor_id(incoming.person),
                actor_role=role,
                action=action,
                outcome=outcome,
                at=self._clock(),
                referral_id=referral_id,
                unit=unit,
                detail=detail,
                correlation_id=incoming.correlation_id,
            )
        )

    def _notice(self, language: str, key: str, **values: Any) -> Card:
        return self._cards.notice(self._t(language, key, **values))

    @staticmethod
    def _refreshed(card: Card) -> Outcome:
        outcome = Outcome()
        outcome.refreshed_card = card
        return outcome

    def _t(self, language: str, key: str, **values: Any) -> str:
        return self._catalogue.text(language, key, **values)
