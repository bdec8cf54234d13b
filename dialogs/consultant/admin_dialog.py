"""Admin commands: register a unit's channel, keep the lists of consultants and leads and the
resource panel, and read a referral's audit. Only people listed in `ADMIN_AAD_OBJECT_IDS`;
anyone else gets a polite refusal, and the attempt is audited.

    @bot registrer VINK                       (in the unit's channel)
    konsulent tilføj vink <object id | e-mail>   konsulent fjern vink <…>
    leder tilføj ssp <object id | e-mail>        leder fjern ssp <…>
    konsulenter                                  (units, channels, lists)
    ressourceperson tilføj <navn>; <emner>; <kompetencer>[; <kontakt>]
    ressourceperson fjern <navn>                 ressourcepersoner
    revision BEK-2026-0042
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.consultant.cards import CaseCards
from dialogs.consultant.commands import Command
from dialogs.consultant.roles import Roles, actor_id
from dialogs.i18n import Catalogue
from dialogs.text import normalise
from dialogs.turn import Incoming, Outcome
from dialogs.understanding import words_of
from domain.casework import TopicMap
from domain.references import find_reference
from domain.referral import Unit
from storage.audit import ALLOWED, REFUSED, AuditEntry, AuditLog
from storage.casework import Casework
from storage.conversations import ConversationReferences
from storage.outbox import Outbox
from storage.resource_persons import ResourcePersonInput, ResourcePersons
from storage.units import CONSULTANT, LEAD, UnitChannels, UnitMembers

_IDENTIFIER = re.compile(r"^(?:[0-9A-Za-z][0-9A-Za-z._-]{2,63}|[^@\s]+@[^@\s]+\.[^@\s]+)$")
UNITS = tuple(unit.value for unit in Unit)


class AdminDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        *,
        roles: Roles,
        channels: UnitChannels,
        members: UnitMembers,
        references: ConversationReferences,
        casework: Casework,
        outbox: Outbox,
        audit: AuditLog,
        resources: ResourcePersons,
        cards: CaseCards,
        topics: TopicMap,
        clock: Callable[[], datetime],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._catalogue = catalogue
        self._roles = roles
        self._channels = channels
        self._members = members
        self._references = references
        self._casework = casework
        self._outbox = outbox
        self._audit = audit
        self._resources = resources
        self._cards = cards
        self._topics = topics
        self._clock = clock
        self._wake = wake
        self._unit_words = {
            unit: words_of(catalogue, f"consultant.unit_words.{unit}") for unit in UNITS
        }

    def unit_of(self, text: str) -> str | None:
        said = normalise(text)
        return next((unit for unit, words in self._unit_words.items() if said in words), None)

    async def handle(self, command: Command, incoming: Incoming) -> Outcome:
        if not self._roles.is_admin(incoming.person):
            await self._record(incoming, command.name, REFUSED, detail="not_admin")
            return self._say(incoming, "consultant.admin.refused")
        handler = {
            "register": self._register,
            "consultant_add": self._member,
            "consultant_remove": self._member,
            "lead_add": self._member,
            "lead_remove": self._member,
            "members": self._list_members,
            "resource_add": self._resource_add,
            "resource_remove": self._resource_remove,
            "resources": self._list_resources,
            "audit": self._audit_of,
        }[command.name]
        return await handler(command, incoming)

    # --- channels ----------------------------------------------------------------------------

    async def _register(self, command: Command, incoming: Incoming) -> Outcome:
        language = incoming.language
        if (
            incoming.conversation_type != "channel"
            or not incoming.channel_id
            or not incoming.team_id
        ):
            return self._say(incoming, "consultant.register.channel_only")
        unit = self.unit_of(command.args)
        if unit is None:
            return self._say(
                incoming,
                "consultant.register.unknown_unit",
                name=command.args or "-",
                units=self._unit_names(language),
            )
        stored = await self._references.get(incoming.conversation_id)
        if stored is None:
            return self._say(incoming, "consultant.register.no_reference")
        now = self._clock()
        registration = await self._channels.register(
            unit=unit,
            team_id=incoming.team_id,
            channel_id=incoming.channel_id,
            service_url=stored.service_url,
            tenant_id=stored.tenant_id or incoming.person.tenant_id,
            reference=stored.reference,
            language=language,
            registered_by=actor_id(incoming.person),
            now=now,
        )
        waiting = await self._outbox.release_unit(unit, now)
        moved = 0
        if registration.moved:
            moved = await self._casework.repost_unit(
                unit, generation=registration.channel.generation, now=now
            )
        self._wake()
        detail = "moved" if registration.moved else "unchanged" if registration.unchanged else "new"
        await self._record(incoming, "register", ALLOWED, unit=unit, detail=detail)
        name = self._cards.unit(language, unit)
        if registration.unchanged:
            lines = [self._t(language, "consultant.register.unchanged", unit=name)]
        elif registration.moved:
            lines = [self._t(language, "consultant.register.moved", unit=name, count=moved)]
        else:
            lines = [self._t(language, "consultant.register.done", unit=name)]
        if waiting and not registration.moved:
            lines.append(self._t(language, "consultant.register.waiting", count=waiting))
        if await self._roles.shares_team(unit):
            lines.append(self._t(language, "consultant.register.shared_team"))
        lines.append(self._t(language, "consultant.register.private"))
        return Outcome().say("\n\n".join(lines))

    # --- consultants and leads -------------------------------------------------------------

    async def _member(self, command: Command, incoming: Incoming) -> Outcome:
        language = incoming.language
        parts = command.args.rsplit(" ", 1)
        unit = self.unit_of(parts[0]) if len(parts) == 2 else None
        identifier = parts[-1].strip() if len(parts) == 2 else ""
        if unit is None or not _IDENTIFIER.match(identifier):
            return self._say(incoming, "consultant.members.usage", units=self._unit_names(language))
        role = LEAD if command.name.startswith("lead") else CONSULTANT
        now = self._clock()
        if command.name.endswith("_add"):
            changed = await self._members.add(
                unit=unit,
                identifier=identifier,
                role=role,
                added_by=actor_id(incoming.person),
                now=now,
            )
            key = "consultant.members.added" if changed else "consultant.members.already"
        else:
            changed = bool(await self._members.remove(unit=unit, identifier=identifier, role=role))
            key = "consultant.members.removed" if changed else "consultant.members.not_listed"
        await self._record(incoming, command.name, ALLOWED, unit=unit, detail=identifier[:64])
        return self._say(
            incoming,
            key,
            who=identifier.lower(),
            unit=self._cards.unit(language, unit),
            role=self._t(language, f"consultant.members.role.{role}"),
        )

    async def _list_members(self, command: Command, incoming: Incoming) -> Outcome:
        language = incoming.language
        lines: list[str] = []
        channels = {channel.unit: channel for channel in await self._channels.all()}
        for unit in UNITS:
            name = self._cards.unit(language, unit)
            channel = channels.get(unit)
            if channel is None:
                lines.append(self._t(language, "consultant.members.unit_unregistered", unit=name))
            else:
                source = "shared" if await self._roles.shares_team(unit) else "roster"
                lines.append(
                    self._t(language, f"consultant.members.unit_registered_{source}", unit=name)
                )
            for role in (LEAD, CONSULTANT):
                listed = [m.identifier for m in await self._members.of_unit(unit, role=role)]
                lines.append(
                    self._t(
                        language,
                        f"consultant.members.listed.{role}",
                        people=", ".join(listed) or "-",
                    )
                )
        await self._record(incoming, "members", ALLOWED)
        return Outcome().say("\n\n".join(lines))

    # --- the resource panel --------------------------------------------------------------------

    async def _resource_add(self, command: Command, incoming: Incoming) -> Outcome:
        parts = [part.strip() for part in command.args.split(";")]
        if len(parts) not in (3, 4) or not parts[0] or not parts[2]:
            return self._say(
                incoming, "consultant.resources.usage", topics=", ".join(self._topics.topics)
            )
        topics = tuple(dict.fromkeys(t.strip().lower() for t in parts[1].split(",") if t.strip()))
        unknown = self._topics.unknown(topics)
        if unknown or not topics:
            return self._say(
                incoming,
                "consultant.resources.unknown_topics",
                wrong=", ".join(unknown) or "-",
                topics=", ".join(self._topics.topics),
            )
        person = await self._resources.upsert(
            ResourcePersonInput(parts[0], topics, parts[2], parts[3] if len(parts) == 4 else None),
            now=self._clock(),
        )
        await self._record(incoming, "resource_add", ALLOWED, detail=f"person:{person.id}")
        return self._say(incoming, "consultant.resources.added", name=person.name)

    async def _resource_remove(self, command: Command, incoming: Incoming) -> Outcome:
        removed = await self._resources.deactivate(command.args, now=self._clock())
        await self._record(
            incoming, "resource_remove", ALLOWED, detail="removed" if removed else "absent"
        )
        key = "consultant.resources.removed" if removed else "consultant.resources.not_found"
        return self._say(incoming, key, name=command.args)

    async def _list_resources(self, command: Command, incoming: Incoming) -> Outcome:
        language = incoming.language
        people = await self._resources.active()
        if not people:
            return self._say(incoming, "consultant.resources.empty")
        lines = [self._t(language, "consultant.resources.title")]
        for person in people:
            topics = ", ".join(self._cards.topic(language, topic) for topic in person.topics)
            lines.append(f"{person.name}: {person.competences} ({topics})")
        return Outcome().say("\n\n".join(lines))

    # --- the audit -----------------------------------------------------------------------------

    async def _audit_of(self, command: Command, incoming: Incoming) -> Outcome:
        reference = find_reference(command.args)
        case = await self._casework.by_reference(str(reference)) if reference else None
        if case is None:
            return self._say(incoming, "consultant.audit.not_found")
        entries = await self._audit.for_referral(case.id)
        await self._record(incoming, "audit_view", ALLOWED, referral_id=case.id, unit=case.unit)
        return Outcome().show(self._cards.audit(incoming.language, case, entries))

    # --- helpers -------------------------------------------------------------------------------

    def _unit_names(self, language: str) -> str:
        return ", ".join(self._cards.unit(language, unit) for unit in UNITS)

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
        await self._audit.record(
            AuditEntry(
                actor=actor_id(incoming.person),
                actor_role="admin" if self._roles.is_admin(incoming.person) else "other",
                action=action,
                outcome=outcome,
                at=self._clock(),
                referral_id=referral_id,
                unit=unit,
                detail=detail,
                correlation_id=incoming.correlation_id,
            )
        )

    def _say(self, incoming: Incoming, key: str, **values: Any) -> Outcome:
        return Outcome().say(self._t(incoming.language, key, **values))

    def _t(self, language: str, key: str, **values: Any) -> str:
        return self._catalogue.text(language, key, **values)
