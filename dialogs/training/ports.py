"""What the training dialogs need from the transport layer, as small interfaces: signed
download links (served by the bot's own web app) and a way to wake the background senders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Links(Protocol):
    """Short-lived signed links to files the bot serves (`GET /files/{token}`)."""

    @property
    def csv_minutes(self) -> int: ...

    def calendar(self, event_id: int, person_id: str, *, valid_until: datetime) -> str:
        """The event's iCalendar file (an update, or a cancellation once cancelled)."""
        ...

    def participants_csv(self, event_id: int, person_id: str) -> str:
        """The participant list as CSV, for an organiser; valid `csv_minutes`."""
        ...


@dataclass(frozen=True)
class TrainingPorts:
    links: Links
    is_organiser: Callable[[str | None], bool]
    wake: Callable[[], None] = lambda: None
