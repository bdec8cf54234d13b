"""Who may do what on the consultant side: the one place every action and command asks.

- **Admins**: Entra object ids from the `ADMIN_AAD_OBJECT_IDS` setting. They register unit
  channels and keep the lists, the resource panel and the audit; being an admin does not make
  anyone a consultant (they never see case content unless also listed as a consultant).
- **Consultants of a unit**: the members of the team the unit's channel is registered in (the
  roster, fetched in pages by the transport layer and cached a few minutes), plus the people
  admins list for the unit (by object id or e-mail address). If both units' channels are in the
  same team the roster cannot tell them apart, so it is ignored and only the lists count.
- **Unit leads**: listed by admins; a lead is also a consultant of the unit.

The roster comes through the `Roster` protocol so that this module stays free of botbuilder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from dialogs.turn import Person
from storage.units import LEAD, UnitChannel, UnitChannels, UnitMember, UnitMembers

MAX_REFRESH_USERS = 60  # Teams' limit for `refresh.userIds`


@dataclass(frozen=True, slots=True)
class Member:
    """A person in a team roster (or a listed person the roster resolved)."""

    teams_id: str | None
    aad_object_id: str | None
    email: str | None = None  # e-mail address or UPN, lower case
    name: str | None = None

    def matches(self, identifier: str) -> bool:
        identifier = identifier.lower()
        return identifier in {
            (self.aad_object_id or "").lower(),
            (self.email or "").lower(),
        } - {""}


class Roster(Protocol):
    async def members(self, channel: UnitChannel) -> list[Member] | None:
        """The members of the channel's team; None when Teams cannot be asked right now."""


def actor_id(person: Person) -> str:
    """How the consultant side names a person: the Entra object id (Teams id if missing)."""
    return (person.aad_object_id or person.id).lower()


class Roles:
    def __init__(
        self,
        *,
        admins: frozenset[str],
        channels: UnitChannels,
        members: UnitMembers,
        roster: Roster | None = None,
    ) -> None:
        self._admins = frozenset(admin.lower() for admin in admins)
        self._channels = channels
        self._members = members
        self._roster = roster

    def is_admin(self, person: Person) -> bool:
        return bool(person.aad_object_id) and actor_id(person) in self._admins

    @property
    def admin_ids(self) -> frozenset[str]:
        return self._admins

    async def is_consultant(self, person: Person, unit: str) -> bool:
        return unit in await self.units_of(person)

    async def units_of(self, person: Person) -> list[str]:
        """The units the person is a consultant (or lead) of."""
        me = actor_id(person)
        channels = await self._channels.all()
        listed = await self._members.all()
        units = {entry.unit for entry in listed if entry.identifier == me}
        rosters = await self._rosters(channels)
        mine = [m for roster in rosters.values() for m in roster if m.matches(me)]
        for entry in listed:
            if any(member.matches(entry.identifier) for member in mine):
                units.add(entry.unit)
        for channel in channels:
            in_roster = any(member.matches(me) for member in rosters.get(channel.unit, []))
            if in_roster and self._roster_counts(channel, channels):
                units.add(channel.unit)
        return sorted(units)

    async def refresh_ids(self, unit: str) -> list[str]:
        """Teams ids of the unit's consultants, for a card's `refresh.userIds` (at most 60).
        Only people the rosters know can be listed; the others use "Show details"."""
        channels = await self._channels.all()
        rosters = await self._rosters(channels)
        listed = [entry for entry in await self._members.all() if entry.unit == unit]
        found: dict[str, None] = {}
        channel = next((c for c in channels if c.unit == unit), None)
        everyone = [member for roster in rosters.values() for member in roster]
        if channel is not None and self._roster_counts(channel, channels):
            for member in rosters.get(unit, []):
                if member.teams_id:
                    found[member.teams_id] = None
        for entry in listed:
            for member in everyone:
                if member.teams_id and member.matches(entry.identifier):
                    found[member.teams_id] = None
        return list(found)[:MAX_REFRESH_USERS]

    async def leads(self, unit: str) -> list[Member]:
        """The unit's leads, resolved through the rosters where possible."""
        channels = await self._channels.all()
        rosters = await self._rosters(channels)
        everyone = [member for roster in rosters.values() for member in roster]
        found: list[Member] = []
        for entry in await self._members.of_unit(unit, role=LEAD):
            member = next((m for m in everyone if m.matches(entry.identifier)), None)
            if member is None:
                member = _unresolved(entry)
            if member not in found:
                found.append(member)
        return found

    async def shares_team(self, unit: str) -> bool:
        """True if another unit's channel is in the same team (the roster is then ignored)."""
        channels = await self._channels.all()
        channel = next((c for c in channels if c.unit == unit), None)
        return channel is not None and not self._roster_counts(channel, channels)

    @staticmethod
    def _roster_counts(channel: UnitChannel, channels: Iterable[UnitChannel]) -> bool:
        return not any(
            other.unit != channel.unit and other.team_id == channel.team_id for other in channels
        )

    async def _rosters(self, channels: list[UnitChannel]) -> dict[str, list[Member]]:
        if self._roster is None:
            return {}
        found: dict[str, list[Member]] = {}
        for channel in channels:
            members = await self._roster.members(channel)
            if members is not None:
                found[channel.unit] = members
        return found


def _unresolved(entry: UnitMember) -> Member:
    if "@" in entry.identifier:
        return Member(teams_id=None, aad_object_id=None, email=entry.identifier)
    return Member(teams_id=None, aad_object_id=entry.identifier)
