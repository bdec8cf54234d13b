"""What a dialog sees of a turn and what it answers: plain data, no botbuilder types.

The transport layer (`bot/`) turns a Teams activity into an `Incoming` and sends the
`Outcome`'s replies; dialogs stay testable as transcripts and survive an SDK change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Person:
    """The sender as Teams identifies them. Name and contact come from Teams, never typed."""

    id: str
    aad_object_id: str | None = None
    name: str | None = None
    tenant_id: str | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    language: str
    person: Person
    conversation_id: str
    conversation_type: str = "personal"  # personal | groupChat | channel
    text: str | None = None
    value: dict[str, Any] | None = None  # Action.Submit data
    verb: str | None = None  # Action.Execute verb (invoke adaptiveCard/action)
    correlation_id: str = "-"  # shown to the user as an error code when something fails
    # Teams channels only: the team and the channel (not the thread) the message came from.
    team_id: str | None = None
    channel_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    text: str | None = None
    card: dict[str, Any] | None = None


@dataclass(slots=True)
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    # The card that replaces the clicked one (Action.Execute); None for other turns.
    refreshed_card: dict[str, Any] | None = None

    def say(self, text: str) -> Outcome:
        self.replies.append(Reply(text=text))
        return self

    def show(self, card: dict[str, Any]) -> Outcome:
        self.replies.append(Reply(card=card))
        return self
