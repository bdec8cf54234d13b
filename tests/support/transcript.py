"""Drive a dialog turn by turn, as a person would, and read what they would see.

What a person sees of a reply is its text, or for a card its `fallbackText` (every dialog card
carries one), so a transcript test reads the same in card and card-less clients.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dialogs.i18n import default_catalogue
from dialogs.main_dialog import MainDialog
from dialogs.turn import Incoming, Person, Reply

CATALOGUE = default_catalogue()


class Clock:
    def __init__(self, start: datetime = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def visible(reply: Reply) -> str:
    if reply.card is not None:
        return str(reply.card.get("fallbackText") or reply.card)
    return reply.text or ""


class Transcript:
    def __init__(
        self,
        dialog: MainDialog,
        *,
        language: str = "da",
        person: Person | None = None,
        state: dict[str, Any] | None = None,
    ) -> None:
        self.dialog = dialog
        self.language = language
        self.person = person or Person(
            id="29:mette", aad_object_id="aad-mette", name="Mette Hansen", tenant_id="tenant-kk"
        )
        self.state: dict[str, Any] = state if state is not None else {}
        self.last: list[Reply] = []

    async def say(self, text: str) -> list[str]:
        return await self._turn(
            Incoming(
                language=self.language, person=self.person, conversation_id="a:mette", text=text
            )
        )

    async def click(self, **value: Any) -> list[str]:
        return await self._turn(
            Incoming(
                language=self.language, person=self.person, conversation_id="a:mette", value=value
            )
        )

    async def _turn(self, incoming: Incoming) -> list[str]:
        outcome = await self.dialog.handle(incoming, self.state)
        self.last = outcome.replies
        return [visible(reply) for reply in outcome.replies]

    def t(self, key: str, **values: Any) -> str:
        return CATALOGUE.text(self.language, key, **values)

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [reply.card for reply in self.last if reply.card is not None]
